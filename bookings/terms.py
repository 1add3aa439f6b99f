"""A listing's own terms for a period: how far ahead and how long it may be
booked, when the lender is open, and its blackouts. A new booking and an
extension are held to the same terms; each refusal names its field."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings import pricing
from listings.models import Blackout, Listing, OpeningHours
from marketplace.errors import ValidationFailed

# Opening hours that close at 23:59 or later run to midnight.
MIDNIGHT = time(23, 59)


def refuse(field: str, message: str):
    raise ValidationFailed(message, fields={field: [message]})


def refuse_too_dear(field: str):
    refuse(field, _("A booking can come to at most %(most)s won in all. Choose a "
                    "shorter period.") % {"most": f"{pricing.MAX_AMOUNT:,}"})


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:g}"


def longest_booking(listing: Listing) -> timedelta:
    """The listing's longest booking, never more than the platform's ceiling."""
    ceiling = timedelta(days=settings.NANUM_BOOKING_MAX_DAYS)
    return min(listing.max_duration, ceiling) if listing.max_duration else ceiling


def _open_at(hours: list[OpeningHours], moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return any(h.weekday == local.weekday() and h.opens <= local.time() <= h.closes
               for h in hours)


def _day_segments(start: datetime, end: datetime):
    """[start, end) cut at Seoul midnights: (day, from, until) with until
    None when the segment runs to midnight."""
    local, stop = timezone.localtime(start), timezone.localtime(end)
    while local < stop:
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                      microsecond=0)
        if stop <= midnight:
            yield local, local.time(), stop.time()
            return
        yield local, local.time(), None
        local = midnight


def _covered(hours: list[OpeningHours], day: datetime, since: time, until: time | None) -> bool:
    return any(h.weekday == day.weekday() and h.opens <= since
               and (h.closes >= MIDNIGHT if until is None else until <= h.closes)
               for h in hours)


def _check_hours(listing: Listing, start: datetime, end: datetime, *, start_field: str,
                 end_field: str) -> None:
    """Items are picked up and returned within the opening hours; a space
    or a service is used within them, the whole booked time."""
    if not listing.has_opening_hours:  # kept by the one writer of hours, listings._set_hours
        return
    hours = list(listing.opening_hours.all())
    if listing.kind == Listing.Kind.ITEM:
        if not _open_at(hours, start):
            refuse(start_field, _("The lender is not open at the start time you chose."))
        if not _open_at(hours, end):
            refuse(end_field, _("The lender is not open at the end time you chose."))
        return
    for day, since, until in _day_segments(start, end):
        if not _covered(hours, day, since, until):
            refuse(end_field, _(
                "A space or service is booked within its opening hours, and the time "
                "you chose runs outside them on %(day)s. Book within one opening period."
            ) % {"day": date_format(day, "DATE_FORMAT")})


def check_period(listing: Listing, start: datetime, end: datetime, *, now: datetime,
                 start_field: str = "start", end_field: str = "end") -> None:
    """The period fits the listing: within the horizon, not longer than its
    longest booking nor shorter than its shortest, not dearer than a booking
    can hold, open, no blackout."""
    if start - now > timedelta(days=settings.NANUM_BOOKING_HORIZON_DAYS):
        refuse(start_field, _("Bookings can start at most %(days)s days ahead.")
               % {"days": settings.NANUM_BOOKING_HORIZON_DAYS})
    length = end - start
    if length < listing.min_duration:
        refuse(end_field, _("The shortest booking for this listing is %(hours)s hours.")
               % {"hours": _hours(listing.min_duration)})
    longest = longest_booking(listing)
    if length > longest:
        refuse(end_field, _("The longest booking for this listing is %(hours)s hours.")
               % {"hours": _hours(longest)})
    if pricing.quote(listing, start, end).total > pricing.MAX_AMOUNT:
        refuse_too_dear(end_field)
    _check_hours(listing, start, end, start_field=start_field, end_field=end_field)
    if Blackout.objects.filter(listing=listing, starts_at__lt=end, ends_at__gt=start).exists():
        refuse(start_field, _("The listing is not available in that period."))
