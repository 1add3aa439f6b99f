"""Private iCalendar feeds of bookings, and a lender's external calendar
imported as blackouts so a share company's existing calendar stays in sync."""

import http.client
import ipaddress
import secrets
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import NoReturn
from urllib.parse import urljoin, urlsplit

import icalendar
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.models import Booking, CalendarFeed
from listings.models import Blackout, Listing
from listings.selectors import Viewer, can_manage_listing, managed_q
from marketplace.errors import Forbidden, NotFound, ValidationFailed

SHOWN = (*Booking.HOLDING, Booking.Status.RETURNED, Booking.Status.DISPUTED,
         Booking.Status.COMPLETED)
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_REDIRECTS = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Imported events are kept within these moments (as every date typed is
# within 1900-9998): an event "until 9999" blocks up to the last one, and
# no end is computed past what a datetime holds.
EARLIEST_IMPORTED = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_IMPORTED = datetime(9998, 12, 31, tzinfo=UTC)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _manages(feed: CalendarFeed) -> bool:
    """A listing's feed works only while its person still manages the listing."""
    return feed.listing_id is None or can_manage_listing(listing=feed.listing,
                                                         viewer=Viewer.of(feed.user))


@transaction.atomic
def calendar_feed_get_or_create(*, actor, listing: Listing | None = None) -> CalendarFeed:
    """A person's feed of their bookings, or, for a lender, one listing's.
    A listing has one feed, shared by whoever manages it; when its person no
    longer manages the listing, the next manager who asks takes it over
    under a new address (the old one already answers 404)."""
    if listing is None:
        feed, _created = CalendarFeed.objects.get_or_create(
            user=actor, listing=None, defaults={"token": _new_token()})
        return feed
    if not can_manage_listing(listing=listing, viewer=Viewer.of(actor)):
        raise Forbidden(_("Only the lender can see this listing's calendar."))
    feed = (CalendarFeed.objects.select_for_update().select_related("user", "listing")
            .filter(listing=listing).first())
    if feed is None:
        return CalendarFeed.objects.create(user=actor, listing=listing, token=_new_token())
    if feed.user_id != actor.pk and not (feed.user.is_active and _manages(feed)):
        feed.user, feed.token = actor, _new_token()
        feed.save(update_fields=["user", "token"])
    return feed


def calendar_feed_for_token(*, token: str) -> CalendarFeed:
    """The feed a secret address names, checked again on every fetch: its
    person is active and, for a listing's feed, still manages the listing
    (staff or moderator rights can be lost); else NotFound."""
    feed = CalendarFeed.objects.select_related("user", "listing").filter(token=token).first()
    if feed is None or not feed.user.is_active or not _manages(feed):
        raise NotFound()
    return feed


@transaction.atomic
def calendar_feed_rotate(*, actor, feed: CalendarFeed) -> CalendarFeed:
    """A new secret address; the old one stops working at once. A person
    resets their own feed; a listing's feed, anyone who manages the listing
    (who then becomes its person)."""
    if feed.listing_id is not None and can_manage_listing(listing=feed.listing,
                                                          viewer=Viewer.of(actor)):
        feed.user = actor
    elif feed.user_id != actor.pk or feed.listing_id is not None:
        raise NotFound()
    feed.token = _new_token()
    feed.save(update_fields=["user", "token"])
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


def _refuse_url(message) -> NoReturn:
    raise ValidationFailed(message, fields={"import_url": [message]})


@dataclass(frozen=True)
class _ImportTarget:
    """A calendar address after its check: the only socket addresses that
    may be connected to for it."""

    scheme: str
    host: str
    port: int
    path: str
    sockaddrs: tuple

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _is_public(ip) -> bool:
    if ip.version == 6:
        # An IPv4 address inside an IPv6 one leads where the IPv4 one does.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None and not _is_public(embedded):
            return False
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_multicast or ip.is_unspecified)


