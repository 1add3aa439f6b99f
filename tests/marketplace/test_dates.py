"""Datetimes in the API: an offset is required, the instant sent is the
instant stored, and years outside 1900-9998 are refused by field."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Booking
from community_rules.services import community_create, community_join
from marketplace.dates import LOCAL, REFUSE, datetime_from_input
from marketplace.errors import ValidationFailed

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SEOUL = ZoneInfo("Asia/Seoul")


def refused(response, field: str) -> str:
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    return " ".join(body["fields"][field])


def test_a_naive_datetime_is_refused_with_the_field_named(api_as, member, drill, period):
    start = timezone.localtime(period[0]).replace(tzinfo=None)
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": start.isoformat(), "end": period[1].isoformat()}, **EN)
    assert "“start”" in refused(response, "start")
    assert "+09:00" in refused(response, "start")
    assert not Booking.objects.exists()


def test_a_year_0999_datetime_is_refused_with_the_field_named(api_as, member, drill, period):
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": period[0].isoformat(),
        "end": "0999-05-01T10:00:00+09:00"}, **EN)
    assert refused(response, "end") == "Give “end” with a year from 1900 to 9998."
    assert not Booking.objects.exists()


def test_the_last_year_is_refused_not_an_overflow(api_as, member, drill,
                                                                  period):
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": period[0].isoformat(),
        "end": "9999-12-31T23:00:00-09:00"}, **EN)
    assert refused(response, "end") == "Give “end” with a year from 1900 to 9998."


@pytest.mark.parametrize("offset", [timedelta(hours=9), timedelta(0), timedelta(hours=-5)])
def test_an_aware_datetime_is_stored_as_the_same_instant(api_as, member, drill, period, offset):
    zone = dt_timezone(offset)
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": period[0].astimezone(zone).isoformat(),
        "end": period[1].astimezone(zone).isoformat()})
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == period
    assert datetime.fromisoformat(response.json()["start"]) == period[0]


def test_plus_nine_is_seoul_wall_clock_time(api_as, member, drill):
    day = timezone.localdate() + timedelta(days=2)
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": f"{day.isoformat()}T10:00:00+09:00",
        "end": f"{day.isoformat()}T18:00:00+09:00"})
    assert response.status_code == 201
    start = Booking.objects.get().start.astimezone(SEOUL)
    assert (start.date(), start.hour) == (day, 10)


def test_a_naive_suspension_end_is_refused(api_as, owner, member, period):
    community = community_create(actor=owner, name="Mapo Tool Library")
    community_join(actor=member, community=community)
    naive = timezone.localtime(period[0]).replace(tzinfo=None).isoformat()
    response = api_as(owner).patch(
        f"/api/v1/communities/{community.slug}/members/{member.pk}/",
        {"status": "suspended", "suspended_until": naive}, **EN)
    assert "“suspended_until”" in refused(response, "suspended_until")


def test_availability_refuses_a_naive_range(api, drill, period):
    naive = timezone.localtime(period[0]).replace(tzinfo=None).isoformat()
    response = api.get(f"/api/v1/listings/{drill.pk}/availability/", {
        "from": naive, "to": period[1].isoformat()}, **EN)
    assert "“from”" in refused(response, "from")


# --- the helper itself -------------------------------------------------------------------


def test_page_values_without_an_offset_are_seoul_time():
    moment = datetime_from_input("2026-05-01T10:00", field="start", naive=LOCAL)
    assert moment == datetime(2026, 5, 1, 10, 0, tzinfo=SEOUL)
    midnight = datetime_from_input("2026-05-01", field="until", naive=LOCAL, date_only=True)
    assert midnight == datetime(2026, 5, 1, 0, 0, tzinfo=SEOUL)


def test_an_offset_wins_over_seoul_even_on_a_page():
    moment = datetime_from_input("2026-05-01T10:00Z", field="start", naive=LOCAL)
    assert moment == datetime(2026, 5, 1, 19, 0, tzinfo=SEOUL)


def test_empty_is_nothing_unless_required():
    assert datetime_from_input("", field="start", naive=REFUSE) is None
    with pytest.raises(ValidationFailed) as refusal:
        datetime_from_input(" ", field="start", label="the start", naive=LOCAL, required=True)
    assert refusal.value.extra["fields"] == {"start": ["Give the start as a date and a time."]}


@pytest.mark.parametrize("typed", ["2026-02-30T10:00", "10:00", "1e9", "0000-01-01T00:00",
                                   "1899-12-31T23:59", "99999-01-01T00:00"])
def test_what_cannot_be_a_moment_is_refused(typed):
    with pytest.raises(ValidationFailed) as refusal:
        datetime_from_input(typed, field="start", naive=LOCAL)
    assert list(refusal.value.extra["fields"]) == ["start"]
