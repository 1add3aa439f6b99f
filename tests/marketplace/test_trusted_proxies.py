"""Behind a proxy every client shares its address (issue 19, point 5): the
API throttles and allauth's limits read the client's address through
NANUM_TRUSTED_PROXIES proxies, and never trust the header without them."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.adapter import AccountAdapter
from marketplace.clients import client_ip

pytestmark = pytest.mark.django_db


def request_from(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(("proxies", "peer", "forwarded", "client"), [
    (0, "10.0.0.2", "203.0.113.9", "10.0.0.2"),  # no proxies: the header is not read
    (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),  # nginx saw the client
    (1, "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote: ignored
    (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    (2, "198.51.100.7", "203.0.113.9", "198.51.100.7"),  # did not come through both
    (1, "10.0.0.2", None, "10.0.0.2"),
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    (1, "10.0.0.2", "203.0.113.9:5678", "203.0.113.9"),  # a proxy that adds the port
    (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
    (1, "10.0.0.2", "[2001:db8::1]", "2001:db8::1"),
])
def test_the_client_is_what_the_outermost_trusted_proxy_saw(settings, proxies, peer,
                                                            forwarded, client):
    settings.NANUM_TRUSTED_PROXIES = proxies
    assert client_ip(request_from(peer, forwarded)) == client


def test_allauth_counts_the_client_not_the_proxy(settings):
    settings.NANUM_TRUSTED_PROXIES = 1
    assert AccountAdapter().get_client_ip(
        request_from("10.0.0.2", "203.0.113.9")) == "203.0.113.9"


def anonymous_requests(forwarded_addresses, settings):
    """The answers to one anonymous GET from each address, through nginx."""
    codes = []
    for address in forwarded_addresses:
        client = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)
        codes.append(client.get("/api/v1/categories/").status_code)
    return codes


@pytest.fixture
def two_a_minute():
    from rest_framework.throttling import SimpleRateThrottle
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**saved, "anon": "2/minute", "user": "2/minute"}
    yield
    SimpleRateThrottle.THROTTLE_RATES = saved


def test_behind_a_proxy_each_client_has_its_own_allowance(settings, two_a_minute):
    settings.NANUM_TRUSTED_PROXIES = 1
    assert anonymous_requests(["203.0.113.1"] * 3, settings) == [200, 200, 429]
    assert anonymous_requests(["203.0.113.2"], settings) == [200]  # another resident
    # A client writing its own addresses in front gets no new allowance.
    assert anonymous_requests(["1.1.1.1, 203.0.113.1", "2.2.2.2, 203.0.113.1"],
                              settings) == [429, 429]


def test_allauths_login_limit_counts_each_client_behind_the_proxy(settings, member):
    settings.NANUM_TRUSTED_PROXIES = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed": "2/m/ip"}

    def wrong_password(address):
        client = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)
        errors = client.post("/_allauth/app/v1/auth/login",
                             {"email": member.email, "password": "wrong"},
                             format="json").json()["errors"]
        return errors[0]["code"]

    assert [wrong_password("203.0.113.1") for _ in range(3)] == [
        "email_password_mismatch", "email_password_mismatch", "too_many_login_attempts"]
    # A neighbour behind the same proxy is not held back by it.
    assert wrong_password("203.0.113.2") == "email_password_mismatch"


def test_without_trusted_proxies_a_forged_header_buys_nothing(settings, two_a_minute):
    settings.NANUM_TRUSTED_PROXIES = 0
    assert anonymous_requests([f"203.0.113.{n}" for n in range(3)], settings) == [
        200, 200, 429]
