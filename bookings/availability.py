"""When a listing can be had: units free of holding bookings, inside the
opening hours, outside blackouts. Search, the availability API and the
calendar on the listing page all ask here."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bookings.models import Booking
from listings.models import Blackout, Listing, ListingUnit, OpeningHours


def holding_bookings(*, start: datetime, end: datetime):
    """Bookings that hold their unit somewhere in [start, end)."""
    return Booking.objects.filter(status__in=Booking.HOLDING, start__lt=end, end__gt=start)


def _open_at(moment: datetime) -> Q:
    """Listings open at a moment: no opening hours at all, or hours that
    cover it on its weekday (Seoul time)."""
    local = timezone.localtime(moment)
    covering = OpeningHours.objects.filter(listing=OuterRef("pk"), weekday=local.weekday(),
                                           opens__lte=local.time(), closes__gte=local.time())
    return Q(has_opening_hours=False) | Exists(covering)


def available_between(listings: QuerySet[Listing], start: datetime,
                      end: datetime) -> QuerySet[Listing]:
    """The listings with at least one active unit free over [start, end),
    open at both ends, with no blackout in between."""
    free_unit = ListingUnit.objects.filter(listing=OuterRef("pk"), is_active=True).exclude(
        Exists(holding_bookings(start=start, end=end).filter(unit=OuterRef("pk"))))
    blackout = Blackout.objects.filter(listing=OuterRef("pk"), starts_at__lt=end,
                                       ends_at__gt=start)
    return listings.filter(Exists(free_unit)).exclude(Exists(blackout)).filter(
        _open_at(start)).filter(_open_at(end))


def free_units(listing: Listing, start: datetime, end: datetime) -> list[ListingUnit]:
    return list(ListingUnit.objects.filter(listing=listing, is_active=True).exclude(
        Exists(holding_bookings(start=start, end=end).filter(unit=OuterRef("pk")))).order_by("position", "pk"))


def _closed_periods(listing: Listing, start: datetime, end: datetime):
    """Periods outside the opening hours between start and end."""
    hours = list(listing.opening_hours.all())
    if not hours:
        return []
    closed = []
    day = timezone.localtime(start).date()
    last = timezone.localtime(end).date()
    while day <= last:
        midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        cursor = midnight
        for h in sorted((h for h in hours if h.weekday == day.weekday()), key=lambda h: h.opens):
            opens = timezone.make_aware(datetime.combine(day, h.opens))
            if opens > cursor:
                closed.append((cursor, opens))
            cursor = max(cursor, timezone.make_aware(datetime.combine(day, h.closes)))
        next_midnight = midnight + timedelta(days=1)
        if cursor < next_midnight:
            closed.append((cursor, next_midnight))
        day += timedelta(days=1)
    return [(max(s, start), min(e, end)) for s, e in closed if s < end and e > start]


def _merge(periods):
    merged = []
    for s, e, reason in sorted(periods):
        if merged and s <= merged[-1][1] and reason == merged[-1][2]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e), reason)
        else:
            merged.append((s, e, reason))
    return merged


def unit_availability(listing: Listing, start: datetime, end: datetime, *,
                      detailed: bool = False) -> list[dict]:
    """For each active unit: the free and the taken intervals in [start, end),
    taken by closed hours ("closed", the opening hours are public) or
    "unavailable". Only for those who manage the listing (`detailed`) does
    "unavailable" say which: "booked" or "blackout". A blackout's reason
    (an imported calendar's event titles among them) is never told here:
    it is the managers' alone (issue 15), and so is whether the lender's
    own calendar or a borrower holds the time."""
    blackout, booked = ("blackout", "booked") if detailed else ("unavailable", "unavailable")
    blackouts = [(max(b.starts_at, start), min(b.ends_at, end), blackout)
                 for b in listing.blackouts.filter(starts_at__lt=end, ends_at__gt=start)]
    closed = [(s, e, "closed") for s, e in _closed_periods(listing, start, end)]
    bookings = list(holding_bookings(start=start, end=end).filter(listing=listing).values_list(
        "unit_id", "start", "end"))
    result = []
    for unit in listing.units.filter(is_active=True).order_by("position", "pk"):
        taken = _merge(
            [*blackouts, *closed,
             *((max(s, start), min(e, end), booked) for u, s, e in bookings if u == unit.pk)])
        free, cursor = [], start
        for s, e, _reason in sorted(taken):
            if s > cursor:
                free.append([cursor, s])
            cursor = max(cursor, e)
        if cursor < end:
            free.append([cursor, end])
        result.append({"unit": unit.pk, "label": unit.label,
                       "free": free, "taken": [[s, e, r] for s, e, r in taken]})
    return result
