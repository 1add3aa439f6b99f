"""A booking and an extension are held to the same terms: how far ahead,
how long, the opening hours (whole booked time for spaces and services),
blackouts; and the extra time of an extension is priced."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Extension
from bookings.services.booking import booking_act, booking_request
from bookings.services.extension import extension_decide, extension_request
from listings.models import Blackout, Listing, OpeningHours
from marketplace.errors import ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


def open_every_day(listing, opens=time(9), closes=time(18)):
    OpeningHours.objects.bulk_create(OpeningHours(listing=listing, weekday=day, opens=opens,
                                                  closes=closes) for day in range(7))
    Listing.objects.filter(pk=listing.pk).update(has_opening_hours=True)
    listing.refresh_from_db()


def refusal(error) -> dict:
    return error.value.extra["fields"]


# --- how far ahead and how long ---------------------------------------------------------

def test_a_start_beyond_the_horizon_is_refused(owner, member, settings):
    settings.NANUM_BOOKING_HORIZON_DAYS = 365
    listing = make_listing(owner)
    start = tomorrow_at(10, days=366)
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=listing.pk, start=start,
                        end=start + timedelta(days=1))
    assert refusal(refused) == {"start": ["Bookings can start at most 365 days ahead."]}
    assert not Booking.objects.exists()


def test_an_end_in_9999_is_refused_by_the_platform_ceiling(owner, member):
    listing = make_listing(owner)  # no maximum of its own
    start = tomorrow_at(10)
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=listing.pk, start=start,
                        end=start.replace(year=9999))
    assert refusal(refused) == {"end": ["The longest booking for this listing is 2160 hours."]}
    assert not Booking.objects.exists()


def test_ninety_days_is_the_longest_booking_even_if_the_listing_allows_more(owner, member):
    listing = make_listing(owner, max_duration=timedelta(days=200))
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=90))
    assert booking.status in Booking.HOLDING
    with pytest.raises(ValidationFailed):
        booking_request(actor=member, listing_id=listing.pk, start=start + timedelta(days=91),
                        end=start + timedelta(days=182))


def test_the_api_refuses_a_far_end_with_the_field_named(owner, member, api_as):
    listing = make_listing(owner)
    start = tomorrow_at(10)
    answer = api_as(member).post("/api/v1/bookings/", {
        "listing": listing.pk, "start": start.isoformat(),
        "end": start.replace(year=9999).isoformat()}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "end" in answer.json()["fields"]


# --- opening hours ----------------------------------------------------------------------

def test_a_three_day_booking_of_a_room_open_9_to_18_is_refused(owner, member):
    room = make_listing(owner, title="Meeting room", kind=Listing.Kind.SPACE)
    open_every_day(room)
    start = tomorrow_at(10)
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=room.pk, start=start,
                        end=start + timedelta(days=3))
    [message] = refusal(refused)["end"]
    assert "within its opening hours" in message
    assert not Booking.objects.exists()


def test_a_room_booked_within_one_day_of_opening_hours_is_fine(owner, member):
    room = make_listing(owner, title="Meeting room", kind=Listing.Kind.SPACE)
    open_every_day(room)
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=room.pk, start=start,
                              end=start + timedelta(hours=8))
    assert booking.end == tomorrow_at(18)


def test_a_space_open_around_the_clock_can_be_booked_for_days(owner, member):
    room = make_listing(owner, title="Storage", kind=Listing.Kind.SPACE)
    open_every_day(room, opens=time(0), closes=time(23, 59))
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=room.pk, start=start,
                              end=start + timedelta(days=3))
    assert booking.status in Booking.HOLDING


def test_an_item_only_needs_the_lender_open_at_pickup_and_return(owner, member):
    drill = make_listing(owner, kind=Listing.Kind.ITEM)
    open_every_day(drill)
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=drill.pk, start=start,
                              end=start + timedelta(days=3))
    assert booking.status in Booking.HOLDING
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=drill.pk, start=start + timedelta(days=4),
                        end=start + timedelta(days=4, hours=10))
    assert list(refusal(refused)) == ["end"]


# --- extensions -------------------------------------------------------------------------

def _confirmed(listing, member, owner, days=1):
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=days))
    if booking.status == Booking.Status.REQUESTED:
        booking_act(actor=owner, booking=booking, action="approve")
    booking.refresh_from_db()
    return booking


def test_an_extension_of_a_per_day_loan_is_quoted_and_added_when_approved(owner, member,
                                                                         api_as):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000, deposit=10000)
    booking = _confirmed(saw, member, owner, days=2)
    assert (booking.rental, booking.total) == (6000, 16000)
    new_end = booking.end + timedelta(days=2)

    quote = api_as(member).get(f"/api/v1/bookings/{booking.pk}/extensions/",
                               {"new_end": new_end.isoformat()})
    assert quote.status_code == 200
    assert (quote.json()["rental"], quote.json()["total"]) == (6000, 6000)

    extension = extension_request(actor=member, booking=booking, new_end=new_end)
    assert extension.rental == 6000
    extension_decide(actor=owner, extension=extension, approve=True)
    booking.refresh_from_db()
    assert (booking.end, booking.rental, booking.total) == (new_end, 12000, 22000)


def test_a_declined_extension_costs_nothing(owner, member):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000)
    booking = _confirmed(saw, member, owner)
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=1))
    extension_decide(actor=owner, extension=extension, approve=False)
    booking.refresh_from_db()
    assert booking.rental == 3000


def test_an_extension_past_the_listings_longest_booking_is_refused(owner, member):
    saw = make_listing(owner, max_duration=timedelta(days=3))
    booking = _confirmed(saw, member, owner)
    with pytest.raises(ValidationFailed) as refused:
        extension_request(actor=member, booking=booking,
                          new_end=booking.start + timedelta(days=4))
    assert refusal(refused) == {"new_end": ["The longest booking for this listing is 72 "
                                            "hours."]}
    assert not Extension.objects.exists()


def test_an_extension_into_a_blackout_is_refused(owner, member):
    saw = make_listing(owner)
    booking = _confirmed(saw, member, owner)
    Blackout.objects.create(listing=saw, starts_at=booking.end + timedelta(hours=5),
                            ends_at=booking.end + timedelta(days=1))
    with pytest.raises(ValidationFailed) as refused:
        extension_request(actor=member, booking=booking,
                          new_end=booking.end + timedelta(days=2))
    assert list(refusal(refused)) == ["new_end"]


def test_an_extension_ending_when_the_lender_is_closed_is_refused(owner, member):
    saw = make_listing(owner)
    open_every_day(saw)
    booking = _confirmed(saw, member, owner)
    with pytest.raises(ValidationFailed) as refused:
        extension_request(actor=member, booking=booking,
                          new_end=timezone.localtime(booking.end).replace(hour=22))
    assert list(refusal(refused)) == ["new_end"]


def test_a_blackout_added_after_the_request_stops_the_approval(owner, member):
    saw = make_listing(owner)
    booking = _confirmed(saw, member, owner)
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=1))
    Blackout.objects.create(listing=saw, starts_at=booking.end + timedelta(hours=1),
                            ends_at=booking.end + timedelta(hours=2))
    with pytest.raises(ValidationFailed):
        extension_decide(actor=owner, extension=extension, approve=True)
    booking.refresh_from_db()
    assert booking.end == extension.new_end - timedelta(days=1)
