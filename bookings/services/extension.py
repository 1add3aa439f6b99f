"""Extensions: the borrower asks to keep the item longer. The extra time is
quoted first and held to the same terms and rules as a new booking; the
lender approves only if the unit is free for it, and its price is then
added to the booking."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import payment_step, pricing
from bookings.models import Booking, Extension
from bookings.rules import check_booking_rules
from bookings.services.booking import (
    announce,
    booking_sides,
    holding_bookings,
    is_overlap_violation,
    lender_ids,
)
from bookings.terms import check_period, refuse, refuse_too_dear
from bookings.transitions import BORROWER, LENDER
from marketplace.errors import BookingConflict, Conflict, InvalidTransition

EXTENDABLE = (Booking.Status.CONFIRMED, Booking.Status.PICKED_UP)


def _check_extension(booking: Booking, new_end: datetime, *, now: datetime) -> None:
    """The longer booking meets the listing's terms and the community's
    rules, as a new booking of [start, new_end) would. Call inside the
    transaction that writes."""
    if timezone.is_naive(new_end):
        refuse("new_end", _("Give the new end with a time zone."))
    if new_end <= booking.end:
        refuse("new_end", _("The new end must be later than the current end."))
    check_period(booking.listing, booking.start, new_end, now=now, start_field="new_end",
                 end_field="new_end")
    check_booking_rules(borrower=booking.borrower, listing=booking.listing,
                        community=booking.community, start=booking.start, end=new_end,
                        booking=booking, now=now)


def _check_total(booking: Booking, *, adds: int) -> None:
    """The booking's total with the extension's price still fits its columns."""
    if booking.total + adds > pricing.MAX_AMOUNT:
        refuse_too_dear("new_end")


def _check_asked(*, actor, booking: Booking, new_end: datetime, now: datetime) -> None:
    """Who may ask, for which booking, and a new end still to come."""
    if BORROWER not in booking_sides(booking=booking, user=actor):
        raise InvalidTransition(_("Only the borrower can ask for more time."))
    if booking.status not in EXTENDABLE:
        raise InvalidTransition(_("Only a confirmed or picked-up booking can be extended."))
    if timezone.is_aware(new_end) and new_end <= now:
        refuse("new_end", _("The new end must be in the future."))


def extension_quote(*, actor, booking: Booking, new_end: datetime) -> pricing.ExtensionQuote:
    """What the extra time would cost, checked as the request would be,
    before the borrower asks."""
    now = timezone.now()
    _check_asked(actor=actor, booking=booking, new_end=new_end, now=now)
    with transaction.atomic():
        _check_extension(booking, new_end, now=now)
    quote = pricing.extension_quote(booking, new_end)
    _check_total(booking, adds=quote.total)
    return quote


@transaction.atomic
def extension_request(*, actor, booking: Booking, new_end: datetime) -> Extension:
    """The borrower of a confirmed or picked-up booking asks for a later end,
    within the listing's terms and the community's rules, at the quoted
    price."""
    now = timezone.now()
    _check_asked(actor=actor, booking=booking, new_end=new_end, now=now)
    if booking.extensions.filter(status=Extension.Status.REQUESTED).exists():
        raise Conflict(_("An extension is already waiting for the lender's answer."))
    _check_extension(booking, new_end, now=now)
    quote = pricing.extension_quote(booking, new_end)
    _check_total(booking, adds=quote.total)
    extension = Extension.objects.create(booking=booking, new_end=new_end, requested_by=actor,
                                         rental=quote.rental, fees=quote.fees)
    for lender_id in lender_ids(booking.listing):
        announce(booking, to_user_id=lender_id, kind="extension_requested")
    return extension


def _check_approval(booking: Booking, extension: Extension) -> None:
    _check_extension(booking, extension.new_end, now=timezone.now())
    _check_total(booking, adds=extension.rental + extension.fees)
    clash = holding_bookings(start=booking.end, end=extension.new_end).filter(
        unit_id=booking.unit_id).exclude(pk=booking.pk)
    if clash.exists():
        raise BookingConflict(_("Someone else has booked the item for part of that time, "
                                "so it cannot be extended."))


def extension_decide(*, actor, extension: Extension, approve: bool) -> Extension:
    """The lender approves (if the unit is free until the new end and the
    longer booking still meets the terms and rules: the same guarantee as a
    new booking) or declines. Of two simultaneous answers only one counts.
    An approved extension adds its quoted price to the booking."""
    if LENDER not in booking_sides(booking=extension.booking, user=actor):
        raise InvalidTransition(_("Only the lender can answer an extension."))
    extension = Extension.objects.select_related("booking__listing").get(pk=extension.pk)
    if extension.status != Extension.Status.REQUESTED:
        raise InvalidTransition(_("This extension has already been answered."))
    step = payment_step.current()
    if approve:
        # Paid online: the extra time is charged to the borrower's card
        # once it is known to be free, and given back if the approval still
        # fails below (someone took the time meanwhile).
        with transaction.atomic():  # the rules' checks lock the membership
            _check_approval(extension.booking, extension)
        step.extension_charge(extension, actor=actor)
    try:
        with transaction.atomic():
            # Read again, locked: of two answers the second waits here and
            # then finds this one answered, not a booking already longer.
            extension = (Extension.objects.select_for_update(of=("self",))
                         .select_related("booking__listing").get(pk=extension.pk))
            booking = extension.booking
            if extension.status != Extension.Status.REQUESTED:
                raise InvalidTransition(_("This extension has already been answered."))
            if approve:
                _check_approval(booking, extension)
                moved = Booking.objects.filter(
                    pk=booking.pk, status__in=EXTENDABLE, end=booking.end,
                ).update(end=extension.new_end, is_overdue=False, updated_at=timezone.now(),
                         rental=F("rental") + extension.rental,
                         fees=F("fees") + extension.fees,
                         total=F("total") + extension.rental + extension.fees)
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
        if approve:
            step.extension_failed(extension, actor=actor)
        if is_overlap_violation(error):
            raise BookingConflict(_("Someone else has booked the item for part of that "
                                    "time, so it cannot be extended.")) from error
        raise
    except Exception:
        if approve:
            step.extension_failed(extension, actor=actor)
        raise
    extension.refresh_from_db()
    return extension
