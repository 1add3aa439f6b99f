"""Review of issue 14's booking terms: opening hours cut at Seoul midnight
whatever offset the times were sent in, split opening periods, durations
at their bounds, and prices too large for the booking's integers."""

from datetime import UTC, time, timedelta
from datetime import timezone as dt_timezone

import pytest

from bookings.models import Booking
from bookings.services.booking import booking_request
from listings.models import Listing, OpeningHours
from marketplace.errors import ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

PLUS_14 = dt_timezone(timedelta(hours=14))
MINUS_12 = dt_timezone(timedelta(hours=-12))


def hours(listing, *periods, days=range(7)):
    OpeningHours.objects.bulk_create(
        OpeningHours(listing=listing, weekday=day, opens=opens, closes=closes)
        for day in days for opens, closes in periods)
    Listing.objects.filter(pk=listing.pk).update(has_opening_hours=True)


def refusal(error) -> dict:
    return error.value.extra["fields"]


def test_a_space_open_9_to_12_and_13_to_18_cannot_be_booked_over_lunch(owner, member):
    room = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(room, (time(9), time(12)), (time(13), time(18)))
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=room.pk, start=tomorrow_at(10),
                        end=tomorrow_at(14))
    assert list(refusal(refused)) == ["end"]
    assert not Booking.objects.exists()
    booking = booking_request(actor=member, listing_id=room.pk, start=tomorrow_at(13),
                              end=tomorrow_at(18))
    assert booking.end == tomorrow_at(18)


@pytest.mark.parametrize("zone", [PLUS_14, MINUS_12, UTC])
def test_hours_are_read_in_seoul_whatever_offset_the_times_came_in(owner, member, zone):
    room = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(room, (time(9), time(18)))
    start, end = tomorrow_at(10).astimezone(zone), tomorrow_at(17).astimezone(zone)
    booking = booking_request(actor=member, listing_id=room.pk, start=start, end=end)
    assert booking.start == tomorrow_at(10)
    with pytest.raises(ValidationFailed):
        booking_request(actor=member, listing_id=room.pk, start=tomorrow_at(8).astimezone(zone),
                        end=tomorrow_at(9).astimezone(zone))


def test_a_space_open_only_on_its_weekday_is_booked_on_that_day(owner, member):
    start = tomorrow_at(10)
    room = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(room, (time(9), time(18)), days=[start.weekday()])
    booking_request(actor=member, listing_id=room.pk, start=start, end=start + timedelta(hours=1))
    later = start + timedelta(days=1)
    with pytest.raises(ValidationFailed):
        booking_request(actor=member, listing_id=room.pk, start=later,
                        end=later + timedelta(hours=1))


def test_a_space_closing_at_23_59_runs_through_midnight_into_the_next_day(owner, member):
    room = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(room, (time(0), time(23, 59)))
    start = tomorrow_at(22)
    booking = booking_request(actor=member, listing_id=room.pk, start=start,
                              end=start + timedelta(hours=4))
    assert booking.end == start + timedelta(hours=4)


def test_a_space_closing_at_23_59_is_not_open_after_midnight_if_the_next_day_opens_later(
        owner, member):
    room = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(room, (time(9), time(23, 59)))
    start = tomorrow_at(22)
    with pytest.raises(ValidationFailed):
        booking_request(actor=member, listing_id=room.pk, start=start,
                        end=start + timedelta(hours=4))
    # ...but until midnight is fine.
    booking = booking_request(actor=member, listing_id=room.pk, start=start,
                              end=start + timedelta(hours=2))
    assert booking.end == tomorrow_at(0, days=2)


def test_an_item_returned_at_midnight_needs_the_lender_open_at_midnight(owner, member):
    drill = make_listing(owner, kind=Listing.Kind.ITEM)
    hours(drill, (time(9), time(23, 59)))
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=drill.pk, start=tomorrow_at(22),
                        end=tomorrow_at(0, days=2))
    assert list(refusal(refused)) == ["end"]


def test_the_shortest_and_longest_bookings_are_inclusive(owner, member):
    listing = make_listing(owner, units=3, min_duration=timedelta(hours=2),
                           max_duration=timedelta(hours=5))
    start = tomorrow_at(10)
    booking_request(actor=member, listing_id=listing.pk, start=start,
                    end=start + timedelta(hours=2))
    booking_request(actor=member, listing_id=listing.pk, start=start,
                    end=start + timedelta(hours=5))
    for length in (timedelta(hours=2) - timedelta(seconds=1),
                   timedelta(hours=5) + timedelta(seconds=1)):
        with pytest.raises(ValidationFailed) as refused:
            booking_request(actor=member, listing_id=listing.pk, start=start,
                            end=start + length)
        assert list(refusal(refused)) == ["end"]
    assert Booking.objects.count() == 2


def test_an_end_near_the_last_year_is_refused_not_an_overflow(owner, member, api_as):
    listing = make_listing(owner, kind=Listing.Kind.SPACE)
    hours(listing, (time(0), time(23, 59)))
    answer = api_as(member).post("/api/v1/bookings/", {
        "listing": listing.pk, "start": tomorrow_at(10).isoformat(),
        "end": "9998-12-31T23:59:59-12:00"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["end"]


@pytest.mark.parametrize("pricing,price,days", [
    (Listing.Pricing.PER_HOUR, 100_000_000, 90), (Listing.Pricing.PER_DAY, 100_000_000, 90)])
def test_a_price_too_large_to_store_is_refused_by_the_end_field(owner, member, api_as,
                                                                 pricing, price, days):
    listing = make_listing(owner, pricing=pricing, price=price, deposit=100_000_000)
    start = tomorrow_at(10)
    answer = api_as(member).post("/api/v1/bookings/", {
        "listing": listing.pk, "start": start.isoformat(),
        "end": (start + timedelta(days=days)).isoformat()}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["fields"]) == ["end"]
    assert not Booking.objects.exists()
