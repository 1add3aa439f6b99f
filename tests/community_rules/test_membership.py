"""Joining and membership: each join policy, invites, roles, statuses,
leaving, removal, the audit of every change, and privacy."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from community_rules.models import Community, Membership, MembershipEvent
from community_rules.services import (
    community_create,
    community_join,
    community_leave,
    invite_create,
    member_remove,
    membership_approve,
    membership_change,
    membership_refuse,
)
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def make(owner, **policy):
    return community_create(actor=owner, name="Mapo Tool Library", **policy)


def test_the_creator_is_owner_and_the_slug_is_made_from_the_name(owner):
    community = make(owner)
    assert community.slug == "mapo-tool-library"
    assert Membership.objects.get(community=community, user=owner).role == "owner"
    korean = community_create(actor=owner, name="마포 공구도서관")
    assert korean.slug.startswith("community-")
    assert make(owner).slug == "mapo-tool-library-2"


def test_joining_an_open_community_is_immediate(owner, member):
    membership = community_join(actor=member, community=make(owner, join_policy="open"))
    assert membership.status == "active" and membership.joined_at is not None


def test_an_approval_community_makes_a_request_a_moderator_answers(owner, member, outsider):
    community = make(owner, join_policy="approval")
    request = community_join(actor=member, community=community)
    assert request.status == "pending" and request.joined_at is None
    with pytest.raises(Forbidden):
        membership_approve(actor=outsider, membership=request)
    assert membership_approve(actor=owner, membership=request).status == "active"
    second = community_join(actor=outsider, community=community)
    membership_refuse(actor=owner, membership=second, reason="Not from this building")
    assert not Membership.objects.filter(user=outsider).exists()
    refused = MembershipEvent.objects.get(action="refused")
    assert (refused.actor, refused.user, refused.reason) == (
        owner, outsider, "Not from this building")


def test_an_invite_community_needs_a_valid_invite(owner, member, outsider):
    community = make(owner, join_policy="invite")
    with pytest.raises(Forbidden, match="invite only"):
        community_join(actor=member, community=community)
    token = invite_create(actor=owner, community=community)
    assert community_join(actor=member, community=community,
                          invite_token=token).status == "active"

    other = community_create(actor=owner, name="Other", join_policy="invite")
    with pytest.raises(Forbidden, match="another community"):
        community_join(actor=outsider, community=other, invite_token=token)
    with pytest.raises(Forbidden, match="not valid"):
        community_join(actor=outsider, community=community, invite_token=token + "x")
    expired = signing.dumps({"c": community.pk,
                             "e": int((timezone.now() - timedelta(days=1)).timestamp())},
                            salt="nanum.community.invite")
    with pytest.raises(Forbidden, match="expired"):
        community_join(actor=outsider, community=community, invite_token=expired)
    with pytest.raises(Forbidden):
        invite_create(actor=member, community=community)


def test_joining_twice_and_banned_people_are_refused(owner, member):
    community = make(owner)
    community_join(actor=member, community=community)
    with pytest.raises(Conflict, match="already a member"):
        community_join(actor=member, community=community)
    membership = Membership.objects.get(user=member)
    membership_change(actor=owner, membership=membership, status="banned", reason="Theft")
    community_leave_refused = pytest.raises(Forbidden)
    with community_leave_refused:
        community_join(actor=member, community=community)


def test_a_member_cannot_make_a_moderator(owner, member, outsider):
    community = make(owner)
    mine = community_join(actor=member, community=community)
    theirs = community_join(actor=outsider, community=community)
    with pytest.raises(Forbidden):
        membership_change(actor=member, membership=theirs, role="moderator")
    assert Membership.objects.get(pk=theirs.pk).role == "member"
    membership_change(actor=owner, membership=mine, role="moderator", reason="Runs Saturdays")
    # A moderator still cannot make moderators: owners alone do.
    with pytest.raises(Forbidden, match="owner"):
        membership_change(actor=member, membership=theirs, role="moderator")
    event = MembershipEvent.objects.get(action="role_changed")
    assert (event.actor, event.from_value, event.to_value, event.reason) == (
        owner, "member", "moderator", "Runs Saturdays")


def test_moderators_suspend_members_but_not_other_moderators(owner, member, outsider):
    community = make(owner)
    moderator = community_join(actor=member, community=community)
    membership_change(actor=owner, membership=moderator, role="moderator")
    plain = community_join(actor=outsider, community=community)
    until = timezone.now() + timedelta(days=7)
    changed = membership_change(actor=member, membership=plain, status="suspended",
                                reason="Late twice", suspended_until=until)
    assert changed.status == "suspended" and changed.suspended_until == until
    with pytest.raises(Forbidden):
        membership_change(actor=member, membership=Membership.objects.get(user=owner),
                          status="suspended")
    with pytest.raises(ValidationFailed):
        membership_change(actor=owner, membership=plain, status="pending")


def test_the_last_owner_can_neither_leave_nor_be_demoted(owner, member):
    community = make(owner)
    with pytest.raises(Conflict, match="only owner"):
        community_leave(actor=owner, community=community)
    with pytest.raises(Conflict):
        membership_change(actor=owner, membership=Membership.objects.get(user=owner),
                          role="member")
    other = community_join(actor=member, community=community)
    membership_change(actor=owner, membership=other, role="owner")
    community_leave(actor=owner, community=community)
    assert not Membership.objects.filter(user=owner).exists()
    assert MembershipEvent.objects.filter(action="left", user=owner).exists()


def test_moderators_remove_members_with_a_reason(owner, member):
    community = make(owner)
    membership = community_join(actor=member, community=community)
    member_remove(actor=owner, membership=membership, reason="Moved away")
    assert not Membership.objects.filter(user=member).exists()
    assert MembershipEvent.objects.get(action="removed").reason == "Moved away"


def test_joining_an_approval_community_tells_its_moderators(owner, member,
                                                            django_capture_on_commit_callbacks):
    community = make(owner, join_policy="approval")
    with django_capture_on_commit_callbacks() as sent:
        community_join(actor=member, community=community)
    assert len(sent) == 1


def test_refused_actions_leave_no_rows(owner, member):
    community = make(owner, join_policy="invite")
    before = (Membership.objects.count(), MembershipEvent.objects.count())
    with pytest.raises(Forbidden):
        community_join(actor=member, community=community)
    assert (Membership.objects.count(), MembershipEvent.objects.count()) == before


def test_private_invite_community_is_not_revealed(owner, member):
    community = make(owner, join_policy="invite", visibility="private")
    with pytest.raises(NotFound):
        community_join(actor=member, community=community)
    assert Community.objects.count() == 1
