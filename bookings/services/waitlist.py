"""The waitlist: people told when a unit of a listing frees up in the
period they wanted."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, WaitlistEntry
from listings.selectors import Viewer, listing_get
from marketplace import events
from marketplace.errors import ValidationFailed


@transaction.atomic
def waitlist_join(*, actor, listing_id: int, start: datetime, end: datetime) -> WaitlistEntry:
    """Wait for a listing over a period; joining twice keeps one entry."""
    listing = listing_get(listing_id=listing_id, viewer=Viewer.of(actor))
    if start >= end:
        message = _("The end must be after the start.")
        raise ValidationFailed(message, fields={"end": [message]})
    if end <= timezone.now():
        message = _("That period is already over.")
        raise ValidationFailed(message, fields={"end": [message]})
    entry, _created = WaitlistEntry.objects.get_or_create(
        listing=listing, user=actor, start=start, end=end)
    return entry


@transaction.atomic
def waitlist_leave(*, actor, entry_id: int) -> None:
    WaitlistEntry.objects.filter(pk=entry_id, user=actor).delete()


def waitlist_notify_freed(*, booking: Booking) -> int:
    """A booking stopped holding its unit: tell, once, those waiting for an
    overlapping period. Called inside the transition's transaction; the
    message goes out on commit."""
    waiting = WaitlistEntry.objects.filter(
        listing_id=booking.listing_id, notified_at__isnull=True,
        start__lt=booking.end, end__gt=booking.start,
    ).exclude(user_id=booking.borrower_id)
    notified = 0
    for entry in waiting.select_for_update():
        entry.notified_at = timezone.now()
        entry.save(update_fields=["notified_at"])
        events.notify([entry.user_id], "waitlist_freed",
                      url=f"/listings/{booking.listing_id}/", data={
                          "listing": booking.listing_id,
                          "listing_title": booking.listing.title,
                          "start": entry.start.isoformat(), "end": entry.end.isoformat()})
        notified += 1
    return notified
