"""Opening hours edited in the admin (ListingAdmin's inline) keep the
listing's has_opening_hours flag true to them: search and booking read the
flag, not the rows."""

import pytest
from django.contrib.admin.sites import site

from bookings.services.booking import booking_request
from listings.models import Listing, OpeningHours
from marketplace.errors import ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


class SavedForm:
    """What ModelAdmin.save_related needs of the change form once saved."""

    def __init__(self, instance):
        self.instance = instance

    def save_m2m(self):
        pass


def save_in_admin(listing):
    site._registry[Listing].save_related(None, SavedForm(listing), [], change=True)


def test_hours_added_in_the_admin_are_kept_by_bookings(owner, member):
    shop = make_listing(owner, title="Shop")
    day = tomorrow_at(10, days=3)
    OpeningHours.objects.create(listing=shop, weekday=day.weekday(), opens="09:00",
                                closes="18:00")
    save_in_admin(shop)
    assert Listing.objects.get(pk=shop.pk).has_opening_hours
    with pytest.raises(ValidationFailed, match="not open at the end"):
        booking_request(actor=member, listing_id=shop.pk, start=day, end=day.replace(hour=20))


def test_hours_removed_in_the_admin_no_longer_bind(owner, member):
    shop = make_listing(owner, title="Shop")
    day = tomorrow_at(10, days=3)
    OpeningHours.objects.create(listing=shop, weekday=day.weekday(), opens="09:00",
                                closes="18:00")
    save_in_admin(shop)
    OpeningHours.objects.filter(listing=shop).delete()
    save_in_admin(Listing.objects.get(pk=shop.pk))
    assert not Listing.objects.get(pk=shop.pk).has_opening_hours
    booking = booking_request(actor=member, listing_id=shop.pk, start=day,
                              end=day.replace(hour=20))
    assert booking.pk
