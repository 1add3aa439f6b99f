from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.services.booking import booking_act, booking_request
from listings.categories import seed_categories
from listings.models import Category, Listing, ListingUnit


@pytest.fixture
def drill(owner):
    """A free, one-unit drill that `owner` lends publicly."""
    return make_listing(owner, title="전동 드릴 빌려드려요", units=1)


def make_listing(owner, *, title="Drill", units=1, **fields) -> Listing:
    # Transactional tests flush the data migration's categories: seed again.
    seed_categories()
    fields.setdefault("category", Category.objects.get(slug="power-tools"))
    listing = Listing.objects.create(owner=owner, title=title, **fields)
    ListingUnit.objects.bulk_create(
        ListingUnit(listing=listing, label=str(n + 1), position=n) for n in range(units)
    )
    return listing


def tomorrow_at(hour: int, days: int = 1):
    base = timezone.localtime() + timedelta(days=days)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def period():
    """Tomorrow 10:00 to the day after, 10:00 (Seoul time)."""
    start = tomorrow_at(10)
    return start, start + timedelta(days=1)


@pytest.fixture
def requested(drill, member, period):
    return booking_request(actor=member, listing_id=drill.pk, start=period[0], end=period[1])


@pytest.fixture
def picked_up(requested, owner):
    booking_act(actor=owner, booking=requested, action="approve")
    requested.refresh_from_db()
    return booking_act(actor=owner, booking=requested, action="pickup")
