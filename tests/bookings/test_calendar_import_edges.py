"""Review of issue 14's calendar import: other spellings of our own
addresses, redirects to other schemes, compressed and chunked bodies, and
calendars whose events a job cannot store (they are refused, recorded,
and do not stop the other feeds)."""

import gzip

import pytest

from bookings.models import CalendarFeed
from bookings.services.calendar import (
    MAX_IMPORT_BYTES,
    calendar_import_set,
    calendar_imports_refresh_all,
)
from listings.models import Blackout
from marketplace.errors import ValidationFailed
from tests.bookings import test_calendar_import as base
from tests.bookings.test_calendar_import import calendar, ics_with, redirect_to, refused_import
from tests.fixtures.bookings import make_listing

# The same local servers and production address checks as the main tests.
serve = base.serve
production_address_checks = base.production_address_checks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", [
    "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "[::ffff:7f00:1]",
    "[fe80::1%25eth0]", "user:secret@127.0.0.1", "[0:0:0:0:0:ffff:169.254.169.254]",
])
def test_other_spellings_of_our_own_addresses_are_refused(serve, drill, owner, host):
    server = serve(calendar({"ics": ics_with()}), allowed=False)
    with pytest.raises(ValidationFailed) as refused:
        calendar_import_set(actor=owner, listing=drill, url=f"http://{host}:{server.port}/x")
    assert list(refused.value.extra["fields"]) == ["import_url"]
    assert server.connections == 0


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x.ics",
                                      "gopher://127.0.0.1:70/_x", "javascript:alert(1)"])
def test_a_redirect_to_another_scheme_is_refused(serve, drill, owner, location):
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=serve(redirect_to(location)).url())
    assert "https://" in refused_import(feed)


def compressed(body: bytes):
    def answer(request):
        packed = gzip.compress(body)
        request.send_response(200)
        request.send_header("Content-Encoding", "gzip")
        request.send_header("Content-Length", str(len(packed)))
        request.end_headers()
        request.wfile.write(packed)
    return answer


def test_a_gzipped_calendar_is_not_unpacked_so_it_cannot_be_a_bomb(serve, drill, owner):
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=serve(compressed(b"\0" * (50 * MAX_IMPORT_BYTES))).url())
    assert refused_import(feed).isprintable()


def test_a_calendar_with_nul_bytes_is_refused_with_a_storable_reason(serve, drill, owner):
    """The parser's reason quotes the line; PostgreSQL text holds no NUL."""
    body = b"BEGIN:VCALENDAR\r\nX\0Y:1\r\nEND:VCALENDAR\r\n"
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=serve(calendar({"ics": body})).url())
    assert "\0" not in refused_import(feed)


def test_an_endless_chunked_body_is_cut_at_the_size_limit(serve, drill, owner):
    def answer(request):
        request.send_response(200)
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        chunk = b"X" * 65536
        for _ in range(2 * MAX_IMPORT_BYTES // len(chunk)):
            request.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        request.wfile.write(b"0\r\n\r\n")

    feed = calendar_import_set(actor=owner, listing=drill, url=serve(answer).url())
    assert "larger than 1 MB" in refused_import(feed)


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@x\r\n{event}END:VEVENT\r\n"
                   for n, event in enumerate(events))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//\r\n{body}"
            "END:VCALENDAR\r\n").encode()


@pytest.mark.parametrize("event,error,blackouts", [
    ("SUMMARY:no start\r\n", "An event of the calendar has no start.", 0),
    # An end past 9999 is not computed: nothing can be booked then anyway.
    ("DTSTART:99991231T230000Z\r\n", "", 0),
    ("DTSTART;VALUE=DATE:99991231\r\n", "", 0),
    # "Forever" blocks from 1900 to the end of 9998, storable everywhere.
    ("DTSTART:00010101T000000Z\r\nDTEND:99991231T000000Z\r\n", "", 1),
])
def test_an_event_that_cannot_be_stored_does_not_stop_the_job(serve, drill, owner, event,
                                                                error, blackouts):
    good = calendar({"ics": ics("DTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\n")})
    other = make_listing(owner, title="Ladder")
    calendar_import_set(actor=owner, listing=other, url=serve(good).url())
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=serve(calendar({"ics": ics(event)})).url())
    calendar_imports_refresh_all()
    feed.refresh_from_db()
    assert feed.import_error == error
    assert Blackout.objects.filter(listing=drill).count() == blackouts
    for blackout in Blackout.objects.filter(listing=drill):
        assert (blackout.starts_at.year, blackout.ends_at.year) == (1900, 9998)
    assert Blackout.objects.filter(listing=other).count() == 1
    assert CalendarFeed.objects.get(listing=other).import_error == ""
