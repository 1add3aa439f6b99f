"""Review of issue 14's dates: every API datetime and every page form with
bad input answers with the field named and saves nothing (never a 500),
and no accepted moment lies outside 1900-9998 in Seoul time either."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Extension
from community_rules.models import Community, Membership, Proposal
from community_rules.services import community_create
from listings.models import Blackout
from marketplace.dates import LOCAL, REFUSE, datetime_from_input
from marketplace.errors import ValidationFailed

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BAD = ["tomorrow", "2026-13-01T10:00", "9999-01-01T00:00+09:00", "1899-12-31T23:59+09:00",
       "2026-05-01T10:00+25:00", "x" * 5000, "2026-05-01T10:00\x00"]


def fields(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_failed"
    return body["fields"]


@pytest.mark.parametrize("typed", ["9998-12-31T23:00:00-12:00", "1900-01-01T00:00:00+14:00"])
def test_a_moment_whose_seoul_year_is_outside_1900_to_9998_is_refused(typed):
    with pytest.raises(ValidationFailed) as refused:
        datetime_from_input(typed, field="ends_at", naive=REFUSE)
    assert list(refused.value.extra["fields"]) == ["ends_at"]
    # ...and a year added to anything accepted still fits.
    last = datetime_from_input("9998-12-31T23:00:00+09:00", field="ends_at", naive=REFUSE)
    assert (last + timedelta(days=365)).year == 9999


@pytest.mark.parametrize("typed", BAD + ["2026-05-01T10:00"])
def test_the_blackout_api_refuses_bad_moments_by_field(api_as, owner, drill, typed):
    start = timezone.now() + timedelta(days=1)
    answer = api_as(owner).post(f"/api/v1/listings/{drill.pk}/blackouts/", {
        "starts_at": start.isoformat(), "ends_at": typed}, format="json", **EN)
    assert list(fields(answer)) == ["ends_at"]
    assert not Blackout.objects.exists()


@pytest.mark.parametrize("typed", BAD)
def test_the_booking_and_quote_apis_refuse_bad_moments_by_field(api_as, member, drill,
                                                                period, typed):
    answer = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": typed, "end": period[1].isoformat()}, format="json",
        **EN)
    assert list(fields(answer)) == ["start"]
    quote = api_as(member).get(f"/api/v1/listings/{drill.pk}/quote/",
                               {"start": period[0].isoformat(), "end": typed}, **EN)
    assert list(fields(quote)) == ["end"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize("typed", BAD)
def test_the_search_api_refuses_bad_moments_by_field(api, typed):
    answer = api.get("/api/v1/listings/", {"available_from": typed,
                                           "available_to": "2026-05-02T10:00+09:00"}, **EN)
    assert "available_from" in fields(answer)


def test_a_proposal_with_a_bad_close_is_refused_by_api_and_page(api_as, client, owner):
    community = community_create(actor=owner, name="Mapo Tool Library",
                                 governance=Community.Governance.DEMOCRATIC)
    rule = {"type": "members_only", "params": {}}
    for typed in ("2026-05-01T10:00", "9999-01-01T00:00+09:00"):
        answer = api_as(owner).post(f"/api/v1/communities/{community.slug}/proposals/", {
            "action": "add", "rule": rule, "closes_at": typed}, format="json", **EN)
        assert list(fields(answer)) == ["closes_at"]
    client.force_login(owner)
    for typed in ("someday", "9999-01-01T00:00", "x" * 5000):
        page = client.post(f"/communities/{community.slug}/proposals/new/", {
            "action": "add", "type": "members_only", "closes_at": typed}, **EN)
        assert page.status_code in (200, 400), page.status_code
        assert "the close of the vote" in page.content.decode()
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("typed", ["someday", "9999-01-01T00:00", "1899-12-31T10:00",
                                   "x" * 5000])
def test_the_blackout_page_shows_the_refusal_and_saves_nothing(client, owner, drill, typed):
    client.force_login(owner)
    page = client.post(f"/listings/{drill.pk}/hours/", {
        "form": "blackout", "starts_at": "2030-05-01T10:00", "ends_at": typed}, **EN)
    assert page.status_code in (200, 400), page.status_code
    assert "the end of the blackout" in page.content.decode()
    assert not Blackout.objects.exists()


@pytest.mark.parametrize("typed", ["someday", "9999-01-01T00:00", "x" * 5000])
def test_the_booking_page_shows_the_refusal_and_saves_nothing(client, member, drill, typed):
    client.force_login(member)
    page = client.post(f"/listings/{drill.pk}/book/", {"start": typed,
                                                      "end": "2030-05-01T10:00"}, **EN)
    assert page.status_code in (200, 400), page.status_code
    assert not Booking.objects.exists()
    quote = client.get(f"/listings/{drill.pk}/book/quote/", {"start": typed,
                                                             "end": "2030-05-01T10:00"})
    assert quote.status_code == 200


@pytest.mark.parametrize("typed", ["someday", "9999-01-01T00:00", "x" * 5000])
def test_the_extension_page_shows_the_refusal_and_saves_nothing(client, member, picked_up,
                                                                typed):
    client.force_login(member)
    page = client.post(f"/bookings/{picked_up.pk}/extend/", {"new_end": typed}, **EN)
    assert page.status_code in (200, 302, 400), page.status_code
    assert not Extension.objects.exists()


@pytest.mark.parametrize("typed", ["someday", "9999-01-01", "x" * 5000])
def test_the_search_page_refuses_bad_moments_without_an_error_page(client, typed):
    page = client.get("/listings/", {"available_from": typed,
                                     "available_to": "2030-05-02T10:00"}, **EN)
    assert page.status_code in (200, 400), page.status_code


@pytest.mark.parametrize("typed", ["someday", "9999-01-01T00:00", "x" * 5000])
def test_the_suspension_page_refuses_a_bad_end_and_changes_nothing(client, owner, member,
                                                                    typed):
    community = community_create(actor=owner, name="Mapo Tool Library")
    Membership.objects.create(community=community, user=member, status="active")
    client.force_login(owner)
    page = client.post(f"/communities/{community.slug}/members/{member.pk}/suspend/",
                       {"suspended_until": typed}, **EN)
    assert page.status_code in (200, 302, 400), page.status_code
    assert Membership.objects.get(community=community, user=member).status == "active"


def test_a_page_reads_a_naive_value_in_seoul_and_the_api_never_does():
    assert datetime_from_input("2030-05-01T10:00", field="x", naive=LOCAL).utcoffset() == \
        timedelta(hours=9)
    with pytest.raises(ValidationFailed):
        datetime_from_input("2030-05-01T10:00", field="x", naive=REFUSE)
