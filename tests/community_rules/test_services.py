"""Communities and memberships, through the services and selectors: each
join policy, invites, requests, roles and statuses, leaving and removal,
the log of every change, the notifications, and privacy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community_rules import selectors
from community_rules.invites import invite_token
from community_rules.models import Community, Membership, MembershipEvent
from community_rules.services import (
    community_create,
    community_join,
    community_leave,
    community_update,
    invite_check,
    invite_create,
    member_remove,
    membership_approve,
    membership_change,
    membership_refuse,
)
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def rows() -> tuple[int, int, int]:
    return (Community.objects.count(), Membership.objects.count(),
            MembershipEvent.objects.count())


def of(person, community) -> Membership:
    return Membership.objects.get(user=person, community=community)


def events_of(community) -> list[tuple]:
    return [(e.actor.email if e.actor else None, e.action, e.user.email, e.from_value,
             e.to_value, e.reason)
            for e in MembershipEvent.objects.filter(community=community).order_by("id")]


# --- creating ------------------------------------------------------------------


def test_the_creator_is_the_active_owner_and_it_is_logged(owner):
    community = community_create(actor=owner, name="  Mapo Tool Library ",
                                 description="Drills and ladders", district="Mapo-gu",
                                 join_policy="approval", visibility="public",
                                 governance="democratic")
    assert (community.name, community.slug) == ("Mapo Tool Library", "mapo-tool-library")
    assert (community.join_policy, community.governance) == ("approval", "democratic")
    mine = of(owner, community)
    assert (mine.role, mine.status) == ("owner", "active") and mine.joined_at is not None
    assert events_of(community) == [
        (owner.email, "created", owner.email, "", "owner", "")]


def test_a_korean_name_gets_a_random_slug_and_a_taken_slug_gets_a_number(make_community):
    korean = make_community("마포 공구도서관")
    assert korean.slug.startswith("community-") and len(korean.slug) == len("community-") + 6
    assert make_community("Mapo").slug == "mapo"
    assert make_community("Mapo").slug == "mapo-2"
    assert make_community("MAPO!").slug == "mapo-3"


def test_a_slug_never_takes_the_path_of_a_page(make_community):
    assert make_community("New").slug == "new-2"
    assert make_community("Join").slug == "join-2"


def test_a_community_needs_a_name_and_known_choices(owner):
    before = rows()
    with pytest.raises(ValidationFailed) as refusal:
        community_create(actor=owner, name="  ", join_policy="whoever", visibility="public",
                         governance="moderated")
    fields = refusal.value.extra["fields"]
    assert fields["name"] == ["Give the community a name."]
    assert fields["join_policy"] == ["Choose one of: open, approval, invite."]
    with pytest.raises(ValidationFailed) as too_long:
        community_create(actor=owner, name="x" * 121)
    assert "name" in too_long.value.extra["fields"]
    assert rows() == before


def test_anonymous_people_cannot_start_a_community(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden, match="Log in"):
        community_create(actor=AnonymousUser(), name="Nobody's")


def test_moderators_edit_the_community_but_not_its_governance(make_community, admit, member,
                                                              outsider):
    community = make_community(join_policy="open")
    admit(community, member, "moderator")
    changed = community_update(actor=member, community=community, description="All tools",
                               join_policy="approval")
    assert (changed.description, changed.join_policy, changed.slug) == (
        "All tools", "approval", "mapo-tool-library")
    with pytest.raises(ValidationFailed) as refusal:
        community_update(actor=member, community=community, governance="democratic")
    assert refusal.value.extra["fields"] == {"governance": ["This cannot be changed here."]}
    with pytest.raises(ValidationFailed):
        community_update(actor=member, community=community, visibility="secret")
    with pytest.raises(Forbidden):
        community_update(actor=outsider, community=community, name="Taken over")
    assert Community.objects.get(pk=community.pk).governance == "moderated"


# --- joining: each policy ------------------------------------------------------------


def test_joining_an_open_community_is_immediate(make_community, member):
    community = make_community(join_policy="open")
    membership = community_join(actor=member, community=community)
    assert (membership.role, membership.status) == ("member", "active")
    assert membership.joined_at is not None
    assert events_of(community)[-1] == (member.email, "joined", member.email, "", "active",
                                        "")


def test_an_approval_community_makes_a_pending_request(make_community, member):
    community = make_community(join_policy="approval")
    request = community_join(actor=member, community=community)
    assert request.status == "pending" and request.joined_at is None
    assert events_of(community)[-1][1:] == ("requested", member.email, "", "pending", "")
    assert selectors.member_count(community=community) == 1


def test_a_moderator_approves_a_request(make_community, admit, owner, member, outsider):
    community = make_community(join_policy="approval")
    moderator = make_person("mod@example.org", "Mod Choi")
    admit(community, moderator, "moderator")
    request = community_join(actor=outsider, community=community)
    approved = membership_approve(actor=moderator, membership=request, reason="Neighbour")
    assert approved.status == "active" and approved.joined_at is not None
    assert events_of(community)[-1] == (moderator.email, "approved", outsider.email,
                                        "pending", "active", "Neighbour")


def test_a_request_is_answered_once(make_community, owner, member):
    community = make_community(join_policy="approval")
    request = community_join(actor=member, community=community)
    stale = Membership.objects.get(pk=request.pk)
    membership_approve(actor=owner, membership=request)
    with pytest.raises(Conflict, match="already answered"):
        membership_approve(actor=owner, membership=stale)
    with pytest.raises(Conflict, match="already answered"):
        membership_refuse(actor=owner, membership=stale)
    assert of(member, community).status == "active"
    assert [e.action for e in MembershipEvent.objects.filter(user=member)] == [
        "approved", "requested"]


def test_a_refused_request_is_deleted_logged_and_may_be_made_again(make_community, owner,
                                                                   member):
    community = make_community(join_policy="approval")
    request = community_join(actor=member, community=community)
    membership_refuse(actor=owner, membership=request, reason="Not from this building")
    assert not Membership.objects.filter(user=member).exists()
    assert events_of(community)[-1] == (owner.email, "refused", member.email, "pending", "",
                                        "Not from this building")
    assert community_join(actor=member, community=community).status == "pending"


def test_members_and_outsiders_cannot_answer_requests(make_community, admit, member,
                                                      outsider):
    community = make_community(join_policy="approval")
    admit(community, member)
    request = community_join(actor=outsider, community=community)
    before = rows()
    with pytest.raises(Forbidden, match="moderators"):
        membership_approve(actor=member, membership=request)
    with pytest.raises(Forbidden, match="moderators"):
        membership_refuse(actor=outsider, membership=request)
    assert rows() == before and of(outsider, community).status == "pending"


def test_an_invite_only_community_refuses_joining_without_an_invite(make_community, member):
    community = make_community(join_policy="invite")
    before = rows()
    with pytest.raises(Forbidden) as refusal:
        community_join(actor=member, community=community)
    assert str(refusal.value.message) == (
        "This community is invite only: ask one of its moderators for an invite link.")
    assert rows() == before


def test_a_valid_invite_lets_its_holder_in(make_community, owner, member):
    community = make_community(join_policy="invite")
    token = invite_create(actor=owner, community=community, days=3)
    invite = invite_check(token=token, community=community)
    assert invite.community_id == community.pk and invite.invited_by == owner.pk
    assert timedelta(days=2, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=3)
    membership = community_join(actor=member, community=community, invite_token=token)
    assert membership.status == "active"
    assert events_of(community)[-1] == (member.email, "joined", member.email, "", "active",
                                        "With an invite link.")


def test_an_expired_invite_is_refused(make_community, owner, member, monkeypatch):
    community = make_community(join_policy="invite")
    token = invite_create(actor=owner, community=community, days=1)
    later = timezone.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    before = rows()
    with pytest.raises(Forbidden) as refusal:
        community_join(actor=member, community=community, invite_token=token)
    assert str(refusal.value.message) == (
        "This invite link has expired. Ask a moderator for a new one.")
    assert rows() == before


def test_a_tampered_invite_is_refused(make_community, owner, member):
    community = make_community(join_policy="invite")
    token = invite_create(actor=owner, community=community)
    forged = invite_token(community_id=community.pk,
                          expires_at=timezone.now() + timedelta(days=9999), invited_by=owner.pk)
    for broken in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense",
                   forged.replace(":", ";", 1)):
        with pytest.raises(Forbidden, match="not valid: check that it was copied whole"):
            community_join(actor=member, community=community, invite_token=broken)
    assert not Membership.objects.filter(user=member).exists()


def test_an_invite_for_another_community_is_refused(make_community, owner, member):
    here = make_community("Here", join_policy="invite")
    there = make_community("There", join_policy="invite")
    token = invite_create(actor=owner, community=there)
    with pytest.raises(Forbidden, match="for another community"):
        community_join(actor=member, community=here, invite_token=token)
    assert not Membership.objects.filter(user=member).exists()


def test_an_invite_stops_working_when_its_maker_stops_moderating(make_community, admit,
                                                                 owner, member, outsider):
    community = make_community(join_policy="invite")
    moderator = admit(community, member, "moderator")
    token = invite_create(actor=member, community=community)
    membership_change(actor=owner, membership=moderator, role="member", reason="Stepped back")
    with pytest.raises(Forbidden, match="no longer moderates"):
        community_join(actor=outsider, community=community, invite_token=token)
    assert not Membership.objects.filter(user=outsider).exists()


def test_only_moderators_make_invites_lasting_one_to_thirty_days(make_community, admit, owner,
                                                                  member, outsider):
    community = make_community(join_policy="invite")
    admit(community, member)
    with pytest.raises(Forbidden):
        invite_create(actor=member, community=community)
    with pytest.raises(Forbidden):
        invite_create(actor=outsider, community=community)
    for days in (0, 31):
        with pytest.raises(ValidationFailed, match="from 1 to 30 days"):
            invite_create(actor=owner, community=community, days=days)


def test_an_invite_admits_someone_whose_request_is_waiting(make_community, owner, member):
    community = make_community(join_policy="approval")
    community_join(actor=member, community=community)
    token = invite_create(actor=owner, community=community)
    assert community_join(actor=member, community=community,
                          invite_token=token).status == "active"
    assert events_of(community)[-1][1:4] == ("joined", member.email, "pending")


def test_joining_twice_is_refused_saying_why(make_community, admit, owner, member, outsider):
    community = make_community(join_policy="approval")
    admit(community, member)
    with pytest.raises(Conflict, match="already a member"):
        community_join(actor=member, community=community)
    community_join(actor=outsider, community=community)
    with pytest.raises(Conflict, match="already asked to join"):
        community_join(actor=outsider, community=community)
    membership_change(actor=owner, membership=of(member, community), status="suspended")
    with pytest.raises(Conflict, match="suspended"):
        community_join(actor=member, community=community)


def test_banned_people_cannot_join_again_even_with_an_invite(make_community, admit, owner,
                                                             member):
    community = make_community(join_policy="open")
    admit(community, member)
    membership_change(actor=owner, membership=of(member, community), status="banned",
                      reason="Kept the ladder")
    token = invite_create(actor=owner, community=community)
    for invite in (None, token):
        with pytest.raises(Forbidden, match="banned"):
            community_join(actor=member, community=community, invite_token=invite)
    assert of(member, community).status == "banned"


def test_a_private_community_is_not_revealed_without_an_invite(make_community, owner, member):
    for policy in ("open", "approval", "invite"):
        community = make_community(f"Secret {policy}", join_policy=policy,
                                   visibility="private")
        before = rows()
        with pytest.raises(NotFound):
            community_join(actor=member, community=community)
        assert rows() == before
        token = invite_create(actor=owner, community=community)
        assert community_join(actor=member, community=community,
                              invite_token=token).status == "active"


# --- roles -----------------------------------------------------------------------


def test_a_member_cannot_make_a_moderator(make_community, admit, member, outsider):
    community = make_community()
    admit(community, member)
    theirs = admit(community, outsider)
    before = rows()
    with pytest.raises(Forbidden, match="Only the community's moderators"):
        membership_change(actor=member, membership=theirs, role="moderator")
    assert of(outsider, community).role == "member" and rows() == before


def test_a_moderator_cannot_make_a_moderator(make_community, admit, member, outsider):
    community = make_community()
    admit(community, member, "moderator")
    theirs = admit(community, outsider)
    with pytest.raises(Forbidden) as refusal:
        membership_change(actor=member, membership=theirs, role="moderator")
    assert str(refusal.value.message) == (
        "Only an owner can give or take the moderator and owner roles.")
    with pytest.raises(Forbidden):
        membership_change(actor=member, membership=of(member, community), role="owner")
    assert of(outsider, community).role == "member"
    assert of(member, community).role == "moderator"


def test_an_owner_makes_and_unmakes_a_moderator_and_the_log_says_who_and_why(
        make_community, admit, owner, member):
    community = make_community()
    mine = admit(community, member)
    made = membership_change(actor=owner, membership=mine, role="moderator",
                             reason="Runs the Saturday desk")
    assert made.role == "moderator" and made.is_moderator
    membership_change(actor=owner, membership=made, role="member", reason="Moved away")
    assert events_of(community)[-2:] == [
        (owner.email, "role_changed", member.email, "member", "moderator",
         "Runs the Saturday desk"),
        (owner.email, "role_changed", member.email, "moderator", "member", "Moved away")]


def test_owners_share_ownership_but_cannot_take_it_from_each_other(make_community, admit,
                                                                   owner, member):
    community = make_community()
    admit(community, member, "owner")
    with pytest.raises(Forbidden, match="no one can take it"):
        membership_change(actor=member, membership=of(owner, community), role="member")
    with pytest.raises(Forbidden, match="cannot be suspended or banned"):
        membership_change(actor=member, membership=of(owner, community), status="banned")
    stepped_down = membership_change(actor=owner, membership=of(owner, community),
                                     role="moderator", reason="Too busy")
    assert stepped_down.role == "moderator"


def test_the_last_owner_cannot_step_down(make_community, owner):
    community = make_community()
    with pytest.raises(Conflict) as refusal:
        membership_change(actor=owner, membership=of(owner, community), role="member")
    assert str(refusal.value.message) == (
        "You are the only owner: make someone else an owner first.")
    assert of(owner, community).role == "owner"


def test_only_active_members_become_moderators(make_community, admit, owner, member):
    community = make_community()
    admit(community, member)
    membership_change(actor=owner, membership=of(member, community), status="suspended")
    with pytest.raises(Conflict, match="Only active members"):
        membership_change(actor=owner, membership=of(member, community), role="moderator")
    both = membership_change(actor=owner, membership=of(member, community), role="moderator",
                             status="active", reason="Sorted out")
    assert (both.role, both.status) == ("moderator", "active")


# --- statuses ----------------------------------------------------------------------


def test_moderators_suspend_members_until_a_date(make_community, admit, member, outsider):
    community = make_community()
    moderator = admit(community, member, "moderator")
    plain = admit(community, outsider)
    until = timezone.now() + timedelta(days=7)
    changed = membership_change(actor=moderator.user, membership=plain, status="suspended",
                                reason="Late twice", suspended_until=until)
    assert (changed.status, changed.suspended_until) == ("suspended", until)
    assert of(outsider, community).suspended_until == until
    assert events_of(community)[-1] == (member.email, "status_changed", outsider.email,
                                        "active", "suspended", "Late twice")


def test_a_new_end_lengthens_a_suspension_and_reinstating_clears_it(make_community, admit,
                                                                     owner, member):
    community = make_community()
    admit(community, member)
    first = timezone.now() + timedelta(days=1)
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      suspended_until=first)
    longer = first + timedelta(days=6)
    membership_change(actor=owner, membership=of(member, community),
                      suspended_until=longer, reason="Did it again")
    assert of(member, community).suspended_until == longer
    assert events_of(community)[-1][1:] == ("status_changed", member.email, "suspended",
                                            "suspended", "Did it again")
    back = membership_change(actor=owner, membership=of(member, community), status="active")
    assert (back.status, back.suspended_until) == ("active", None)


def test_a_suspension_ends_in_the_future_and_only_a_suspension_has_an_end(
        make_community, admit, owner, member):
    community = make_community()
    admit(community, member)
    before = rows()
    with pytest.raises(ValidationFailed, match="in the future"):
        membership_change(actor=owner, membership=of(member, community), status="suspended",
                          suspended_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationFailed, match="Only a suspension has an end"):
        membership_change(actor=owner, membership=of(member, community), status="banned",
                          suspended_until=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="Choose active, suspended or banned"):
        membership_change(actor=owner, membership=of(member, community), status="pending")
    with pytest.raises(ValidationFailed, match="Say what to change"):
        membership_change(actor=owner, membership=of(member, community))
    assert rows() == before and of(member, community).status == "active"


def test_only_owners_change_a_moderators_status_and_no_one_an_owners(
        make_community, admit, owner, member, outsider):
    community = make_community()
    admit(community, member, "moderator")
    other = admit(community, outsider, "moderator")
    with pytest.raises(Forbidden, match="Only an owner can change a moderator's status"):
        membership_change(actor=member, membership=other, status="suspended")
    with pytest.raises(Forbidden, match="Only an owner can change a moderator's status"):
        membership_change(actor=member, membership=of(member, community), status="banned")
    with pytest.raises(Forbidden, match="Owners cannot be suspended"):
        membership_change(actor=member, membership=of(owner, community), status="suspended")
    suspended = membership_change(actor=owner, membership=other, status="suspended")
    assert suspended.status == "suspended" and not suspended.is_moderator


def test_a_change_to_nothing_writes_nothing(make_community, admit, owner, member,
                                            django_capture_on_commit_callbacks):
    community = make_community()
    admit(community, member)
    before = rows()
    with django_capture_on_commit_callbacks() as announced:
        membership_change(actor=owner, membership=of(member, community), role="member",
                          status="active")
    assert rows() == before and announced == []


def test_requests_are_answered_not_changed(make_community, owner, member):
    community = make_community(join_policy="approval")
    request = community_join(actor=member, community=community)
    with pytest.raises(Conflict, match="approve or refuse the request first"):
        membership_change(actor=owner, membership=request, status="active")
    with pytest.raises(Conflict, match="approve or refuse the request instead"):
        member_remove(actor=owner, membership=request)
    assert of(member, community).status == "pending"


# --- leaving and removal ------------------------------------------------------------


def test_leaving_deletes_the_membership_and_is_logged(make_community, admit, member):
    community = make_community()
    admit(community, member)
    community_leave(actor=member, community=community)
    assert not Membership.objects.filter(user=member).exists()
    assert events_of(community)[-1] == (member.email, "left", member.email, "active", "", "")


def test_a_request_is_withdrawn_by_leaving(make_community, member):
    community = make_community(join_policy="approval")
    community_join(actor=member, community=community)
    community_leave(actor=member, community=community)
    assert not Membership.objects.filter(user=member).exists()
    assert events_of(community)[-1][1:4] == ("left", member.email, "pending")


def test_the_only_owner_cannot_leave_until_someone_else_owns_it(make_community, admit, owner,
                                                                member):
    community = make_community()
    with pytest.raises(Conflict) as refusal:
        community_leave(actor=owner, community=community)
    assert str(refusal.value.message) == (
        "You are the only owner: hand ownership to someone first.")
    admit(community, member, "owner")
    community_leave(actor=owner, community=community)
    assert list(community.memberships.values_list("user__email", "role")) == [
        (member.email, "owner")]


def test_a_ban_or_a_suspension_is_not_shed_by_leaving(make_community, admit, owner, member,
                                                      outsider):
    community = make_community(join_policy="open")
    admit(community, member)
    admit(community, outsider)
    membership_change(actor=owner, membership=of(member, community), status="banned")
    membership_change(actor=owner, membership=of(outsider, community), status="suspended")
    before = rows()
    with pytest.raises(Forbidden, match="the ban stays"):
        community_leave(actor=member, community=community)
    with pytest.raises(Conflict, match="suspended"):
        community_leave(actor=outsider, community=community)
    assert rows() == before


def test_a_suspended_member_may_leave_once_the_suspension_has_ended(make_community, admit,
                                                                   owner, member,
                                                                   monkeypatch):
    community = make_community()
    admit(community, member)
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      suspended_until=timezone.now() + timedelta(days=2))
    with pytest.raises(Conflict, match="suspended"):
        community_leave(actor=member, community=community)
    later = timezone.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    community_leave(actor=member, community=community)
    assert events_of(community)[-1][1:4] == ("left", member.email, "suspended")


def test_leaving_a_community_one_is_not_in(make_community, member):
    public = make_community("Public")
    private = make_community("Private", visibility="private")
    with pytest.raises(Conflict, match="not a member"):
        community_leave(actor=member, community=public)
    with pytest.raises(NotFound):
        community_leave(actor=member, community=private)


def test_moderators_remove_members_with_a_reason(make_community, admit, member, outsider,
                                                 owner):
    community = make_community()
    admit(community, member, "moderator")
    plain = admit(community, outsider)
    member_remove(actor=member, membership=plain, reason="Moved away")
    assert not Membership.objects.filter(user=outsider).exists()
    assert events_of(community)[-1] == (member.email, "removed", outsider.email, "active", "",
                                        "Moved away")


def test_only_owners_remove_moderators_and_no_one_removes_an_owner(make_community, admit,
                                                                   owner, member, outsider):
    community = make_community()
    admit(community, member, "moderator")
    other = admit(community, outsider, "moderator")
    before = rows()
    with pytest.raises(Forbidden, match="Only an owner can remove a moderator"):
        member_remove(actor=member, membership=other)
    with pytest.raises(Forbidden, match="An owner cannot be removed"):
        member_remove(actor=member, membership=of(owner, community))
    with pytest.raises(Conflict, match="use “Leave”"):
        member_remove(actor=member, membership=of(member, community))
    assert rows() == before
    member_remove(actor=owner, membership=other, reason="Stepped back")
    assert not Membership.objects.filter(user=outsider).exists()


def test_members_cannot_remove_anyone(make_community, admit, member, outsider):
    community = make_community()
    admit(community, member)
    theirs = admit(community, outsider)
    with pytest.raises(Forbidden):
        member_remove(actor=member, membership=theirs)
    assert Membership.objects.filter(user=outsider).exists()


# --- the log and the notifications ----------------------------------------------------


def test_every_change_is_logged_with_who_and_why(make_community, owner, member):
    community = make_community(join_policy="approval")
    request = community_join(actor=member, community=community)
    membership_approve(actor=owner, membership=request, reason="Neighbour")
    membership_change(actor=owner, membership=of(member, community), role="moderator",
                      reason="Helps")
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      reason="Late")
    membership_change(actor=owner, membership=of(member, community), status="active",
                      reason="Back")
    member_remove(actor=owner, membership=of(member, community), reason="Moved")
    assert events_of(community) == [
        (owner.email, "created", owner.email, "", "owner", ""),
        (member.email, "requested", member.email, "", "pending", ""),
        (owner.email, "approved", member.email, "pending", "active", "Neighbour"),
        (owner.email, "role_changed", member.email, "member", "moderator", "Helps"),
        (owner.email, "status_changed", member.email, "active", "suspended", "Late"),
        (owner.email, "status_changed", member.email, "suspended", "active", "Back"),
        (owner.email, "removed", member.email, "active", "", "Moved"),
    ]
    assert all(e.created_at is not None for e in MembershipEvent.objects.all())


def test_a_request_tells_the_moderators(make_community, admit, owner, member, outsider,
                                        inbox, django_capture_on_commit_callbacks):
    community = make_community(join_policy="approval")
    admit(community, member, "moderator")
    owners_box, moderators_box, outsiders_box = inbox(owner), inbox(member), inbox(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        community_join(actor=outsider, community=community)
    expected = [("join_requested", "Outsider Park asks to join Mapo Tool Library.",
                 "/communities/mapo-tool-library/")]

    def told(box):
        return [(p["kind"], p["text"], p["url"]) for p in box()]

    assert told(owners_box) == expected and told(moderators_box) == expected
    assert outsiders_box() == []


def test_the_person_is_told_of_approval_refusal_changes_and_removal(
        make_community, owner, member, outsider, inbox, django_capture_on_commit_callbacks):
    community = make_community(join_policy="approval")
    members_box, outsiders_box = inbox(member), inbox(outsider)
    request = community_join(actor=member, community=community)
    other = community_join(actor=outsider, community=community)
    until = timezone.localtime() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        membership_approve(actor=owner, membership=request)
        membership_refuse(actor=owner, membership=other, reason="Full")
        membership_change(actor=owner, membership=of(member, community), role="moderator")
        membership_change(actor=owner, membership=of(member, community), status="suspended",
                          suspended_until=until, reason="Late")
        member_remove(actor=owner, membership=of(member, community), reason="Moved")
    told = [(p["kind"], p["text"]) for p in members_box()]
    assert told == [
        ("membership_approved", "Your request to join Mapo Tool Library was approved. "
                                "Welcome!"),
        ("role_changed", "Your role in Mapo Tool Library is now: Moderator."),
        ("status_changed", "Your membership of Mapo Tool Library is suspended until "
                           f"{until:%Y-%m-%d %H:%M}. Reason: Late"),
        ("membership_removed", "You were removed from Mapo Tool Library. Reason: Moved"),
    ]
    assert [(p["kind"], p["text"]) for p in outsiders_box()] == [
        ("membership_refused", "Your request to join Mapo Tool Library was not accepted. "
                               "Reason: Full")]


def test_nothing_is_announced_for_a_refused_change(make_community, admit, member, outsider,
                                                   inbox, django_capture_on_commit_callbacks):
    community = make_community()
    admit(community, member)
    theirs = admit(community, outsider)
    box = inbox(outsider)
    with django_capture_on_commit_callbacks(execute=True) as announced:
        with pytest.raises(Forbidden):
            membership_change(actor=member, membership=theirs, status="banned")
    assert announced == [] and box() == []


# --- selectors ----------------------------------------------------------------------


def test_everyone_sees_active_members_and_moderators_see_everyone(make_community, admit,
                                                                 owner, member, outsider):
    from django.contrib.auth.models import AnonymousUser

    community = make_community(join_policy="approval")
    admit(community, member)
    waiting = make_person("waiting@example.org")
    community_join(actor=waiting, community=community)
    banned = admit(community, make_person("banned@example.org"))
    membership_change(actor=owner, membership=banned, status="banned")
    for viewer in (AnonymousUser(), outsider, member):
        seen = selectors.member_list(community=community, viewer=viewer)
        assert [m.user.email for m in seen] == [owner.email, member.email]
    seen = selectors.member_list(community=community, viewer=owner)
    assert {m.status for m in seen} == {"active", "pending", "banned"}
    assert [m.user.email for m in selectors.pending_requests(community=community,
                                                             viewer=owner)] == [waiting.email]
    with pytest.raises(Forbidden):
        selectors.pending_requests(community=community, viewer=member)
    with pytest.raises(Forbidden):
        selectors.membership_events(community=community, viewer=member)


def test_a_private_communitys_members_are_for_its_members(make_community, admit, owner,
                                                          member, outsider):
    community = make_community(visibility="private")
    admit(community, member)
    assert len(selectors.member_list(community=community, viewer=member)) == 2
    for selector in (selectors.member_list, selectors.pending_requests,
                     selectors.membership_events):
        with pytest.raises(NotFound):
            selector(community=community, viewer=outsider)
    with pytest.raises(NotFound):
        selectors.community_get(slug=community.slug, viewer=outsider)


def test_the_list_counts_every_active_member_of_a_private_community(make_community, admit,
                                                                    member, outsider):
    community = make_community(visibility="private")
    admit(community, member)
    admit(community, outsider)
    [listed] = selectors.community_list_with_counts(viewer=member)
    assert listed.active_members == 3
    assert selectors.community_get_with_counts(slug=community.slug,
                                               viewer=member).active_members == 3


def test_a_banned_member_no_longer_sees_a_private_community(make_community, admit, owner,
                                                            member):
    community = make_community(visibility="private")
    admit(community, member)
    assert selectors.community_list(viewer=member).count() == 1
    membership_change(actor=owner, membership=of(member, community), status="banned")
    assert selectors.community_list(viewer=member).count() == 0
