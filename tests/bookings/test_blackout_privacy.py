"""Issue 15, point 6: why a listing is closed (a blackout's reason, an
imported calendar's event titles among them) is for its managers only.
Everyone else learns only that the time is unavailable."""

from datetime import timedelta

import pytest

from listings.models import Blackout
from tests.fixtures.bookings import tomorrow_at

pytestmark = pytest.mark.django_db

PRIVATE_TITLE = "Hospital: Dr Kim, chemo"


@pytest.fixture
def closed(drill):
    """Tomorrow 10:00 to 14:00 blocked by the lender's imported calendar,
    the day after by hand."""
    start = tomorrow_at(10)
    Blackout.objects.create(listing=drill, starts_at=start, ends_at=start + timedelta(hours=4),
                            reason=PRIVATE_TITLE, source=Blackout.Source.CALENDAR)
    Blackout.objects.create(listing=drill, starts_at=start + timedelta(days=1),
                            ends_at=start + timedelta(days=1, hours=2), reason="Away",
                            source=Blackout.Source.MANUAL)
    return start


def test_the_blackouts_api_tells_others_when_but_not_why(api_as, owner, member, drill, closed):
    url = f"/api/v1/listings/{drill.pk}/blackouts/"
    seen = api_as(member).get(url).json()
    assert [(b["reason"], b["source"]) for b in seen] == [("", ""), ("", "")]
    assert [b["starts_at"] for b in seen] == [
        b["starts_at"] for b in api_as(owner).get(url).json()]
    assert [(b["reason"], b["source"]) for b in api_as(owner).get(url).json()] == [
        (PRIVATE_TITLE, "calendar"), ("Away", "manual")]


def test_availability_tells_others_only_that_the_time_is_unavailable(
        api, api_as, owner, member, drill, closed):
    params = {"from": closed.isoformat(), "to": (closed + timedelta(days=2)).isoformat()}
    url = f"/api/v1/listings/{drill.pk}/availability/"
    for client in (api, api_as(member)):
        body = client.get(url, params).json()
        [unit] = body["units"]
        assert {reason for _s, _e, reason in unit["taken"]} == {"unavailable"}
        assert PRIVATE_TITLE not in str(body) and "Away" not in str(body)
    [unit] = api_as(owner).get(url, params).json()["units"]
    assert {reason for _s, _e, reason in unit["taken"]} == {"blackout"}


def test_others_cannot_tell_a_blackout_from_a_booking(api_as, owner, member, outsider, drill,
                                                       closed):
    # A loan right after the imported event: to others, one unavailable stretch.
    api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": (closed + timedelta(hours=4)).isoformat(),
        "end": (closed + timedelta(hours=8)).isoformat()}, format="json")
    params = {"from": closed.isoformat(), "to": (closed + timedelta(hours=12)).isoformat()}
    url = f"/api/v1/listings/{drill.pk}/availability/"
    [unit] = api_as(outsider).get(url, params).json()["units"]
    assert [reason for _s, _e, reason in unit["taken"]] == ["unavailable"]
    [unit] = api_as(owner).get(url, params).json()["units"]
    assert [reason for _s, _e, reason in unit["taken"]] == ["blackout", "booked"]


def test_the_listing_pages_show_the_reason_to_its_lender_only(client, owner, member, drill,
                                                              closed):
    client.force_login(member)
    for url in (f"/listings/{drill.pk}/", f"/listings/{drill.pk}/calendar/",
                f"/listings/{drill.pk}/hours/", f"/listings/{drill.pk}/book/"):
        page = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert PRIVATE_TITLE not in page.content.decode(), url
    client.force_login(owner)
    hours = client.get(f"/listings/{drill.pk}/hours/", HTTP_ACCEPT_LANGUAGE="en")
    assert PRIVATE_TITLE in hours.content.decode()
