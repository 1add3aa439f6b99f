"""Private iCalendar feeds of bookings, and a lender's external calendar
imported as blackouts so a share company's existing calendar stays in sync."""

import ipaddress
import secrets
import socket
import urllib.request
from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, CalendarFeed
from listings.models import Blackout, Listing
from listings.selectors import Viewer, can_manage_listing, managed_q
from marketplace.errors import Forbidden, NotFound, ValidationFailed

SHOWN = (*Booking.HOLDING, Booking.Status.RETURNED, Booking.Status.DISPUTED,
         Booking.Status.COMPLETED)
MAX_IMPORT_BYTES = 1_000_000


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_get_or_create(*, actor, listing: Listing | None = None) -> CalendarFeed:
    """A person's feed of their bookings, or, for a lender, one listing's."""
    if listing is not None and not can_manage_listing(listing=listing,
                                                      viewer=Viewer.of(actor)):
        raise Forbidden(_("Only the lender can see this listing's calendar."))
    feed, _created = CalendarFeed.objects.get_or_create(
        user=actor, listing=listing, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_rotate(*, actor, feed: CalendarFeed) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    if feed.user_id != actor.pk:
        raise NotFound()
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed


def calendar_feed_bookings(feed: CalendarFeed):
    since = timezone.now() - timedelta(days=90)
    bookings = Booking.objects.filter(status__in=SHOWN, end__gte=since)
    if feed.listing_id:
        bookings = bookings.filter(listing_id=feed.listing_id)
    else:
        viewer = Viewer.of(feed.user)
        bookings = bookings.filter(
            Q(borrower_id=feed.user_id)
            | Q(listing__in=Listing.objects.filter(managed_q(viewer)).values("pk")))
    return bookings.select_related("listing", "unit", "borrower__profile").order_by("start")


def calendar_feed_render(feed: CalendarFeed) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Nanum//Bookings//KO")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Nanum: {feed.listing.title}" if feed.listing_id
                 else "Nanum")
    for booking in calendar_feed_bookings(feed):
        event = icalendar.Event()
        event.add("uid", f"booking-{booking.pk}@nanum")
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        event.add("dtstamp", booking.updated_at)
        who = booking.borrower.display_name
        event.add("summary", f"{booking.listing.title} ({who})")
        event.add("description", f"{booking.get_status_display()} · unit "
                                 f"{booking.unit.label} · booking {booking.pk}")
        event.add("status", "TENTATIVE" if booking.status == Booking.Status.REQUESTED
                  else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def _refuse_url(message: str):
    raise ValidationFailed(message, fields={"import_url": [message]})


def _check_import_url(url: str) -> None:
    """Only http(s), and (unless allowed) no address inside our own network:
    the server must not be turned into a probe of private hosts."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        _refuse_url(_("Give a web address starting with https:// or http://."))
    if settings.NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parsed.hostname, None)}
    except OSError:
        _refuse_url(_("That calendar's address could not be found."))
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            _refuse_url(_("That calendar address is not reachable from the internet."))


@transaction.atomic
def calendar_import_set(*, actor, listing: Listing, url: str) -> CalendarFeed:
    """The lender names an external calendar (e.g. the company's booking
    system) whose events block the listing. An empty URL stops the import
    and removes its blackouts."""
    feed = calendar_feed_get_or_create(actor=actor, listing=listing)
    if url:
        _check_import_url(url)
    else:
        Blackout.objects.filter(listing=listing, source=Blackout.Source.CALENDAR).delete()
    feed.import_url = url
    feed.import_error = ""
    feed.save(update_fields=["import_url", "import_error"])
    return feed


def _aware(value) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):  # an all-day event: from midnight, Seoul time
        return timezone.make_aware(datetime.combine(value, time.min))
    raise ValueError("not a date")


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "Nanum calendar sync"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (checked)
        body = response.read(MAX_IMPORT_BYTES + 1)
    if len(body) > MAX_IMPORT_BYTES:
        raise ValueError("the calendar is larger than 1 MB")
    return body


def calendar_import_refresh(*, feed: CalendarFeed, now=None) -> int:
    """Replace the listing's imported blackouts with the external calendar's
    coming events. A failure keeps the previous blackouts and records why."""
    now = now or timezone.now()
    try:
        _check_import_url(feed.import_url)
        parsed = icalendar.Calendar.from_ical(_fetch(feed.import_url))
        periods = []
        for event in parsed.walk("VEVENT"):
            start = _aware(event.decoded("dtstart"))
            if event.get("dtend") is not None:
                end = _aware(event.decoded("dtend"))
            elif isinstance(event.decoded("dtstart"), datetime):
                end = start + timedelta(hours=1)
            else:
                end = start + timedelta(days=1)
            if end > now and start < end:
                periods.append((start, end, str(event.get("summary", ""))[:200]))
    except (OSError, ValueError, ValidationFailed) as error:
        CalendarFeed.objects.filter(pk=feed.pk).update(import_error=str(error)[:300])
        return 0
    with transaction.atomic():
        Blackout.objects.filter(listing_id=feed.listing_id,
                                source=Blackout.Source.CALENDAR).delete()
        Blackout.objects.bulk_create(
            Blackout(listing_id=feed.listing_id, starts_at=start, ends_at=end, reason=summary,
                     source=Blackout.Source.CALENDAR)
            for start, end, summary in periods)
        CalendarFeed.objects.filter(pk=feed.pk).update(imported_at=now, import_error="")
    return len(periods)


def calendar_imports_refresh_all() -> int:
    """The job: refresh every listing's external calendar."""
    feeds = CalendarFeed.objects.exclude(import_url="").filter(listing__isnull=False)
    return sum(calendar_import_refresh(feed=feed) for feed in feeds)
