# Nanum: `make run` serves the site, `make test` runs every test.
# Both create .venv from the pinned requirements first (reused while the
# requirements are unchanged).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)
PORT ?= 8000

.PHONY: run test bench lint venv messages

$(STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed: install Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Nanum on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the server and the task worker)"
	@$(PY) manage.py run_huey --workers 2 --quiet & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) -m daphne -b 127.0.0.1 -p $(PORT) marketplace.asgi:application

test: lint
	$(PY) -m tests.harness

bench: venv
	$(PY) -m bench

# Style, and the layer order of the apps (import-linter, pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Re-extract the strings to translate, then compile (needs GNU gettext).
messages: venv
	$(PY) manage.py makemessages -l ko -l en --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv
