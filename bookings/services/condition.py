"""Condition reports at pickup and return: the record a dispute refers to."""

from django.db import transaction
from django.utils.translation import gettext as _

from bookings.models import Booking, ConditionPhoto, ConditionReport
from bookings.services.booking import booking_sides
from marketplace.errors import InvalidTransition, ValidationFailed

# When each kind of report can be written.
STAGE_STATES = {
    ConditionReport.Stage.PICKUP: (Booking.Status.CONFIRMED, Booking.Status.PICKED_UP),
    ConditionReport.Stage.RETURN: (Booking.Status.PICKED_UP, Booking.Status.RETURNED,
                                   Booking.Status.DISPUTED),
}
MAX_PHOTOS = 6


@transaction.atomic
def condition_report_add(*, actor, booking: Booking, stage: str, condition: str,
                         note: str = "", photos=()) -> ConditionReport:
    """Either side records the item's condition at pickup or at return,
    with a note and up to six photos. A refused photo saves nothing."""
    if not booking_sides(booking=booking, user=actor):
        raise InvalidTransition(_("Only the borrower and the lender can report the condition."))
    if stage not in STAGE_STATES:
        message = _("Choose pickup or return.")
        raise ValidationFailed(message, fields={"stage": [message]})
    if condition not in ConditionReport.Condition.values:
        message = _("Choose one of the listed conditions.")
        raise ValidationFailed(message, fields={"condition": [message]})
    if booking.status not in STAGE_STATES[stage]:
        raise InvalidTransition(_("This report does not fit the booking's current step."))
    if len(photos) > MAX_PHOTOS:
        message = _("At most six photos per report.")
        raise ValidationFailed(message, fields={"photos": [message]})
    processed = []
    if photos:
        from marketplace.images import process_photo

        processed = [process_photo(upload) for upload in photos]  # refuses before any write
    report = ConditionReport.objects.create(booking=booking, stage=stage, condition=condition,
                                            note=note, author=actor)
    for index, photo in enumerate(processed):
        item = ConditionPhoto(report=report)
        item.image.save(f"condition-{report.pk}-{index}.{photo.extension}", photo.image,
                        save=False)
        item.thumbnail.save(f"condition-{report.pk}-{index}-thumb.{photo.extension}",
                            photo.thumbnail, save=False)
        item.save()
    return report
