"""One policy for who may moderate whom (issue 14, point 3), walked down
every path that acts on a person: the members page (and the members API),
sanctions, the report queue and the late-return strikes, with an owner, a
moderator, a member and an outsider at each end. And one source of truth
for "suspended until": the Sanction rows, which the membership mirrors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from community_rules import policy
from community_rules.governance import rule_add
from community_rules.models import Membership, MembershipEvent, Sanction
from community_rules.sanctions import sanction_give
from community_rules.services import (
    community_join,
    community_leave,
    member_ban,
    member_remove,
    member_suspend,
    membership_change,
    suspensions_end_due,
)
from marketplace.errors import Conflict, Forbidden, NotFound, RuleViolation
from moderation.services import report_create, report_handle
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SLUG = "mapo-tool-library"


@pytest.fixture
def cast(make_community, admit, owner, member, outsider):
    """Mapo Tool Library: `owner` and a co-owner run it, a moderator helps,
    `member` is a plain member and `outsider` is in no community."""
    community = make_community(join_policy="open")
    co_owner = make_person("co-owner@example.org", "Co-owner Choi")
    moderator = make_person("moderator@example.org", "Moderator Jung")
    admit(community, co_owner, Membership.Role.OWNER)
    admit(community, moderator, Membership.Role.MODERATOR)
    admit(community, member)
    return {"community": community, "owner": owner, "co_owner": co_owner,
            "moderator": moderator, "member": member, "outsider": outsider}


def of(person, community) -> Membership:
    return Membership.objects.get(user=person, community=community)


def state(community) -> list[tuple]:
    """Every membership's status and every sanction: what a refusal must
    leave as it was."""
    return (list(Membership.objects.filter(community=community).order_by("pk")
                 .values_list("user__email", "status", "suspended_until"))
            + list(Sanction.objects.order_by("pk").values_list("user__email", "kind",
                                                                "lifted_at")))


# The policy's table, as the services apply it: who may change whose status.
TABLE = [
    ("owner", "member", None),
    ("owner", "moderator", None),
    ("owner", "co_owner", "Owners cannot be suspended or banned."),
    ("owner", "owner", "Owners cannot be suspended or banned."),
    ("moderator", "member", None),
    ("moderator", "moderator", "Only an owner can change a moderator's status."),
    ("moderator", "owner", "Owners cannot be suspended or banned."),
    ("member", "member", "Only the community's moderators can do that."),
    ("member", "moderator", "Only the community's moderators can do that."),
    ("outsider", "member", "Only the community's moderators can do that."),
]


def test_the_policy_table(cast):
    community = cast["community"]
    for actor, target, refusal in TABLE:
        mine = Membership.objects.filter(community=community, user=cast[actor]).first()
        theirs = of(cast[target], community)
        answer = (policy.refusal_to_act(actor=mine, target=theirs, act=policy.STATUS)
                  if mine is not None else "Only the community's moderators can do that.")
        assert answer == refusal, (actor, target)
    # The rules (no actor) reach everyone, owners too.
    assert policy.may_act_on(actor=None, target=of(cast["owner"], community))
    assert policy.moderator_ids(community) == [
        cast[name].pk for name in ("owner", "co_owner", "moderator")]
    assert policy.is_moderator(user=cast["moderator"], community=community)
    assert not policy.is_moderator(user=cast["member"], community=community)
    assert not policy.is_moderator(user=cast["outsider"], community=community)


# --- the members page --------------------------------------------------------------


@pytest.mark.parametrize("actor,target,refusal", TABLE)
def test_the_members_page_bans_as_the_policy_says(client, cast, actor, target, refusal):
    community = cast["community"]
    person = cast[target]
    before = state(community)
    client.force_login(cast[actor])
    response = client.post(f"/communities/{SLUG}/members/{person.pk}/ban/",
                           {"reason": "Kept the saw"}, follow=True, **EN)
    shown = [str(m) for m in response.context["messages"]]
    if refusal is None:
        assert shown == [f"{person.display_name}'s status is changed."]
        assert of(person, community).status == "banned"
        assert Sanction.objects.get(user=person).kind == "ban"
    else:
        assert shown == [refusal]
        assert state(community) == before


@pytest.mark.parametrize("actor,target,refusal", TABLE)
def test_the_members_api_suspends_as_the_policy_says(api_as, cast, actor, target, refusal):
    community = cast["community"]
    person = cast[target]
    until = timezone.now() + timedelta(days=3)
    before = state(community)
    response = api_as(cast[actor]).patch(
        f"/api/v1/communities/{SLUG}/members/{person.pk}/",
        {"status": "suspended", "suspended_until": until.isoformat(), "reason": "Late"},
        format="json", **EN)
    if refusal is None:
        assert response.status_code == 200
        assert Sanction.objects.get(user=person).until == until
    else:
        assert response.status_code == 403 and response.json()["detail"] == refusal
        assert state(community) == before


# --- sanctions ---------------------------------------------------------------------


@pytest.mark.parametrize("actor,target,refusal", [
    ("owner", "member", None),
    ("owner", "moderator", None),
    ("owner", "co_owner", "Owners cannot be warned or given strikes."),
    ("owner", "owner", "Owners cannot be warned or given strikes."),
    ("moderator", "member", None),
    ("moderator", "moderator", "Only an owner can sanction a moderator."),
    ("moderator", "owner", "Owners cannot be warned or given strikes."),
    ("member", "member", "Only moderators can give sanctions."),
    ("outsider", "member", "Only moderators can give sanctions."),
])
def test_warnings_follow_the_policy(cast, actor, target, refusal):
    community = cast["community"]
    if refusal is None:
        sanction_give(actor=cast[actor], community=community, user=cast[target],
                      kind="warning", reason="Loud at the desk")
        assert Sanction.objects.get(user=cast[target]).kind == "warning"
        return
    with pytest.raises(Forbidden) as refused:
        sanction_give(actor=cast[actor], community=community, user=cast[target],
                      kind="warning", reason="Loud at the desk")
    assert str(refused.value.message) == refusal
    assert not Sanction.objects.exists()


def test_an_owner_cannot_ban_or_suspend_another_owner_or_themselves(cast):
    community = cast["community"]
    owner, co_owner = cast["owner"], cast["co_owner"]
    before = state(community)
    for target in (co_owner, owner):
        with pytest.raises(Forbidden, match="Owners cannot be suspended or banned"):
            sanction_give(actor=owner, community=community, user=target, kind="ban",
                          reason="Power grab")
        with pytest.raises(Forbidden, match="Owners cannot be suspended or banned"):
            sanction_give(actor=owner, community=community, user=target,
                          kind="suspension", reason="Power grab",
                          until=timezone.now() + timedelta(days=1))
    assert state(community) == before
    assert of(co_owner, community).status == "active"


def test_a_sanctioned_ban_and_a_members_page_ban_are_the_same_ban(cast):
    community = cast["community"]
    owner, member, moderator = cast["owner"], cast["member"], cast["moderator"]
    sanction_give(actor=owner, community=community, user=member, kind="ban", reason="Theft")
    membership_change(actor=owner, membership=of(moderator, community), status="banned",
                      reason="Theft too")
    for person, reason in ((member, "Theft"), (moderator, "Theft too")):
        assert of(person, community).status == "banned"
        ban = Sanction.objects.get(user=person)
        assert (ban.kind, ban.reason, ban.given_by) == ("ban", reason, owner)
        event = MembershipEvent.objects.filter(user=person).first()
        assert (event.action, event.to_value, event.reason) == ("status_changed", "banned",
                                                                reason)
    with pytest.raises(Conflict, match="already banned"):
        sanction_give(actor=owner, community=community, user=member, kind="ban", reason="x")


def test_people_outside_the_community_are_not_sanctioned(cast):
    with pytest.raises(Conflict, match="not a member of this community"):
        sanction_give(actor=cast["owner"], community=cast["community"],
                      user=cast["outsider"], kind="warning", reason="Rude")
    with pytest.raises(Conflict, match="not a member of this community"):
        member_ban(actor=cast["owner"], community=cast["community"], user=cast["outsider"],
                   reason="Rude")


# --- the report queue --------------------------------------------------------------


def _report_about(cast, target: str, *, by: str = "member"):
    return report_create(actor=cast[by], target_type="user", target_id=cast[target].pk,
                         reason="Threatened a neighbour", community=SLUG)


def test_a_moderator_cannot_ban_the_owner_through_a_report(cast):
    community = cast["community"]
    report = _report_about(cast, "owner")
    before = state(community)
    with pytest.raises(Forbidden) as refused:
        report_handle(actor=cast["moderator"], report=report, outcome="ban")
    assert str(refused.value.message) == "Owners cannot be suspended or banned."
    assert state(community) == before
    report.refresh_from_db()
    assert report.status == "open"


@pytest.mark.parametrize("actor,target,outcome,refusal", [
    ("owner", "co_owner", "ban", "Owners cannot be suspended or banned."),
    ("owner", "owner", "suspend", "Owners cannot be suspended or banned."),
    ("owner", "owner", "warn", "Owners cannot be warned or given strikes."),
    ("moderator", "moderator", "warn", "Only an owner can sanction a moderator."),
    ("moderator", "co_owner", "suspend", "Owners cannot be suspended or banned."),
    ("member", "moderator", "ban", "Only the community's moderators handle this report."),
    ("outsider", "member", "ban", "Only the community's moderators handle this report."),
])
def test_the_report_queue_refuses_what_the_policy_refuses(cast, actor, target, outcome,
                                                          refusal):
    community = cast["community"]
    report = _report_about(cast, target, by="member" if target != "member" else "moderator")
    before = state(community)
    with pytest.raises(Forbidden) as refused:
        report_handle(actor=cast[actor], report=report, outcome=outcome,
                      until=timezone.now() + timedelta(days=2))
    assert str(refused.value.message) == refusal
    assert state(community) == before


@pytest.mark.parametrize("actor,target", [("owner", "moderator"), ("owner", "member"),
                                          ("moderator", "member")])
def test_the_report_queue_bans_through_the_one_ban(cast, actor, target):
    community = cast["community"]
    report = _report_about(cast, target, by="co_owner")
    report_handle(actor=cast[actor], report=report, outcome="ban", note="Threats")
    banned = of(cast[target], community)
    assert banned.status == "banned"
    assert list(Sanction.objects.values_list("kind", "reason", "given_by")) == [
        ("ban", "Threats", cast[actor].pk)]
    assert MembershipEvent.objects.filter(user=cast[target], to_value="banned").exists()
    with pytest.raises(Forbidden, match="banned"):
        community_join(actor=cast[target], community=community)


def test_city_staff_do_not_sanction_from_a_communitys_queue(cast, staff):
    report = _report_about(cast, "member")
    with pytest.raises(Forbidden, match="moderators handle this report"):
        report_handle(actor=staff, report=report, outcome="warn")


# --- the late-return strikes -------------------------------------------------------


@pytest.fixture
def strict_library(cast):
    """Mapo Tool Library lends a drill; one late return suspends borrowing
    for 30 days."""
    community = cast["community"]
    owner = cast["owner"]
    rule_add(actor=owner, community=community, type="late_return", params={"strike": True})
    rule_add(actor=owner, community=community, type="strikes_before_suspension",
             params={"strikes": 1, "days": 30})
    lender = make_person("lender@example.org", "Lender Yoon")
    community_join(actor=lender, community=community)
    drill = make_listing(lender, title="Drill", visibility="communities", units=5)
    drill.communities.add(community)
    return {**cast, "lender": lender, "drill": drill}


def _borrow(person, drill, *, days=1):
    start = tomorrow_at(10, days)
    return booking_request(actor=person, listing_id=drill.pk, start=start,
                           end=start + timedelta(hours=24), community=SLUG)


def _late_return(lib, borrower) -> Booking:
    booking = _borrow(borrower, lib["drill"])
    for action in ("approve", "pickup"):
        booking = booking_act(actor=lib["lender"], booking=booking, action=action)
    Booking.objects.filter(pk=booking.pk).update(start=booking.start - timedelta(days=12),
                                                 end=timezone.now() - timedelta(days=1))
    booking.refresh_from_db()
    return booking_act(actor=lib["lender"], booking=booking, action="return")


@pytest.mark.parametrize("borrower", ["member", "moderator", "owner"])
def test_a_late_return_suspends_through_the_one_suspension(strict_library, borrower):
    community, person = strict_library["community"], strict_library[borrower]
    _late_return(strict_library, person)
    suspension = Sanction.objects.get(user=person, kind="suspension")
    assert suspension.given_by is None and suspension.until > timezone.now() + timedelta(
        days=29)
    membership = of(person, community)
    assert (membership.status, membership.suspended_until) == ("suspended", suspension.until)
    assert MembershipEvent.objects.filter(user=person, actor=None, to_value="suspended",
                                          reason="1 strikes within 90 days.").exists()
    with pytest.raises(RuleViolation) as refused:
        _borrow(person, strict_library["drill"], days=3)
    [violation] = refused.value.extra["violations"]
    assert violation["message"].startswith("Your membership is suspended until ")
    with pytest.raises(Conflict, match="suspended"):
        community_leave(actor=person, community=community)


def test_a_late_return_after_leaving_waits_for_the_outsider_to_come_back(strict_library):
    community, outsider = strict_library["community"], strict_library["outsider"]
    community_join(actor=outsider, community=community)
    booking = _borrow(outsider, strict_library["drill"])
    for action in ("approve", "pickup"):
        booking = booking_act(actor=strict_library["lender"], booking=booking, action=action)
    community_leave(actor=outsider, community=community)
    Booking.objects.filter(pk=booking.pk).update(start=booking.start - timedelta(days=12),
                                                 end=timezone.now() - timedelta(days=1))
    booking.refresh_from_db()
    booking_act(actor=strict_library["lender"], booking=booking, action="return")
    suspension = Sanction.objects.get(user=outsider, kind="suspension")
    assert not Membership.objects.filter(user=outsider).exists()
    back = community_join(actor=outsider, community=community)
    assert (back.status, back.suspended_until) == ("suspended", suspension.until)


def test_the_rules_never_shorten_a_moderators_suspension(strict_library):
    community, member = strict_library["community"], strict_library["member"]
    membership_change(actor=strict_library["owner"], membership=of(member, community),
                      status="suspended", reason="Broke the saw")
    booking = _borrow(strict_library["moderator"], strict_library["drill"])
    assert booking.pk  # others still borrow
    assert member_suspend(actor=None, community=community, user=member,
                          until=timezone.now() + timedelta(days=1), reason="Strikes") is None
    assert of(member, community).suspended_until is None
    assert Sanction.objects.filter(user=member, kind="suspension").count() == 1


# --- one source of truth -----------------------------------------------------------


def test_reinstating_from_the_members_page_lifts_a_report_suspension(client, strict_library):
    community, owner, member = (strict_library[k] for k in ("community", "owner", "member"))
    report = _report_about(strict_library, "member", by="moderator")
    until = timezone.now() + timedelta(days=10)
    report_handle(actor=owner, report=report, outcome="suspend", until=until)
    assert (of(member, community).status, of(member, community).suspended_until) == (
        "suspended", until)
    client.force_login(owner)
    html = client.get(f"/communities/{SLUG}/members/", **EN).content.decode()
    assert f"Suspended · {timezone.localtime(until):%Y-%m-%d %H:%M}" in html
    client.post(f"/communities/{SLUG}/members/{member.pk}/reinstate/", {"reason": "Sorry"},
                **EN)
    assert of(member, community).status == "active"
    lifted = Sanction.objects.get(user=member)
    assert (lifted.lifted_by, lifted.lifted_at is not None) == (owner, True)
    assert _borrow(member, strict_library["drill"]).status in ("requested", "approved")


def test_removing_a_banned_member_lifts_the_ban_and_they_may_borrow_again(strict_library):
    community, owner, member = (strict_library[k] for k in ("community", "owner", "member"))
    sanction_give(actor=owner, community=community, user=member, kind="ban", reason="Theft")
    member_remove(actor=owner, membership=of(member, community), reason="Second chance")
    assert policy.sanction_in_force(community=community, user=member) is None
    assert community_join(actor=member, community=community).status == "active"
    assert _borrow(member, strict_library["drill"]).pk


def test_a_suspension_survives_leaving_and_joining_again(strict_library):
    community, owner, member = (strict_library[k] for k in ("community", "owner", "member"))
    until = timezone.now() + timedelta(days=5)
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      suspended_until=until, reason="Late")
    with pytest.raises(Conflict, match="suspended"):
        community_leave(actor=member, community=community)
    member_remove(actor=owner, membership=of(member, community), reason="Out")
    back = community_join(actor=member, community=community)
    assert (back.status, back.suspended_until) == ("suspended", until)
    with pytest.raises(RuleViolation, match="suspended"):
        _borrow(member, strict_library["drill"])


def test_a_new_suspension_replaces_the_one_in_force(cast):
    community, owner, member = cast["community"], cast["owner"], cast["member"]
    first = timezone.now() + timedelta(days=3)
    sanction_give(actor=owner, community=community, user=member, kind="suspension",
                  reason="Late", until=first)
    shorter = timezone.now() + timedelta(days=1)
    membership_change(actor=owner, membership=of(member, community),
                      suspended_until=shorter, reason="Settled")
    in_force = policy.sanction_in_force(community=community, user=member)
    assert (in_force.until, in_force.reason) == (shorter, "Settled")
    assert of(member, community).suspended_until == shorter
    assert Sanction.objects.get(until=first).lifted_by == owner


def test_a_suspension_ends_on_its_own(cast, inbox, django_capture_on_commit_callbacks):
    community, owner, member = cast["community"], cast["owner"], cast["member"]
    until = timezone.now() + timedelta(days=2)
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      suspended_until=until)
    assert suspensions_end_due() == 0
    box = inbox(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert suspensions_end_due(now=until + timedelta(minutes=1)) == 1
    assert (of(member, community).status, of(member, community).suspended_until) == (
        "active", None)
    assert [p["text"] for p in box()] == [
        "Your membership of Mapo Tool Library is active again. Reason: The suspension has "
        "ended."]
    event = MembershipEvent.objects.first()
    assert (event.actor, event.from_value, event.to_value) == (None, "suspended", "active")


def test_a_private_community_stays_hidden_from_outsiders_who_try_to_moderate(
        make_community, admit, member, outsider):
    community = make_community("Secret", visibility="private")
    admit(community, member)
    with pytest.raises(NotFound):
        sanction_give(actor=outsider, community=community, user=member, kind="warning",
                      reason="x")
    with pytest.raises(NotFound):
        member_ban(actor=outsider, community=community, user=member, reason="x")


def test_joining_again_from_the_page_says_the_suspension_is_still_on(client, cast):
    community, owner, member = cast["community"], cast["owner"], cast["member"]
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      reason="Late")
    member_remove(actor=owner, membership=of(member, community))
    client.force_login(member)
    response = client.post(f"/communities/{SLUG}/join/", follow=True, **EN)
    assert [str(m) for m in response.context["messages"]] == [
        "You are a member again, but the suspension you were given here is still in force."]
    assert of(member, community).status == "suspended"
