"""Reports and their queue, sanctions by moderators, complaints in tiers,
and the audit log moderators read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.services.booking import booking_act, booking_request
from community_rules.models import Community, Membership, ModerationLog, Sanction
from community_rules.sanctions import sanction_give
from marketplace.errors import Forbidden, NotFound, RuleViolation
from moderation.models import Complaint
from moderation.selectors import report_queue
from moderation.services import (
    complaint_raise,
    complaint_resolve,
    complaints_escalate_due,
    report_create,
    report_handle,
)
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    return community


def test_a_report_on_a_community_listing_goes_to_its_moderators(owner, member, library):
    listing = make_listing(member, title="Broken ladder", visibility="communities")
    listing.communities.add(library)
    report = report_create(actor=owner, target_type="listing", target_id=listing.pk,
                           reason="It is unsafe")
    assert report.community == library
    assert list(report_queue(viewer=owner, community=library)) == [report]
    with pytest.raises(Forbidden):
        report_queue(viewer=member, community=library)


def test_public_listing_reports_go_to_city_staff(owner, member, staff):
    listing = make_listing(owner, title="Public")
    report = report_create(actor=member, target_type="listing", target_id=listing.pk,
                           reason="Fake")
    assert report.community is None
    assert list(report_queue(viewer=staff)) == [report]
    with pytest.raises(Forbidden):
        report_queue(viewer=member)


def test_outsiders_cannot_report_what_they_cannot_see(outsider, member, library):
    hidden = make_listing(member, title="Members only", visibility="communities")
    hidden.communities.add(library)
    with pytest.raises(NotFound):
        report_create(actor=outsider, target_type="listing", target_id=hidden.pk,
                      reason="x")


def test_moderator_hides_a_listing_and_it_is_logged(owner, member, library):
    listing = make_listing(member, title="Spam", visibility="communities")
    listing.communities.add(library)
    report = report_create(actor=owner, target_type="listing", target_id=listing.pk,
                           reason="Spam")
    report_handle(actor=owner, report=report, outcome="hide_listing", note="Advertising")
    listing.refresh_from_db()
    assert listing.status == "paused"
    entry = ModerationLog.objects.get(action="report_hide_listing")
    assert (entry.actor, entry.reason) == (owner, "Advertising")


def test_moderator_suspends_from_a_report_and_the_member_sees_why(owner, member, outsider,
                                                                  library):
    report = report_create(actor=owner, target_type="user", target_id=member.pk,
                           reason="Kept items for weeks", community="library")
    until = timezone.now() + timedelta(days=7)
    report_handle(actor=owner, report=report, outcome="suspend", until=until)
    drill = make_listing(outsider, title="Drill", visibility="communities")
    drill.communities.add(library)
    with pytest.raises(RuleViolation) as refused:
        booking_request(actor=member, listing_id=drill.pk, start=tomorrow_at(10),
                        end=tomorrow_at(14), community="library")
    message = refused.value.extra["violations"][0]["message"]
    assert message.startswith("Your membership is suspended until ")
    assert message.endswith("Reason: Kept items for weeks")


def test_only_moderators_sanction_and_bans_end_membership(owner, member, outsider, library):
    with pytest.raises(Forbidden):
        sanction_give(actor=member, community=library, user=owner, kind="warning", reason="x")
    sanction_give(actor=owner, community=library, user=member, kind="ban", reason="Theft")
    assert Membership.objects.get(user=member, community=library).status == "banned"
    assert Sanction.objects.get(user=member).kind == "ban"
    assert ModerationLog.objects.filter(action="sanction_ban", actor=owner).exists()


@pytest.fixture
def finished_loan(owner, member, library):
    drill = make_listing(owner, title="Drill", visibility="communities")
    drill.communities.add(library)
    booking = booking_request(actor=member, listing_id=drill.pk, start=tomorrow_at(10),
                              end=tomorrow_at(14), community="library")
    for action in ("approve", "pickup", "return"):
        booking = booking_act(actor=owner, booking=booking, action=action)
    return booking


def test_a_complaint_goes_to_the_other_party_first_and_can_be_settled(owner, member,
                                                                       finished_loan):
    complaint = complaint_raise(actor=member, booking=finished_loan,
                                text="The drill had no battery")
    assert complaint.tier == "party"
    assert complaint.deadline - timezone.now() > timedelta(days=2, hours=23)
    resolved = complaint_resolve(actor=owner, complaint=complaint,
                                 outcome="Refunded the deposit in full")
    assert resolved.status == "resolved"
    assert [s.action for s in resolved.steps.all()] == ["raised", "resolved"]


def test_unsettled_complaints_climb_to_moderators_then_staff(owner, member, outsider, staff,
                                                             library, finished_loan):
    Membership.objects.create(community=library, user=outsider, role="moderator",
                              status="active")
    complaint = complaint_raise(actor=member, booking=finished_loan, text="Late and rude")
    later = complaint.deadline + timedelta(minutes=1)
    assert complaints_escalate_due(now=later) == 1
    complaint.refresh_from_db()
    assert complaint.tier == "moderators"
    with pytest.raises(Forbidden, match="moderators"):
        complaint_resolve(actor=owner, complaint=complaint, outcome="done")
    assert complaints_escalate_due(now=complaint.deadline + timedelta(minutes=1)) == 1
    complaint.refresh_from_db()
    assert complaint.tier == "staff"
    complaint_resolve(actor=staff, complaint=complaint, outcome="Mediated by phone")
    assert Complaint.objects.get().status == "resolved"
    assert [s.action for s in complaint.steps.all()] == [
        "raised", "escalated", "escalated", "resolved"]


def test_strangers_cannot_complain_about_a_booking(outsider, finished_loan):
    with pytest.raises(NotFound):
        complaint_raise(actor=outsider, booking=finished_loan, text="x")


def test_a_ban_is_written_in_the_membership_log(owner, member, library):
    from community_rules.models import MembershipEvent

    sanction_give(actor=owner, community=library, user=member, kind="ban", reason="Theft")
    event = MembershipEvent.objects.get(user=member, to_value="banned")
    assert (event.actor, event.from_value, event.reason) == (owner, "active", "Theft")
