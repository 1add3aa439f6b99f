from datetime import timedelta

import pytest

from bookings.models import Booking, Extension, WaitlistEntry
from bookings.services.booking import booking_act, booking_request
from bookings.services.extension import extension_decide, extension_request
from bookings.services.waitlist import waitlist_join
from marketplace.errors import BookingConflict, InvalidTransition, ValidationFailed
from tests.fixtures.bookings import make_listing
from tests.fixtures.threads import run_at_once

pytestmark = pytest.mark.django_db


def test_borrower_asks_and_lender_extends_when_the_unit_is_free(picked_up, owner, member):
    new_end = picked_up.end + timedelta(days=1)
    extension = extension_request(actor=member, booking=picked_up, new_end=new_end)
    decided = extension_decide(actor=owner, extension=extension, approve=True)
    assert decided.status == Extension.Status.APPROVED and decided.decided_by == owner
    assert Booking.objects.get(pk=picked_up.pk).end == new_end


def test_extension_is_refused_when_someone_booked_the_time_after(picked_up, owner, member,
                                                                outsider, drill):
    booking_request(actor=outsider, listing_id=drill.pk, start=picked_up.end,
                    end=picked_up.end + timedelta(hours=5))
    extension = extension_request(actor=member, booking=picked_up,
                                  new_end=picked_up.end + timedelta(hours=2))
    with pytest.raises(BookingConflict):
        extension_decide(actor=owner, extension=extension, approve=True)
    assert Booking.objects.get(pk=picked_up.pk).end == picked_up.end
    assert Extension.objects.get().status == Extension.Status.REQUESTED


def test_only_the_borrower_asks_and_only_the_lender_answers(picked_up, owner, member):
    with pytest.raises(InvalidTransition):
        extension_request(actor=owner, booking=picked_up,
                          new_end=picked_up.end + timedelta(hours=1))
    extension = extension_request(actor=member, booking=picked_up,
                                  new_end=picked_up.end + timedelta(hours=1))
    with pytest.raises(InvalidTransition):
        extension_decide(actor=member, extension=extension, approve=True)


def test_extension_must_end_later_and_not_twice_at_once(picked_up, member):
    with pytest.raises(ValidationFailed):
        extension_request(actor=member, booking=picked_up, new_end=picked_up.end)
    extension_request(actor=member, booking=picked_up,
                      new_end=picked_up.end + timedelta(hours=1))
    with pytest.raises(Exception, match="already waiting"):
        extension_request(actor=member, booking=picked_up,
                          new_end=picked_up.end + timedelta(hours=2))


def test_a_declined_request_frees_the_unit_and_tells_the_waitlist(
        requested, owner, outsider, drill, period, django_capture_on_commit_callbacks):
    entry = waitlist_join(actor=outsider, listing_id=drill.pk, start=period[0],
                          end=period[1])
    with django_capture_on_commit_callbacks() as callbacks:
        booking_act(actor=owner, booking=requested, action="decline")
    entry.refresh_from_db()
    assert entry.notified_at is not None
    # Two on-commit messages: the borrower's and the waiting person's.
    assert len(callbacks) == 2
    # Told once only.
    again = booking_request(actor=outsider, listing_id=drill.pk, start=period[0],
                            end=period[1])
    booking_act(actor=outsider, booking=again, action="cancel")
    assert WaitlistEntry.objects.get().notified_at == entry.notified_at


@pytest.mark.django_db(transaction=True)
def test_an_extension_and_a_new_booking_race_for_the_same_hours(owner, member, outsider,
                                                                period):
    drill = make_listing(owner)
    first = booking_request(actor=member, listing_id=drill.pk, start=period[0],
                            end=period[1])
    booking_act(actor=owner, booking=first, action="approve")
    extension = extension_request(actor=member, booking=Booking.objects.get(pk=first.pk),
                                  new_end=period[1] + timedelta(hours=4))

    def work(i):
        if i == 0:
            return extension_decide(actor=owner, extension=Extension.objects.get(
                pk=extension.pk), approve=True)
        return booking_request(actor=outsider, listing_id=drill.pk, start=period[1],
                               end=period[1] + timedelta(hours=2))

    outcomes = run_at_once(work, 2)
    assert sum(isinstance(o, BookingConflict) for o in outcomes) == 1
    holding = Booking.objects.filter(status__in=Booking.HOLDING).order_by("start")
    ends = [(b.start, b.end) for b in holding]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:], strict=False)), ends
