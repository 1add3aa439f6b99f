"""Browser tests: Chromium (the system's, through Playwright) against a live
daphne server, a real process that serves pages and WebSockets from
marketplace.asgi on the test database.

Tests here use `transactional_db`, so what a test writes is committed and the
server process sees it, and what the server writes the test can read.
"""

import contextlib
import os
import re
import subprocess
import sys
import tempfile
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection
from playwright.sync_api import sync_playwright

from tests.harness import IS_ROOT, ROOT, STRIPE_TEST_SETTINGS, free_port, wait_for_port

# Playwright's sync API keeps an event loop in this thread; Django's ORM calls
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)


def _test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture(scope="session")
def mail_dir():
    return Path(tempfile.mkdtemp(prefix="nanum-e2e-mail-"))


@contextlib.contextmanager
def _daphne(database_url: str, mail_dir: Path, **extra_env: str):
    """A daphne process serving the test database; yields its URL. At the
    end, fails if it logged a Traceback or answered a 500."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium")
    port = free_port()
    log = open(Path(tempfile.gettempdir()) / f"nanum-e2e-server-{port}.log", "w+")
    # Throttles raised: schemathesis (test_api_schemathesis.py) sends
    # thousands of requests a minute as one person. The figures are not
    # cached: each test's /stats/ counts that test's data.
    env = dict(os.environ, DATABASE_URL=database_url, EMAIL_URL=f"filemail:///{mail_dir}",
               API_RATE_ANON="100000/minute", API_RATE_USER="100000/minute",
               API_RATE_STATS="100000/minute", STATS_CACHE_SECONDS="0", **extra_env)
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "marketplace.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=60)
    except RuntimeError:
        server.kill()
        log.seek(0)
        pytest.fail("The live server did not start:\n" + log.read()[-4000:])
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=20)
    log.seek(0)
    errors = [line for line in log if "Traceback" in line or " 500 " in line]
    log.close()
    assert not errors, "The live server logged errors: see " + log.name


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker, mail_dir):
    """The URL of a daphne process serving the test database."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    with _daphne(database_url, mail_dir) as url:
        yield url


@pytest.fixture(scope="session")
def live_stripe_site(django_db_setup, django_db_blocker, mail_dir, localstripe_url):
    """Like `live_site`, with payments through Stripe, that is localstripe
    (the keys of tests/conftest.py), whose webhook events go to this server."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    with _daphne(database_url, mail_dir, STRIPE_API_BASE=localstripe_url,
                 **STRIPE_TEST_SETTINGS) as url:
        answer = requests.post(
            f"{localstripe_url}/_config/webhooks/nanum",
            data={"url": f"{url}/payments/stripe/webhook/",
                  "secret": STRIPE_TEST_SETTINGS["STRIPE_WEBHOOK_SECRET"]},
            timeout=10,
        )
        if answer.status_code != 200:
            pytest.fail(f"localstripe refused the webhook: {answer.status_code} {answer.text}")
        yield url


@pytest.fixture(scope="session")
def browser():
    args = ["--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage"]
    if IS_ROOT:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args,
                                             chromium_sandbox=not IS_ROOT)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_site, transactional_db):
    """`new_page()` opens a page in a fresh browser context (its own cookies):
    one per person in a test."""
    from listings.categories import seed_categories

    # Each browser test starts from a flushed database: put back the
    # category tree the data migration made.
    seed_categories()
    contexts = []
    refused = []

    def watch(message):
        # Chromium reports what the Content-Security-Policy (or a bad
        # Permissions-Policy) refused on the console: every page must need
        # nothing the policy forbids.
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            refused.append(f"{message.page.url if message.page else ''}: {message.text}")

    def make():
        context = browser.new_context(base_url=live_site, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not refused, "The browser refused parts of pages:\n" + "\n".join(refused)


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.get_by_test_id("nav-logout").wait_for()


@pytest.fixture
def mailbox(mail_dir):
    """Returns the messages the server has sent so far, oldest first."""

    def read():
        messages = []
        for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            # The file backend writes each message followed by a line of dashes.
            for chunk in re.split(rb"\n-{79}\n", path.read_bytes()):
                if chunk.strip():
                    messages.append(message_from_bytes(chunk.strip() + b"\n"))
        return messages

    return read


def body_of(message) -> str:
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode()
    return message.get_payload(decode=True).decode()


def run_job(job, **kwargs):
    """Run a background job as the task worker would: in its own thread with
    its own database connection (not on Playwright's event-loop thread)."""
    from concurrent.futures import ThreadPoolExecutor

    def work():
        try:
            return job(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
