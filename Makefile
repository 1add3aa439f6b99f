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

# `make run STRIPE=local`: payments through Stripe, that is localstripe (a
# fake Stripe API and Stripe.js, tests/localstripe_server.py) on
# 127.0.0.1:$(LOCALSTRIPE_PORT), its webhook events sent to this server.
LOCALSTRIPE_PORT ?= 8420
LOCALSTRIPE := http://127.0.0.1:$(LOCALSTRIPE_PORT)
DEMO_WEBHOOK_SECRET := whsec_demo_nanum
ifeq ($(STRIPE),local)
STRIPE_ENV := STRIPE_SECRET_KEY=sk_test_demo STRIPE_PUBLISHABLE_KEY=pk_test_demo \
  STRIPE_WEBHOOK_SECRET=$(DEMO_WEBHOOK_SECRET) STRIPE_API_BASE=$(LOCALSTRIPE)
endif
PORT_FREE = import socket; socket.create_server(("127.0.0.1", $(LOCALSTRIPE_PORT))).close()
REGISTER_WEBHOOK = import urllib.parse as p, urllib.request as r; \
  r.urlopen("$(LOCALSTRIPE)/_config/webhooks/nanum", timeout=2, data=p.urlencode({ \
  "url": "http://127.0.0.1:$(PORT)/payments/stripe/webhook/", \
  "secret": "$(DEMO_WEBHOOK_SECRET)"}).encode())

.PHONY: run test bench lint venv messages

$(STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed: install Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

run: venv
	$(if $(filter-out local,$(STRIPE)),$(error STRIPE=local is the only choice (localstripe); without it payments are offline))
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Nanum on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the server and the task worker)"
	@pids=; trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	  if [ "$(STRIPE)" = local ]; then \
	    $(PY) -c '$(PORT_FREE)' 2>/dev/null \
	      || { echo "localstripe: port $(LOCALSTRIPE_PORT) is taken (LOCALSTRIPE_PORT=... picks another)"; exit 1; }; \
	    $(PY) -m tests.localstripe_server --port $(LOCALSTRIPE_PORT) & pids="$$pids $$!"; \
	    up=; for _ in $$(seq 100); do \
	      $(PY) -c '$(REGISTER_WEBHOOK)' 2>/dev/null && { up=1; break; }; sleep 0.1; done; \
	    [ -n "$$up" ] || { echo "localstripe did not start on $(LOCALSTRIPE)"; exit 1; }; \
	    echo "Payments through localstripe on $(LOCALSTRIPE) (test card 4242 4242 4242 4242)"; \
	  fi; \
	  $(STRIPE_ENV) $(PY) manage.py run_huey --workers 2 --quiet & pids="$$pids $$!"; \
	  $(STRIPE_ENV) $(PY) -m daphne -b 127.0.0.1 -p $(PORT) marketplace.asgi:application

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
