"""Private iCalendar feeds, and an external calendar imported as blackouts."""

import http.server
import threading
from datetime import timedelta

import icalendar
import pytest

from bookings.services.booking import booking_request
from bookings.services.calendar import (
    calendar_feed_get_or_create,
    calendar_feed_rotate,
    calendar_import_refresh,
    calendar_import_set,
)
from listings.models import Blackout
from marketplace.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db


def events_in(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return [str(e.get("summary")) for e in calendar.walk("VEVENT")]


def test_each_side_sees_the_booking_in_their_own_feed(client, requested, member, owner,
                                                      outsider):
    borrower_feed = calendar_feed_get_or_create(actor=member)
    lender_feed = calendar_feed_get_or_create(actor=owner)
    outsider_feed = calendar_feed_get_or_create(actor=outsider)
    title = requested.listing.title
    for feed in (borrower_feed, lender_feed):
        response = client.get(f"/calendar/{feed.token}.ics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert events_in(response) == [f"{title} (Member Lee)"]
    assert events_in(client.get(f"/calendar/{outsider_feed.token}.ics")) == []


def test_a_wrong_or_rotated_token_is_404(client, requested, member):
    feed = calendar_feed_get_or_create(actor=member)
    old = feed.token
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    calendar_feed_rotate(actor=member, feed=feed)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 200


def test_listing_feed_is_for_its_lender_only(client, requested, drill, owner, member):
    with pytest.raises(Forbidden):
        calendar_feed_get_or_create(actor=member, listing=drill)
    feed = calendar_feed_get_or_create(actor=owner, listing=drill)
    assert len(events_in(client.get(f"/calendar/{feed.token}.ics"))) == 1


@pytest.fixture
def external_calendar():
    """A real HTTP server on loopback serving the lender's calendar."""
    body = {"ics": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            self.wfile.write(body["ics"])

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield body, f"http://127.0.0.1:{server.server_address[1]}/company.ics"
    server.shutdown()


def ics_with(*periods) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//company//")
    calendar.add("version", "2.0")
    for n, (start, end) in enumerate(periods):
        event = icalendar.Event()
        event.add("uid", f"{n}@company")
        event.add("summary", "Booked elsewhere")
        event.add("dtstart", start)
        event.add("dtend", end)
        calendar.add_component(event)
    return calendar.to_ical()


def test_external_calendar_events_become_blackouts_that_block_bookings(
        external_calendar, drill, owner, member, period):
    body, url = external_calendar
    body["ics"] = ics_with((period[0], period[0] + timedelta(hours=3)))
    feed = calendar_import_set(actor=owner, listing=drill, url=url)

    assert calendar_import_refresh(feed=feed) == 1
    blackout = Blackout.objects.get(listing=drill)
    assert blackout.source == "calendar" and blackout.starts_at == period[0]
    with pytest.raises(ValidationFailed, match="not available"):
        booking_request(actor=member, listing_id=drill.pk, start=period[0], end=period[1])

    # The company's calendar changes: the next refresh follows it.
    body["ics"] = ics_with()
    assert calendar_import_refresh(feed=feed) == 0
    assert not Blackout.objects.filter(listing=drill).exists()


def test_a_broken_calendar_keeps_the_old_blackouts_and_says_why(external_calendar, drill,
                                                                owner, period):
    body, url = external_calendar
    body["ics"] = ics_with((period[0], period[1]))
    feed = calendar_import_set(actor=owner, listing=drill, url=url)
    calendar_import_refresh(feed=feed)
    body["ics"] = b"this is not a calendar"
    calendar_import_refresh(feed=feed)
    feed.refresh_from_db()
    assert feed.import_error
    assert Blackout.objects.filter(listing=drill).count() == 1


def test_private_addresses_are_refused_in_production(drill, owner, settings):
    settings.NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed, match="not reachable"):
        calendar_import_set(actor=owner, listing=drill, url="http://127.0.0.1:9/x.ics")
    with pytest.raises(ValidationFailed, match="https://"):
        calendar_import_set(actor=owner, listing=drill, url="file:///etc/passwd")
