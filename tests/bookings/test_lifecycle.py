"""The booking state machine: every transition, allowed and refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingTransition
from bookings.services.booking import booking_act, booking_request
from listings.models import Listing
from marketplace.errors import BookingConflict, Forbidden, InvalidTransition, ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db
S = Booking.Status


def test_a_request_holds_a_unit_and_records_who_asked(requested, member):
    assert requested.status == S.REQUESTED
    assert requested.unit.listing_id == requested.listing_id
    first = requested.transitions.get()
    assert (first.from_status, first.to_status, first.actor) == ("", S.REQUESTED, member)
    # Unanswered, it lapses when the loan would start (tomorrow), or after 24 hours.
    expected = min(requested.start, requested.created_at + timedelta(hours=24))
    assert abs(requested.expires_at - expected) < timedelta(seconds=1)


def test_approving_a_free_loan_confirms_it_at_once(requested, owner):
    booking = booking_act(actor=owner, booking=requested, action="approve", note="See you!")
    assert booking.status == S.CONFIRMED
    steps = list(booking.transitions.values_list("from_status", "to_status", "actor_id"))
    assert steps == [("", S.REQUESTED, requested.borrower_id),
                     (S.REQUESTED, S.APPROVED, owner.id),
                     (S.APPROVED, S.CONFIRMED, None)]


def test_instant_booking_starts_approved_and_confirmed(owner, member, period):
    listing = make_listing(owner, instant_booking=True)
    booking = booking_request(actor=member, listing_id=listing.pk, start=period[0],
                              end=period[1])
    assert booking.status == S.CONFIRMED
    assert [t.to_status for t in booking.transitions.all()] == [
        S.REQUESTED, S.APPROVED, S.CONFIRMED]


def test_full_lifecycle_pickup_return_complete(picked_up, owner):
    assert picked_up.status == S.PICKED_UP and picked_up.picked_up_at
    returned = booking_act(actor=owner, booking=picked_up, action="return", note="All fine")
    assert returned.status == S.RETURNED and returned.returned_at
    completed = booking_act(actor=owner, booking=returned, action="complete")
    assert completed.status == S.COMPLETED


def test_a_dispute_after_return_is_resolved_by_completion(picked_up, owner, member):
    returned = booking_act(actor=owner, booking=picked_up, action="return")
    disputed = booking_act(actor=member, booking=returned, action="dispute",
                           note="The drill was broken when I got it")
    assert disputed.status == S.DISPUTED
    assert booking_act(actor=owner, booking=disputed, action="complete").status == S.COMPLETED


@pytest.mark.parametrize("action", ["approve", "decline", "pickup", "return", "no_show"])
def test_the_borrower_cannot_take_the_lenders_steps(requested, member, action):
    with pytest.raises(InvalidTransition):
        booking_act(actor=member, booking=requested, action=action)
    assert Booking.objects.get(pk=requested.pk).status == S.REQUESTED


def test_decline_and_cancel_by_the_right_side(drill, owner, member, period):
    declined = booking_act(actor=owner, booking=booking_request(
        actor=member, listing_id=drill.pk, start=period[0], end=period[1]), action="decline")
    assert declined.status == S.DECLINED
    again = booking_request(actor=member, listing_id=drill.pk, start=period[0], end=period[1])
    assert booking_act(actor=member, booking=again, action="cancel").status == S.CANCELLED


@pytest.mark.parametrize("action", ["pickup", "return", "complete", "dispute", "no_show"])
def test_steps_out_of_order_are_invalid_transitions(requested, owner, action):
    with pytest.raises(InvalidTransition):
        booking_act(actor=owner, booking=requested, action=action)


def test_a_finished_booking_cannot_be_cancelled(picked_up, owner, member):
    with pytest.raises(InvalidTransition):
        booking_act(actor=member, booking=picked_up, action="cancel")


def test_the_system_alone_expires_or_confirms(requested, owner):
    for action in ("expire", "confirm"):
        with pytest.raises(InvalidTransition):
            booking_act(actor=owner, booking=requested, action=action)


def test_a_cancelled_booking_frees_the_unit(requested, member, drill, period, outsider):
    booking_act(actor=member, booking=requested, action="cancel")
    other = booking_request(actor=outsider, listing_id=drill.pk, start=period[0], end=period[1])
    assert other.unit_id == requested.unit_id


def test_the_second_overlapping_booking_is_refused(requested, drill, outsider, period):
    with pytest.raises(BookingConflict):
        booking_request(actor=outsider, listing_id=drill.pk,
                        start=period[0] + timedelta(hours=3), end=period[1] + timedelta(hours=3))
    assert Booking.objects.count() == 1
    assert BookingTransition.objects.count() == 1


def test_back_to_back_bookings_share_a_unit(requested, drill, outsider, period):
    after = booking_request(actor=outsider, listing_id=drill.pk, start=period[1],
                            end=period[1] + timedelta(hours=5))
    assert after.unit_id == requested.unit_id


def test_a_second_unit_is_chosen_when_the_first_is_held(owner, member, outsider, period):
    tents = make_listing(owner, title="Tent", units=2)
    first = booking_request(actor=member, listing_id=tents.pk, start=period[0], end=period[1])
    second = booking_request(actor=outsider, listing_id=tents.pk, start=period[0],
                             end=period[1])
    assert {first.unit.label, second.unit.label} == {"1", "2"}


def test_you_cannot_book_your_own_listing(drill, owner, period):
    with pytest.raises(Forbidden):
        booking_request(actor=owner, listing_id=drill.pk, start=period[0], end=period[1])


@pytest.mark.parametrize("start_hours,length_hours,field", [
    (-2, 3, "start"),      # in the past
    (30, -1, "end"),        # ends before it starts
    (30, 0.5, "end"),       # shorter than the minimum hour
    (30, 24 * 8, "end"),    # longer than the 7-day maximum
])
def test_terms_are_checked_with_a_clear_error(owner, member, start_hours, length_hours, field):
    listing = make_listing(owner, max_duration=timedelta(days=7))
    start = timezone.now() + timedelta(hours=start_hours)
    with pytest.raises(ValidationFailed) as refused:
        booking_request(actor=member, listing_id=listing.pk, start=start,
                        end=start + timedelta(hours=length_hours))
    assert field in refused.value.extra["fields"]
    assert not Booking.objects.exists()


def test_lead_time_and_opening_hours_and_blackouts(owner, member):
    listing = make_listing(owner, lead_time=timedelta(hours=48))
    with pytest.raises(ValidationFailed, match="48 hours"):
        booking_request(actor=member, listing_id=listing.pk, start=tomorrow_at(10),
                        end=tomorrow_at(12))

    shop = make_listing(owner, title="Shop")
    day = tomorrow_at(10, days=3)
    shop.opening_hours.create(weekday=day.weekday(), opens="09:00", closes="18:00")
    Listing.objects.filter(pk=shop.pk).update(has_opening_hours=True)  # as the services keep it
    with pytest.raises(ValidationFailed, match="not open at the end"):
        booking_request(actor=member, listing_id=shop.pk, start=day, end=day.replace(hour=20))

    shop.blackouts.create(starts_at=day, ends_at=day + timedelta(hours=2), reason="Holiday")
    with pytest.raises(ValidationFailed, match="not available"):
        booking_request(actor=member, listing_id=shop.pk, start=day.replace(hour=11),
                        end=day.replace(hour=13))
