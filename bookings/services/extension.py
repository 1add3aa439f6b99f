"""Extensions: the borrower asks to keep the item longer; the lender
approves only if the unit is free for the extra time."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, Extension
from bookings.services.booking import (
    announce,
    booking_sides,
    holding_bookings,
    is_overlap_violation,
    lender_ids,
)
from bookings.transitions import BORROWER, LENDER
from community_rules import engine as rules_engine
from marketplace.errors import (
    BookingConflict,
    Conflict,
    InvalidTransition,
    RuleViolation,
    ValidationFailed,
)

EXTENDABLE = (Booking.Status.CONFIRMED, Booking.Status.PICKED_UP)


@transaction.atomic
def extension_request(*, actor, booking: Booking, new_end: datetime) -> Extension:
    """The borrower of a confirmed or picked-up booking asks for a later end,
    within the listing's longest booking and the community's rules."""
    if BORROWER not in booking_sides(booking=booking, user=actor):
        raise InvalidTransition(_("Only the borrower can ask for more time."))
    if booking.status not in EXTENDABLE:
        raise InvalidTransition(_("Only a confirmed or picked-up booking can be extended."))
    if new_end <= booking.end:
        message = _("The new end must be later than the current end.")
        raise ValidationFailed(message, fields={"new_end": [message]})
    listing = booking.listing
    if listing.max_duration and new_end - booking.start > listing.max_duration:
        hours = f"{listing.max_duration.total_seconds() / 3600:g}"
        message = _("The longest booking for this listing is %(hours)s hours.") % {
            "hours": hours}
        raise ValidationFailed(message, fields={"new_end": [message]})
    if booking.extensions.filter(status=Extension.Status.REQUESTED).exists():
        raise Conflict(_("An extension is already waiting for the lender's answer."))
    violations = rules_engine.check_booking(
        borrower=actor, listing=listing, community=booking.community, start=booking.start,
        end=new_end, booking=booking)
    if violations:
        raise RuleViolation(violations)
    extension = Extension.objects.create(booking=booking, new_end=new_end, requested_by=actor)
    for lender_id in lender_ids(listing):
        announce(booking, to_user_id=lender_id, kind="extension_requested")
    return extension


def extension_decide(*, actor, extension: Extension, approve: bool) -> Extension:
    """The lender approves (if the unit is free until the new end: the same
    guarantee as a new booking) or declines. Of two simultaneous answers
    only one counts."""
    booking = extension.booking
    if LENDER not in booking_sides(booking=booking, user=actor):
        raise InvalidTransition(_("Only the lender can answer an extension."))
    try:
        with transaction.atomic():
            if approve:
                clash = holding_bookings(start=booking.end, end=extension.new_end).filter(
                    unit_id=booking.unit_id).exclude(pk=booking.pk)
                if clash.exists():
                    raise BookingConflict(_("Someone else has booked the item for part of "
                                            "that time, so it cannot be extended."))
                moved = Booking.objects.filter(
                    pk=booking.pk, status__in=EXTENDABLE, end=booking.end,
                ).update(end=extension.new_end, is_overdue=False, updated_at=timezone.now())
                if not moved:
                    raise InvalidTransition()
            answered = Extension.objects.filter(
                pk=extension.pk, status=Extension.Status.REQUESTED,
            ).update(status=Extension.Status.APPROVED if approve else Extension.Status.DECLINED,
                     decided_by=actor, decided_at=timezone.now())
            if not answered:
                raise InvalidTransition(_("This extension has already been answered."))
            announce(booking, to_user_id=booking.borrower_id,
                      kind="extension_approved" if approve else "extension_declined")
    except IntegrityError as error:
        if is_overlap_violation(error):
            raise BookingConflict(_("Someone else has booked the item for part of that "
                                    "time, so it cannot be extended.")) from error
        raise
    extension.refresh_from_db()
    return extension
