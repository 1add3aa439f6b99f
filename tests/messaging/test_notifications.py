"""Notifications: every app's events.notify() leaves a row for the right
people, the API lists and marks them, and the digest e-mails what no open
socket received, at most once every 15 minutes."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bookings.services.booking import booking_act, booking_request
from community_rules.governance import proposal_close, proposal_create
from community_rules.models import Community, Membership
from community_rules.sanctions import sanction_give
from community_rules.services import community_create
from marketplace import events
from messaging.models import Notification
from messaging.notification_services import (
    digest_send_due,
    notification_mark_delivered,
    notifications_list,
)
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def rows_of(person):
    return [(n.kind, n.url) for n in Notification.objects.filter(user=person).order_by("pk")]


def verified(person):
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    return person


def told(person, kind="something", text="Hello", url="/me/"):
    with transaction.atomic():
        events.notify([person.pk], kind, data={"text": text}, url=url)


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


# --- the call sites ---------------------------------------------------------------


def test_a_request_tells_the_lender_and_the_approval_the_borrower(
        stripe_mode, owner, member, period, django_capture_on_commit_callbacks):
    # Paid by card: approved, then confirmed once paid.
    tent = make_listing(owner, title="Tent", pricing="per_day", price=10_000)
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0],
                              end=period[1])
    url = f"/bookings/{booking.pk}/"
    assert rows_of(owner) == [("booking_requested", url)]
    with django_capture_on_commit_callbacks(execute=True):
        booking_act(actor=owner, booking=booking, action="approve")
    assert rows_of(member) == [("booking_approved", url)]
    row = Notification.objects.get(user=member)
    assert row.data == {"booking": booking.pk, "status": "approved", "listing": tent.pk,
                        "listing_title": "Tent"}
    assert (row.read_at, row.delivered_live, row.emailed_at) == (None, False, None)


def test_a_free_loan_approved_is_confirmed_at_once(owner, member, requested):
    booking_act(actor=owner, booking=requested, action="approve")
    assert rows_of(member) == [("booking_confirmed", f"/bookings/{requested.pk}/")]


def test_a_rolled_back_write_leaves_no_row(member):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.notify([member.pk], "something", data={"text": "no"}, url="/")
        raise RuntimeError
    assert not Notification.objects.exists()


def democratic(members):
    community = Community.objects.create(name="Parents", slug="parents",
                                         governance="democratic", quorum_percent=50,
                                         threshold_percent=50)
    for person in members:
        Membership.objects.create(community=community, user=person, status="active",
                                  joined_at=timezone.now() - timedelta(days=100))
    return community


def test_a_proposal_opened_and_decided_tells_the_active_members(owner, member, outsider):
    community = democratic([owner, member])
    Membership.objects.create(community=community, user=outsider, status="pending")
    proposal = proposal_create(actor=member, community=community, action="add",
                               rule_type="max_loan_duration", params={"days": 3})
    url = f"/proposals/{proposal.pk}/"
    assert rows_of(owner) == rows_of(member) == [("proposal_opened", url)]
    assert rows_of(outsider) == []
    proposal_close(proposal=proposal, now=proposal.closes_at + timedelta(seconds=1))
    assert rows_of(member)[1:] == [("proposal_decided", url)]
    decided = Notification.objects.get(user=owner, kind="proposal_decided")
    assert decided.data["status"] == "rejected"
    assert notifications_list(owner)[0].kind == "proposal_decided"


def test_a_sanction_tells_the_person(owner, member, outsider):
    community = community_create(actor=owner, name="Mapo Tool Library")
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now())
    sanction_give(actor=owner, community=community, user=member, kind="warning",
                  reason="Late twice")
    assert rows_of(member) == [("sanction_warning", "/communities/mapo-tool-library/")]
    assert rows_of(outsider) == []


# --- the API ------------------------------------------------------------------------


def test_the_list_says_each_sentence_and_marks_read(api_as, owner, member, requested,
                                                     django_assert_max_num_queries):
    booking_act(actor=owner, booking=requested, action="approve")
    told(member, text="Second")
    client = api_as(member)
    with django_assert_max_num_queries(4):
        listed = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert listed["count"] == 2
    assert [(n["kind"], n["text"], n["read"]) for n in listed["results"]] == [
        ("something", "Second", False),
        ("booking_confirmed", "The booking of “전동 드릴 빌려드려요” is confirmed.", False)]
    assert set(listed["results"][0]) == {"id", "kind", "text", "url", "data", "created_at",
                                         "read"}
    first = listed["results"][1]["id"]
    assert client.post(f"/api/v1/notifications/{first}/read/").json() == {"unread": 1}
    assert client.get("/api/v1/notifications/unread/").json() == {"unread": 1}
    unread = client.get("/api/v1/notifications/?unread=true",
                        HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [n["text"] for n in unread] == ["Second"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"unread": 0}


def test_someone_elses_notification_is_not_found(api_as, member, outsider):
    told(member)
    theirs = Notification.objects.get(user=member).pk
    response = api_as(outsider).post(f"/api/v1/notifications/{theirs}/read/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs).read_at is None
    assert api_as(outsider).get("/api/v1/notifications/").json()["count"] == 0


def test_anonymous_is_refused(api):
    assert api.get("/api/v1/notifications/").status_code in (401, 403)


# --- the digest ---------------------------------------------------------------------


def test_one_digest_lists_several_notifications(member):
    verified(member)
    told(member, text="Your booking is approved")
    told(member, text="Pick it up tomorrow")
    assert digest_send_due(now=later(2)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "Your booking is approved" in message.body and "Pick it up tomorrow" in message.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert digest_send_due(now=later(30)) == 0  # nothing new: nothing sent


def test_no_second_digest_within_15_minutes(member):
    verified(member)
    told(member, text="First")
    assert digest_send_due(now=later(2)) == 1
    told(member, text="Second")
    assert digest_send_due(now=later(10)) == 0
    assert len(mail.outbox) == 1
    assert digest_send_due(now=later(18)) == 1
    assert "Second" in mail.outbox[1].body and "First" not in mail.outbox[1].body


def test_no_digest_for_what_a_socket_received_or_was_read(member):
    verified(member)
    told(member, text="Seen live")
    notification_mark_delivered(user_id=member.pk,
                                notification_id=Notification.objects.get().pk)
    told(member, text="Read on the page")
    Notification.objects.filter(read_at__isnull=True, delivered_live=False).update(
        read_at=timezone.now())
    assert digest_send_due(now=later(2)) == 0
    assert mail.outbox == []


def test_no_digest_without_a_verified_address(member):
    EmailAddress.objects.create(user=member, email=member.email, verified=False)
    told(member)
    assert digest_send_due(now=later(2)) == 0
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_the_digest_waits_for_a_socket_to_acknowledge(member):
    verified(member)
    told(member)
    assert digest_send_due(now=timezone.now()) == 0
    assert digest_send_due(now=later(2)) == 1


def test_the_digest_goes_to_each_person_once(member, outsider):
    verified(member), verified(outsider)
    other = make_person("third@example.org", "Third")  # no address confirmed
    for person in (member, outsider, other):
        told(person)
        told(person)
    assert digest_send_due(now=later(2)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, outsider.email]
