"""What the task queue runs for bookings. Each job is idempotent and safe
to run twice at once: every change is a conditional UPDATE, so a second run
(or a second worker) finds nothing left to do."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import announce, apply_transition, lender_ids
from marketplace.errors import InvalidTransition

S = Booking.Status


def expire_unanswered_requests(*, now=None) -> int:
    """Requests nobody answered before they lapse become expired."""
    now = now or timezone.now()
    expired = 0
    for booking in Booking.objects.filter(status=S.REQUESTED, expires_at__lte=now):
        try:
            with transaction.atomic():
                apply_transition(booking, "expire", actor=None, note="No answer in time.")
                announce(booking, to_user_id=booking.borrower_id, kind="booking_expired")
            expired += 1
        except InvalidTransition:
            pass  # answered or expired by someone else meanwhile
    return expired


def _remind(bookings, *, stamp: str, kind: str, now) -> int:
    sent = 0
    for booking in bookings.filter(**{f"{stamp}__isnull": True}).select_related("listing"):
        with transaction.atomic():
            # Claim the reminder: only the worker whose UPDATE matched sends it.
            claimed = Booking.objects.filter(pk=booking.pk, **{f"{stamp}__isnull": True}
                                             ).update(**{stamp: now})
            if not claimed:
                continue
            for user_id in {booking.borrower_id, *lender_ids(booking.listing)}:
                announce(booking, to_user_id=user_id, kind=kind)
            sent += 1
    return sent


def send_reminders(*, now=None) -> int:
    """A day before pickup and a day before return, both sides are reminded."""
    now = now or timezone.now()
    soon = now + timedelta(days=1)
    pickups = Booking.objects.filter(status=S.CONFIRMED, start__gt=now, start__lte=soon)
    returns = Booking.objects.filter(status=S.PICKED_UP, end__gt=now, end__lte=soon)
    return (_remind(pickups, stamp="pickup_reminded_at", kind="pickup_tomorrow", now=now)
            + _remind(returns, stamp="return_reminded_at", kind="return_tomorrow", now=now))


def flag_overdue(*, now=None) -> int:
    """Picked-up items past their end are flagged overdue, and both sides told."""
    now = now or timezone.now()
    flagged = 0
    for booking in Booking.objects.filter(status=S.PICKED_UP, end__lt=now, is_overdue=False
                                          ).select_related("listing"):
        with transaction.atomic():
            if Booking.objects.filter(pk=booking.pk, status=S.PICKED_UP, is_overdue=False
                                      ).update(is_overdue=True):
                for user_id in {booking.borrower_id, *lender_ids(booking.listing)}:
                    announce(booking, to_user_id=user_id, kind="booking_overdue")
                flagged += 1
    return flagged


def complete_after_inspection(*, now=None) -> int:
    """Returned bookings nobody disputed in the inspection window complete
    (and, with payments, their deposit is released)."""
    now = now or timezone.now()
    window = timedelta(hours=settings.NANUM_INSPECTION_HOURS)
    completed = 0
    for booking in Booking.objects.filter(status=S.RETURNED, returned_at__lte=now - window):
        try:
            with transaction.atomic():
                apply_transition(booking, "complete", actor=None, note="Inspection window over.")
                announce(booking, to_user_id=booking.borrower_id, kind="booking_completed")
            completed += 1
        except InvalidTransition:
            pass
    return completed
