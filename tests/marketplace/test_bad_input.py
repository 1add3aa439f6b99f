"""Input that used to crash the server is a 400 that says what is wrong:
deeply nested JSON, numbers past 64 bits, durations and dates far out."""

import json

import pytest
from django.test import Client

from community_rules.models import Community, Membership
from marketplace.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

HUGE = 2**70
# About 10 KB of brackets: deeper than Python's recursion limit.
DEEP = "[" * 5000 + "]" * 5000


def post_json(client, path, body, **extra):
    return client.post(path, body if isinstance(body, str) else json.dumps(body),
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.fixture
def browser(member):
    client = Client()
    client.force_login(member)
    return client


@pytest.mark.parametrize("path", ["/api/v1/listings/", "/api/v1/bookings/",
                                  "/api/v1/reports/", "/api/v1/communities/"])
def test_deeply_nested_json_is_a_400_on_api_endpoints(browser, path):
    response = post_json(browser, path, DEEP)
    assert response.status_code == 400
    assert response.json() == {"code": "validation_failed",
                               "detail": "The request body is nested too deeply.",
                               "fields": {}}


def test_deeply_nested_json_is_a_400_on_the_app_sign_in(db):
    response = post_json(Client(), "/_allauth/app/v1/auth/login", DEEP)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/vnd.api+json", ""])
def test_deeply_nested_json_is_a_400_on_the_app_sign_in_whatever_its_type(db, content_type):
    # allauth's headless API reads any body as JSON.
    response = Client().post("/_allauth/app/v1/auth/login", data=json.dumps(DEEP),
                             content_type=content_type)
    assert response.status_code == 400


def test_nesting_just_past_the_limit_is_refused_and_within_it_is_read(browser):
    too_deep = {"reason": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}
    assert post_json(browser, "/api/v1/reports/", too_deep).json()["detail"] == (
        "The request body is nested too deeply.")
    within = {"target_type": "listing", "target_id": 1,
              "reason": json.loads("[" * 5 + "]" * 5)}
    refused = post_json(browser, "/api/v1/reports/", within)
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]


def test_an_id_past_64_bits_is_a_400_naming_the_field(browser):
    response = post_json(browser, "/api/v1/reports/",
                         {"target_type": "listing", "target_id": HUGE, "reason": "Spam"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"target_id": ["This number is too large."]}

    booking = post_json(browser, "/api/v1/bookings/", {
        "listing": HUGE, "start": "2030-01-01T10:00:00+09:00",
        "end": "2030-01-01T12:00:00+09:00"})
    assert booking.status_code == 400 and "listing" in booking.json()["fields"]


def test_a_huge_number_inside_a_rule_is_left_to_the_rule_to_name(api_as, owner):
    community = Community.objects.create(name="Lib", slug="lib", governance="democratic")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    response = post_json(api_as(owner), "/api/v1/communities/lib/proposals/", {
        "action": "add", "rule": {"type": "max_loan_duration", "params": {"days": HUGE}}})
    assert response.status_code == 400
    assert response.json()["fields"] == {"params": ["“Days” must be at most 365."]}


def test_an_infinite_number_is_a_400_naming_the_field(browser):
    response = post_json(browser, "/api/v1/reports/",
                         '{"target_type": "listing", "target_id": 1e400, "reason": "x"}')
    assert response.status_code == 400
    assert response.json()["fields"] == {"target_id": ["This number is too large."]}


@pytest.mark.parametrize("hours", [1e30, 2**70])
def test_a_duration_of_absurdly_many_hours_is_a_400_naming_the_field(api_as, owner, hours):
    response = post_json(api_as(owner), "/api/v1/listings/", {
        "title": "Tent", "category": "camping", "max_duration_hours": hours})
    assert response.status_code == 400
    assert "max_duration_hours" in response.json()["fields"]


def test_far_out_search_dates_are_a_400_naming_the_field(api):
    response = api.get("/api/v1/listings/", {"available_from": "9999-12-30",
                                              "available_to": "9999-12-31"},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "available_to" in response.json()["fields"]