def _may_connect(address: str, port: int) -> bool:
    """Public addresses only, so a lender cannot make the server probe our
    own network. Development may allow every private address; tests allow
    exactly their own servers' socket addresses ("127.0.0.1:8080")."""
    if settings.NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    shown = f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
    if shown in settings.NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES:
        return True
    return _is_public(ip)


def _checked_target(url: str, *, redirected: bool = False) -> _ImportTarget:
    """Only http(s), and a name whose every address may be connected to."""
    if not redirected and len(url) > CalendarFeed._meta.get_field("import_url").max_length:
        _refuse_url(_("That calendar address is too long."))
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        _refuse_url(_("That calendar address is not a valid web address."))
    if parts.scheme not in ("http", "https") or not host:
        _refuse_url(_("Give a web address starting with https:// or http://."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        _refuse_url(_("That calendar's address could not be found."))
    sockaddrs = tuple(dict.fromkeys((family, sockaddr) for family, *_rest, sockaddr in found))
    if not sockaddrs or not all(_may_connect(sockaddr[0], port) for _f, sockaddr in sockaddrs):
        _refuse_url(
            _("That calendar address redirects to one that is not reachable from the internet.")
            if redirected else _("That calendar address is not reachable from the internet."))
    path = parts.path or "/"
    return _ImportTarget(scheme=parts.scheme, host=host, port=port,
                         path=f"{path}?{parts.query}" if parts.query else path,
                         sockaddrs=sockaddrs)


def calendar_import_set(*, actor, listing: Listing, url: str) -> CalendarFeed:
    """The lender names an external calendar (e.g. the company's booking
    system) whose events block the listing. An empty URL stops the import
    and removes its blackouts."""
    if not can_manage_listing(listing=listing, viewer=Viewer.of(actor)):
        raise Forbidden(_("Only the lender can see this listing's calendar."))
    if url:
        # The name lookup can take seconds: not while holding the database.
        _checked_target(url)
    with transaction.atomic():
        feed = calendar_feed_get_or_create(actor=actor, listing=listing)
        if not url:
            Blackout.objects.filter(listing=listing,
                                    source=Blackout.Source.CALENDAR).delete()
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


class _CheckedConnection(http.client.HTTPConnection):
    """HTTP or HTTPS to the socket addresses that were checked, never to a
    second lookup of the name (which could answer differently); TLS still
    sends the name and verifies the certificate against it."""

    def __init__(self, target: _ImportTarget, *, deadline: float):
        super().__init__(target.host, target.port)
        self.target = target
        self.deadline = deadline
        self.timed_out = False
        # http.client drops self.sock once the response owns the connection
        self.watched = None

    def connect(self):
        failure = OSError("no address")
        for family, sockaddr in self.target.sockaddrs:
            remaining = self.deadline - monotonic()
            if self.timed_out or remaining <= 0:
                raise TimeoutError()
            self.sock = self.watched = socket.socket(family, socket.SOCK_STREAM)
            self.sock.settimeout(remaining)  # and for every later read
            try:
                self.sock.connect(sockaddr)
                break
            except OSError as error:
                self.sock.close()
                failure = error
        else:
            raise failure
        if self.target.scheme == "https":
            tls = ssl.create_default_context().wrap_socket(
                self.sock, server_hostname=self.target.host, do_handshake_on_connect=False)
            self.sock = self.watched = tls  # before the handshake: the deadline cuts it too
            tls.do_handshake()

    def cut(self):
        """The deadline passed: wake whatever read is waiting on the socket."""
        self.timed_out = True
        if self.watched is not None:
            try:  # the plain socket's shutdown, also under TLS: only the fd
                socket.socket.shutdown(self.watched, socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass


def _too_slow(seconds: float) -> NoReturn:
    _refuse_url(ngettext("The calendar's server did not answer within %(seconds)s second.",
                         "The calendar's server did not answer within %(seconds)s seconds.",
                         int(seconds)) % {"seconds": f"{seconds:g}"})


def _get(target: _ImportTarget, *, deadline: float, seconds: float):
    """One GET: (status, Location, body), the body read in chunks up to the
    size limit, the whole exchange cut off at the deadline."""
    remaining = deadline - monotonic()
    if remaining <= 0:
        _too_slow(seconds)
    connection = _CheckedConnection(target, deadline=deadline)
    watchdog = threading.Timer(remaining, connection.cut)
    watchdog.daemon = True
    watchdog.start()
    response = None
    try:
        connection.request("GET", target.path, headers={
            "Host": target.host_header, "User-Agent": "Nanum calendar sync",
            "Accept": "text/calendar", "Connection": "close"})
        response = connection.getresponse()
        if response.status != 200:
            return response.status, response.getheader("Location"), b""
        length = response.getheader("Content-Length", "")
        too_large = length.isdigit() and int(length) > MAX_IMPORT_BYTES
        body = bytearray()
        # read1 returns what has arrived, so the size limit is checked as it comes
        while not too_large and (chunk := response.read1(64 * 1024)):
            body += chunk
            too_large = len(body) > MAX_IMPORT_BYTES
        if too_large:
            _refuse_url(_("The calendar is larger than %(megabytes)s MB.")
                        % {"megabytes": MAX_IMPORT_BYTES // 1_000_000})
        if connection.timed_out:  # a cut connection ends the body early
            _too_slow(seconds)
        return 200, None, bytes(body)
    except (OSError, ValueError, http.client.HTTPException) as error:
        if connection.timed_out or isinstance(error, TimeoutError):
            _too_slow(seconds)
        _refuse_url(_("The calendar could not be fetched (%(reason)s).")
                    % {"reason": str(error) or type(error).__name__})
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()
        connection.close()


def _fetch(url: str) -> bytes:
    """The calendar's body. Every address, the first and each redirect's, is
    checked before it is connected to; at most a few redirects, 1 MB and
    NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS (10) for the whole fetch."""
    seconds = settings.NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS
    deadline = monotonic() + seconds
    for hop in range(MAX_IMPORT_REDIRECTS + 1):
        status, location, body = _get(_checked_target(url, redirected=hop > 0),
                                      deadline=deadline, seconds=seconds)
        if status == 200:
            return body
        if status not in REDIRECT_STATUSES or not location:
            _refuse_url(_("The calendar's server answered %(status)s instead of the calendar.")
                        % {"status": status})
        url = urljoin(url, location)
    _refuse_url(_("That calendar address redirects too many times."))


def _within_bounds(moment: datetime) -> datetime:
    return min(max(moment, EARLIEST_IMPORTED), LATEST_IMPORTED)


def _event_period(event) -> tuple[datetime, datetime]:
    """An event's [start, end): without an end, an hour from a time or the
    whole day of a date, as RFC 5545 says; kept within the bounds."""
    if event.get("dtstart") is None:
        raise ValueError(_("An event of the calendar has no start."))
    first = event.decoded("dtstart")
    start = _within_bounds(_aware(first))
    if event.get("dtend") is not None:
        end = _aware(event.decoded("dtend"))
    else:
        end = start + (timedelta(hours=1) if isinstance(first, datetime) else timedelta(days=1))
    return start, _within_bounds(end)


def calendar_import_refresh(*, feed: CalendarFeed, now=None) -> int:
    """Replace the listing's imported blackouts with the external calendar's
    coming events. A failure keeps the previous blackouts and records why."""
    now = now or timezone.now()
    try:
        parsed = icalendar.Calendar.from_ical(_fetch(feed.import_url))
        periods = []
        for event in parsed.walk("VEVENT"):
            start, end = _event_period(event)
            if end > now and start < end:
                periods.append((start, end, str(event.get("summary", ""))[:200]))
    except (OSError, ValueError, OverflowError, ValidationFailed) as error:
        # The reason may quote the calendar itself: printable text only (a
        # NUL byte is more than PostgreSQL's text can hold).
        reason = "".join(ch for ch in str(error) if ch.isprintable())[:300]
        CalendarFeed.objects.filter(pk=feed.pk).update(
            import_error=reason or type(error).__name__)
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
