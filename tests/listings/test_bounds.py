"""What a listing asks has upper bounds: prices and deposits at most
100,000,000 won; the shortest and longest booking and the notice at most a
year; requests wait at most 30 days. Beyond them the API answers 400 naming
the field, the form shows the field's error, the service refuses, and
nothing is stored. Won is the only currency until a second one can be paid."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from listings.models import Listing
from listings.services.listing import listing_create, listing_update
from marketplace.errors import ValidationFailed
from tests.listings.test_pages import FORM

pytestmark = pytest.mark.django_db

NEW = {"title": "Drill", "category": "power-tools", "pricing": "per_day", "price": 3000}


@pytest.mark.parametrize("field,value", [
    ("price", 100_000_001), ("price", 10**30), ("deposit", 100_000_001), ("deposit", 10**30),
    ("min_duration_hours", 8761), ("min_duration_hours", 1e30),
    ("max_duration_hours", 10**30), ("lead_time_hours", 8761),
    ("min_duration_hours", "nan"), ("lead_time_hours", "inf"),
])
def test_the_api_refuses_a_value_beyond_its_bound_with_400_naming_it(api_as, owner, categories,
                                                                     field, value):
    response = api_as(owner).post("/api/v1/listings/", {**NEW, field: value}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_failed" and list(body["fields"]) == [field]
    assert not Listing.objects.exists()


def test_the_bounds_themselves_are_accepted(api_as, owner, categories):
    response = api_as(owner).post("/api/v1/listings/", {
        **NEW, "price": 100_000_000, "deposit": 100_000_000, "min_duration_hours": 1,
        "max_duration_hours": 8760, "lead_time_hours": 8760}, format="json")
    assert response.status_code == 201, response.content
    listing = Listing.objects.get()
    assert (listing.price, listing.deposit) == (100_000_000, 100_000_000)
    assert listing.max_duration == listing.lead_time == timedelta(days=365)


def test_an_edit_beyond_a_bound_is_400_and_changes_nothing(api_as, owner, make_listing):
    listing = make_listing(pricing="per_day", price=3000)
    response = api_as(owner).patch(f"/api/v1/listings/{listing.pk}/", {"price": 10**30},
                                   format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["price"]
    listing.refresh_from_db()
    assert listing.price == 3000


def test_another_currency_is_refused_with_a_clear_message(api_as, owner, categories):
    response = api_as(owner).post("/api/v1/listings/", {**NEW, "currency": "USD"},
                                  format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"currency": [
        "Prices are in won (KRW) only for now: other currencies cannot be paid yet."]}
    assert not Listing.objects.exists()
    korean = api_as(owner).post("/api/v1/listings/", {**NEW, "currency": "KRW"},
                                format="json")
    assert korean.status_code == 201 and korean.json()["currency"] == "KRW"


@pytest.mark.parametrize("changes,field", [
    ({"price": 100_000_001}, "price"),
    ({"deposit": 10**30}, "deposit"),
    ({"min_duration": timedelta(days=366)}, "min_duration"),
    ({"max_duration": timedelta(days=400)}, "max_duration"),
    ({"lead_time": timedelta(days=366)}, "lead_time"),
    ({"currency": "EUR"}, "currency"),
])
def test_the_service_refuses_beyond_the_bounds_too(owner, make_listing, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        listing_create(actor=owner, **{**NEW, **changes})
    assert field in refused.value.extra["fields"]
    assert not Listing.objects.exists()
    listing = make_listing(**NEW)
    with pytest.raises(ValidationFailed):
        listing_update(actor=owner, listing=listing, **changes)


@pytest.mark.parametrize("field,value", [
    ("price", "100000001"), ("deposit", "1" + "0" * 30), ("min_hours", "8761"),
    ("max_hours", "1e30"),
])
def test_the_form_shows_the_fields_bound_and_saves_nothing(client, owner, categories, field,
                                                           value):
    client.force_login(owner)
    response = client.post("/listings/new/", {**FORM, field: value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()
    assert not Listing.objects.exists()


def test_the_models_validators_hold_the_same_bounds(owner, make_listing):
    """What the admin's forms check (full_clean runs the validators)."""
    listing = make_listing(**NEW)
    for field, value in [("price", 100_000_001), ("deposit", 100_000_001),
                         ("currency", "USD"), ("min_duration", timedelta(days=366)),
                         ("max_duration", timedelta(days=366)),
                         ("lead_time", timedelta(days=366)),
                         ("request_expiry", timedelta(days=31)),
                         ("request_expiry", timedelta(0))]:
        original = getattr(listing, field)
        setattr(listing, field, value)
        with pytest.raises(ValidationError) as refused:
            listing.full_clean()
        assert field in refused.value.message_dict
        setattr(listing, field, original)
    listing.full_clean()


def test_a_rule_can_ask_no_more_money_than_a_listing_can_give():
    from community_rules.rule_types import MAX_WON as RULE_MAX_WON
    from listings.models import MAX_WON

    assert RULE_MAX_WON == MAX_WON


def test_a_shortest_booking_beyond_the_platform_ceiling_is_refused(owner):
    with pytest.raises(ValidationFailed) as refused:
        listing_create(actor=owner, title="Storage", category="storage",
                       min_duration=timedelta(days=91))
    assert list(refused.value.extra["fields"]) == ["min_duration"]
