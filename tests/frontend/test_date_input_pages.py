"""Dates typed into the pages: a date the page cannot read is refused with a
sentence naming the field, what was typed stays in the form, and nothing is
saved; nothing is booked, closed or sanctioned at another time than asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Extension
from community_rules.models import Community, Membership, Proposal, Sanction
from listings.models import Blackout
from moderation.models import Report
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FMT = "%Y-%m-%dT%H:%M"


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def local(moment) -> str:
    return timezone.localtime(moment).strftime(FMT)


@pytest.fixture
def library(owner, member, outsider):
    community = Community.objects.create(name="Library", slug="library",
                                         governance="democratic")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    for person in (member, outsider):
        Membership.objects.create(community=community, user=person, status="active")
    return community


# --- the booking page --------------------------------------------------------------------


def test_a_malformed_start_is_refused_by_name_and_books_nothing(client, member, drill,
                                                                period):
    client.force_login(member)
    response = client.post(f"/listings/{drill.pk}/book/", {
        "start": "2026-02-30T10:00", "end": local(period[1])}, **EN)
    assert response.status_code == 200
    assert said(response) == ["Give the start as a date and a time."]
    assert 'value="2026-02-30T10:00"' in response.content.decode()
    assert not Booking.objects.exists()


def test_a_sent_form_without_an_end_is_refused_not_given_a_day(client, member, drill, period):
    client.force_login(member)
    response = client.post(f"/listings/{drill.pk}/book/", {"start": local(period[0])}, **EN)
    assert said(response) == ["Give the end as a date and a time."]
    assert not Booking.objects.exists()


def test_both_bad_dates_are_named_at_once(client, member, drill):
    client.force_login(member)
    response = client.post(f"/listings/{drill.pk}/book/", {"start": "soon", "end": "later"},
                           **EN)
    assert said(response) == ["Give the start as a date and a time. "
                              "Give the end as a date and a time."]
    assert not Booking.objects.exists()


def test_a_link_with_a_malformed_start_says_so_instead_of_showing_tomorrow(client, member,
                                                                           drill):
    client.force_login(member)
    response = client.get(f"/listings/{drill.pk}/book/", {"start": "tomorrow"}, **EN)
    assert response.status_code == 200
    assert said(response) == ["Give the start as a date and a time."]
    page = response.content.decode()
    assert 'value="tomorrow"' in page
    assert "Choose a start and an end to see the price." in page


def test_a_year_before_1900_is_refused_on_the_booking_page(client, member, drill):
    client.force_login(member)
    response = client.post(f"/listings/{drill.pk}/book/", {
        "start": "0999-05-01T10:00", "end": "0999-05-02T10:00"}, **EN)
    assert said(response) == ["Give the start with a year from 1900 to 9998. "
                              "Give the end with a year from 1900 to 9998."]
    assert not Booking.objects.exists()


def test_a_link_to_the_last_day_of_9999_is_refused_not_an_error_page(client, member, drill):
    client.force_login(member)
    response = client.get(f"/listings/{drill.pk}/book/", {"start": "9999-12-31T10:00"}, **EN)
    assert response.status_code == 200
    assert said(response) == ["Give the start with a year from 1900 to 9998."]


def test_the_booking_page_reads_its_fields_in_seoul_time(client, member, drill, period):
    client.force_login(member)
    client.post(f"/listings/{drill.pk}/book/", {"start": local(period[0]),
                                                "end": local(period[1])})
    assert (Booking.objects.get().start, Booking.objects.get().end) == period


def test_a_malformed_new_end_is_refused_by_name(client, member, picked_up):
    client.force_login(member)
    response = client.post(f"/bookings/{picked_up.pk}/extend/", {"new_end": "next week"},
                           follow=True, **EN)
    assert said(response) == ["Give the new end as a date and a time."]
    assert not Extension.objects.exists()


# --- the moderators' report form and the members page ------------------------------------


def test_a_bad_date_on_the_report_form_is_a_message_not_an_error_page(client, owner,
                                                                      outsider, member,
                                                                      library):
    report = Report.objects.create(reporter=member, target_type="user",
                                   target_id=outsider.pk, community=library,
                                   reason="Rude in messages")
    client.force_login(owner)
    url = f"/communities/library/moderation/reports/{report.pk}/"
    response = client.post(url, {"outcome": "suspend", "until": "31/12/2026"}, **EN)
    assert response.status_code == 302
    page = client.get(response["Location"], **EN)
    assert said(page) == ["Give the end of the suspension as a date."]
    report.refresh_from_db()
    assert report.status == "open" and not Sanction.objects.exists()


def test_the_report_form_suspends_until_the_day_chosen(client, owner, outsider, member,
                                                       library):
    report = Report.objects.create(reporter=member, target_type="user",
                                   target_id=outsider.pk, community=library, reason="Late")
    day = timezone.localdate() + timedelta(days=7)
    client.force_login(owner)
    client.post(f"/communities/library/moderation/reports/{report.pk}/",
                {"outcome": "suspend", "until": day.isoformat()})
    until = timezone.localtime(Sanction.objects.get().until)
    assert (until.date(), until.hour, until.minute) == (day, 0, 0)


def test_a_suspension_ending_before_1900_is_refused(client, owner, member, library):
    client.force_login(owner)
    response = client.post(f"/communities/library/members/{member.pk}/status/", {
        "status": "suspended", "suspended_until": "1850-01-01T10:00", "reason": "x"},
        follow=True, **EN)
    assert said(response) == ["Give the end of the suspension with a year from 1900 to 9998."]
    assert Membership.objects.get(community=library, user=member).status == "active"


# --- a proposal's closing time -----------------------------------------------------------


def test_a_malformed_closing_time_is_refused_not_replaced_by_the_usual_period(client, member,
                                                                            library):
    client.force_login(member)
    response = client.post("/communities/library/proposals/new/", {
        "action": "add", "type": "members_only", "closes_at": "friday",
        "reason": "Members first"}, **EN)
    assert response.status_code == 200
    assert said(response) == ["Give the close of the vote as a date and a time."]
    page = response.content.decode()
    assert 'value="friday"' in page and "Members first" in page
    assert not Proposal.objects.exists()


def test_a_closing_time_is_read_in_seoul_time(client, member, library):
    closes = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    client.force_login(member)
    client.post("/communities/library/proposals/new/", {
        "action": "add", "type": "members_only", "closes_at": local(closes)})
    assert Proposal.objects.get().closes_at == closes


# --- blackouts ---------------------------------------------------------------------------


def test_a_malformed_blackout_is_refused_by_name_and_kept_in_the_form(client, owner):
    listing = make_listing(owner)
    start = timezone.localtime() + timedelta(days=3)
    client.force_login(owner)
    response = client.post(f"/listings/{listing.pk}/hours/", {
        "form": "blackout", "starts_at": local(start), "ends_at": "the weekend",
        "reason": "Repair"}, **EN)
    assert said(response) == ["Give the end of the blackout as a date and a time."]
    page = response.content.decode()
    assert f'value="{local(start)}"' in page and 'value="the weekend"' in page
    assert 'value="Repair"' in page
    assert not Blackout.objects.exists()
