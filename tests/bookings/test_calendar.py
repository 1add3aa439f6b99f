"""Private iCalendar feeds (the import of an external calendar: test_calendar_import.py)."""

import icalendar
import pytest

from bookings.services.calendar import calendar_feed_get_or_create, calendar_feed_rotate
from marketplace.errors import Forbidden

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
