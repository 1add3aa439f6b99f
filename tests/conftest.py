"""Fixtures every test folder shares: one set of people and API clients.

The people: `owner` (lists and lends), `member` (borrows), `outsider`
(belongs to nothing), `staff` (city operator).
"""

import contextlib
import os

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import user_create

PASSWORD = "correct-horse-battery"

# Fixtures shared across folders: listings to book, bookings in each state.
pytest_plugins = ["tests.fixtures.bookings"]


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # Services called directly speak the active language; tests read them
    # in English. Requests still pick their language from the browser.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and throttles live in the cache (Redis in the PostgreSQL
    # run): each test starts with none.
    cache.clear()
    yield


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis. `make test` passes one; a bare `pytest` starts its own."""
    url = os.environ.get("NANUM_TEST_REDIS_URL")
    if url:
        yield url
        return
    from tests.harness import MissingTool, redis_server

    try:
        manager = redis_server()
        url = manager.__enter__()
    except MissingTool as exc:
        pytest.fail(f"This test needs a real Redis: {exc}")
    with contextlib.ExitStack() as stack:
        stack.push(manager)
        yield url


def make_person(email: str, name: str = "", **extra):
    return user_create(email=email, password=PASSWORD, display_name=name, **extra)


@pytest.fixture
def owner(db):
    return make_person("owner@example.org", "Owner Kim")


@pytest.fixture
def member(db):
    return make_person("member@example.org", "Member Lee")


@pytest.fixture
def outsider(db):
    return make_person("outsider@example.org", "Outsider Park")


@pytest.fixture
def staff(db):
    return make_person("staff@example.org", "City Staff", is_staff=True)


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def api_as():
    """`api_as(person)` gives an API client signed in as that person."""

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


# --- Stripe, against localstripe ---------------------------------------------

@pytest.fixture(scope="session")
def localstripe_url():
    """A localstripe server (a fake, stateful Stripe API) on loopback.
    `make test` passes one; a bare `pytest` starts its own."""
    url = os.environ.get("NANUM_TEST_LOCALSTRIPE_URL")
    if url:
        yield url.rstrip("/")
        return
    from tests.harness import MissingTool, localstripe_server

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(localstripe_server())
        except (MissingTool, RuntimeError) as exc:
            pytest.fail(f"This test needs localstripe: {exc}")
        yield url


@pytest.fixture
def stripe_mode(settings, localstripe_url):
    """Payments through Stripe, that is localstripe, emptied first; yields
    localstripe's URL."""
    import requests

    from tests.harness import STRIPE_TEST_SETTINGS

    requests.delete(f"{localstripe_url}/_config/data", timeout=10).raise_for_status()
    for name, value in STRIPE_TEST_SETTINGS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = localstripe_url
    yield localstripe_url
