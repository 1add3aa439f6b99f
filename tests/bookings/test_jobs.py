"""The scheduled jobs: each idempotent and safe to run twice at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingTransition
from bookings.services import jobs
from bookings.services.booking import booking_act
from tests.fixtures.threads import run_at_once

pytestmark = pytest.mark.django_db


def test_unanswered_requests_expire_once(requested):
    later = requested.expires_at + timedelta(minutes=1)
    assert jobs.expire_unanswered_requests(now=requested.expires_at - timedelta(minutes=1)) == 0
    assert jobs.expire_unanswered_requests(now=later) == 1
    assert jobs.expire_unanswered_requests(now=later) == 0
    requested.refresh_from_db()
    assert requested.status == "expired"
    assert requested.transitions.last().actor is None


def test_reminders_are_sent_once_a_day_before(requested, owner,
                                             django_capture_on_commit_callbacks):
    booking = booking_act(actor=owner, booking=requested, action="approve")
    the_day_before = booking.start - timedelta(hours=20)
    with django_capture_on_commit_callbacks() as sent:
        assert jobs.send_reminders(now=the_day_before) == 1
        assert jobs.send_reminders(now=the_day_before) == 0
    assert len(sent) == 2  # borrower and lender
    booking.refresh_from_db()
    assert booking.pickup_reminded_at == the_day_before


def test_overdue_is_flagged_and_cleared_by_the_return(picked_up, owner):
    after_end = picked_up.end + timedelta(hours=1)
    assert jobs.flag_overdue(now=after_end) == 1
    assert jobs.flag_overdue(now=after_end) == 0
    picked_up.refresh_from_db()
    assert picked_up.is_overdue
    returned = booking_act(actor=owner, booking=picked_up, action="return")
    assert not returned.is_overdue


def test_returned_bookings_complete_after_the_inspection_window(picked_up, owner, settings):
    settings.NANUM_INSPECTION_HOURS = 48
    returned = booking_act(actor=owner, booking=picked_up, action="return")
    assert jobs.complete_after_inspection(now=returned.returned_at + timedelta(hours=47)) == 0
    assert jobs.complete_after_inspection(now=returned.returned_at + timedelta(hours=49)) == 1
    returned.refresh_from_db()
    assert returned.status == "completed" and returned.completed_at


@pytest.mark.django_db(transaction=True)
def test_two_workers_expiring_at_once_expire_each_request_once(owner, member, outsider):
    from tests.fixtures.bookings import make_listing, tomorrow_at

    listing = make_listing(owner, units=2)
    from bookings.services.booking import booking_request

    for person in (member, outsider):
        booking_request(actor=person, listing_id=listing.pk, start=tomorrow_at(10),
                        end=tomorrow_at(12))
    later = timezone.now() + timedelta(days=2)
    outcomes = run_at_once(lambda i: jobs.expire_unanswered_requests(now=later), 2)
    assert sum(outcomes) == 2
    assert Booking.objects.filter(status="expired").count() == 2
    assert BookingTransition.objects.filter(to_status="expired").count() == 2
