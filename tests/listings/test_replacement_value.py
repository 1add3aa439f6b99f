"""A listing may declare what it would cost new (issue 18): through the API
and the page, in and out, checked as won."""

import pytest

from listings.models import Listing
from listings.services.listing import listing_create
from marketplace.errors import ValidationFailed

pytestmark = pytest.mark.django_db

NEW = {"title": "Drill", "category": "power-tools", "kind": "item"}


def test_declared_kept_and_shown(api_as, owner):
    response = api_as(owner).post("/api/v1/listings/", {**NEW, "replacement_value": 129000},
                                  format="json")
    assert response.status_code == 201, response.json()
    listing_id = response.json()["id"]
    assert response.json()["replacement_value"] == 129000
    assert Listing.objects.get(pk=listing_id).replacement_value == 129000
    card = api_as(owner).get("/api/v1/listings/").json()["results"][0]
    assert card["replacement_value"] == 129000
    cleared = api_as(owner).patch(f"/api/v1/listings/{listing_id}/",
                                  {"replacement_value": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["replacement_value"] is None


def test_left_out_is_not_declared(api_as, owner):
    body = api_as(owner).post("/api/v1/listings/", NEW, format="json").json()
    assert body["replacement_value"] is None


@pytest.mark.parametrize("value", [0, -5, 100_000_001, "lots", 1.5, True])
def test_bad_values_refused_in_the_persons_language(api_as, owner, value):
    response = api_as(owner).post("/api/v1/listings/", {**NEW, "replacement_value": value},
                                  format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 400
    assert "replacement_value" in response.json()["fields"]
    assert not Listing.objects.exists()


def test_the_service_refuses_what_the_api_would(owner):
    with pytest.raises(ValidationFailed) as refused:
        listing_create(actor=owner, title="Drill", category="power-tools", replacement_value=0)
    assert "replacement_value" in refused.value.extra["fields"]
    assert not Listing.objects.exists()


def test_the_page_form_declares_and_shows_it(client, owner):
    client.force_login(owner)
    response = client.post("/listings/new/", {
        "title": "Tent", "kind": "item", "category": "camping", "pricing": "free", "price": 0,
        "deposit": 0, "replacement_value": "240000", "units": 1, "visibility": "public",
        "min_hours": 1, "cancellation_policy": "flexible", "status": "active"},
        HTTP_ACCEPT_LANGUAGE="en")
    listing = Listing.objects.get()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert listing.replacement_value == 240000
    page = client.get(f"/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="listing-replacement-value"' in page and "240,000" in page
