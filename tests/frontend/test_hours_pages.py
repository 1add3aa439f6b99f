from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Blackout
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def test_the_lender_sets_opening_hours_and_blackouts_from_the_page(client, owner, member):
    listing = make_listing(owner)
    client.force_login(owner)
    client.post(f"/listings/{listing.pk}/hours/", {
        "form": "hours", "open_5": "on", "opens_5": "10:00", "closes_5": "16:00"})
    hours = listing.opening_hours.get()
    assert (hours.weekday, hours.opens.hour, hours.closes.hour) == (5, 10, 16)
    listing.refresh_from_db()
    assert listing.has_opening_hours
    start = timezone.localtime() + timedelta(days=3)
    client.post(f"/listings/{listing.pk}/hours/", {
        "form": "blackout", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "reason": "Repair"})
    assert Blackout.objects.get(listing=listing).reason == "Repair"
    client.force_login(member)
    assert client.get(f"/listings/{listing.pk}/hours/").status_code == 403


def test_blackouts_through_the_api(api_as, owner, member):
    listing = make_listing(owner)
    start = timezone.now() + timedelta(days=2)
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=5)).isoformat(),
            "reason": "Inventory"}
    assert api_as(member).post(f"/api/v1/listings/{listing.pk}/blackouts/",
                               body).status_code == 403
    made = api_as(owner).post(f"/api/v1/listings/{listing.pk}/blackouts/", body)
    assert made.status_code == 201 and made.json()["source"] == "manual"
    gone = api_as(owner).delete(f"/api/v1/listings/{listing.pk}/blackouts/{made.json()['id']}/")
    assert gone.status_code == 204 and not Blackout.objects.exists()
