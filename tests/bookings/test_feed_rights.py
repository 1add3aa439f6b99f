"""Calendar feeds follow rights (issue 15, point 4): a listing's feed is
checked on every fetch, and a person can reset their feed's address."""

import icalendar
import pytest

from accounts.services import company_create, company_staff_remove
from bookings.services.booking import booking_request
from bookings.services.calendar import calendar_feed_get_or_create
from tests.accounts.staff import staff_add
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def events_in(response):
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return [str(e.get("summary")) for e in calendar.walk("VEVENT")]


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture
def room(owner, outsider, member, period):
    """A company's room that `outsider`, on the staff, manages; `member` booked it."""
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=company, email=outsider.email)
    room = make_listing(owner, title="Room", company=company)
    booking_request(actor=member, listing_id=room.pk, start=period[0], end=period[1])
    return room


def test_a_listing_feed_stops_once_its_person_leaves_the_staff(client, room, owner, outsider):
    feed = calendar_feed_get_or_create(actor=outsider, listing=room)
    assert events_in(client.get(f"/calendar/{feed.token}.ics")) == ["Room (Member Lee)"]
    company_staff_remove(actor=owner, company=room.company, user=outsider)
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
    # Whoever still manages the listing gets it back, at a new address.
    taken_over = calendar_feed_get_or_create(actor=owner, listing=room)
    assert taken_over.token != feed.token
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
    assert events_in(client.get(f"/calendar/{taken_over.token}.ics")) == ["Room (Member Lee)"]


def test_two_managers_of_a_listing_share_its_feed(client, room, owner, outsider):
    first = calendar_feed_get_or_create(actor=outsider, listing=room)
    assert calendar_feed_get_or_create(actor=owner, listing=room).token == first.token


def test_a_person_resets_their_own_feed_address_through_the_api(client, api_as, room, member):
    old = api_as(member).get("/api/v1/calendar/").json()["url"]
    assert events_in(client.get(path_of(old))) == ["Room (Member Lee)"]
    reset = api_as(member).post("/api/v1/calendar/reset/")
    assert reset.status_code == 200
    new = reset.json()["url"]
    assert new != old and new.endswith(".ics")
    assert client.get(path_of(old)).status_code == 404
    assert events_in(client.get(path_of(new))) == ["Room (Member Lee)"]
    assert api_as(member).get("/api/v1/calendar/").json()["url"] == new


def test_a_manager_resets_a_listing_feed_and_others_cannot(client, api_as, room, outsider,
                                                           member):
    feed = calendar_feed_get_or_create(actor=outsider, listing=room)
    refused = api_as(member).post("/api/v1/calendar/reset/", {"listing": room.pk})
    assert refused.status_code == 403
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 200
    reset = api_as(outsider).post("/api/v1/calendar/reset/", {"listing": room.pk})
    assert reset.status_code == 200
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
    assert events_in(client.get(path_of(reset.json()["url"]))) == ["Room (Member Lee)"]
    bad = api_as(outsider).post("/api/v1/calendar/reset/", {"listing": "x"})
    assert bad.status_code == 400 and "listing" in bad.json()["fields"]


def test_the_calendar_page_resets_the_address(client, room, outsider):
    client.force_login(outsider)
    page = client.get(f"/listings/{room.pk}/calendar/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="feed-reset"' in page.content.decode()
    old = calendar_feed_get_or_create(actor=outsider, listing=room).token
    response = client.post(f"/listings/{room.pk}/calendar/reset/", follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "The calendar has a new private address" in response.content.decode()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    new = calendar_feed_get_or_create(actor=outsider, listing=room).token
    assert new != old and new in response.content.decode()
