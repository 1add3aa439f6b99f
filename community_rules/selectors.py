"""Reads about communities and memberships. Visibility is decided here."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from community_rules.invites import Invite, invite_read
from community_rules.models import (
    Community,
    Membership,
    MembershipEvent,
    ModerationLog,
    Sanction,
)
from community_rules.policy import is_moderator
from marketplace.errors import Forbidden, NotFound

# Who sees a private community: its members, also those waiting or
# suspended; not the banned.
SEEING_STATUSES = (Membership.Status.ACTIVE, Membership.Status.PENDING,
                   Membership.Status.SUSPENDED)


def active_community_ids(user) -> set[int]:
    """Communities in which `user` is an active member (any role)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def membership_get(*, community: Community, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def community_list(*, viewer) -> QuerySet[Community]:
    """Public communities, and private ones the viewer belongs to (any status
    but banned). An EXISTS, not a join: no duplicate rows, and counts
    annotated afterwards count every member, not just the viewer."""
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(Exists(Membership.objects.filter(
            community_id=OuterRef("pk"), user=viewer, status__in=SEEING_STATUSES)))
    return Community.objects.filter(visible)


def community_get(*, slug: str, viewer) -> Community:
    """The community, or NotFound when it does not exist or is private to the
    viewer (private things are not revealed)."""
    community = community_list(viewer=viewer).filter(slug=slug).first()
    if community is None:
        raise NotFound()
    return community


def _with_member_count(communities: QuerySet[Community]) -> QuerySet[Community]:
    return communities.annotate(active_members=Count(
        "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))


def community_list_with_counts(*, viewer) -> QuerySet[Community]:
    """community_list by name, each with `active_members`, its number of
    active members (in the same query)."""
    return _with_member_count(community_list(viewer=viewer)).order_by("name", "pk")


def community_get_with_counts(*, slug: str, viewer) -> Community:
    """community_get with `active_members`, in one query."""
    community = _with_member_count(community_list(viewer=viewer).filter(slug=slug)).first()
    if community is None:
        raise NotFound()
    return community


def community_get_for_joining(*, slug: str, viewer, invite_token: str | None) -> Community:
    """The community someone asks to join: one they may see, or the one a
    valid invite names (a private community shows itself to whoever holds
    an invite to it). A broken or expired invite is refused saying so; an
    invite for another community is refused when joining (services)."""
    if invite_token:
        invite = invite_read(invite_token)
        community = Community.objects.filter(pk=invite.community_id, slug=slug).first()
        if community is not None:
            return community
    return community_get(slug=slug, viewer=viewer)


def community_get_by_invite(*, invite_token: str) -> tuple[Community, Invite]:
    """The community an invite names, with the invite; Forbidden when the
    invite is broken or expired, NotFound when the community is gone."""
    invite = invite_read(invite_token)
    community = Community.objects.filter(pk=invite.community_id).first()
    if community is None:
        raise NotFound()
    return community, invite


def memberships_by_community(*, user, communities) -> dict[int, Membership]:
    """The user's memberships in these communities, by community id: one
    query for a whole page of communities."""
    if user is None or not user.is_authenticated:
        return {}
    return {m.community_id: m for m in Membership.objects.filter(
        user=user, community__in=[c.pk for c in communities])}


def _require_seeing(community: Community, viewer) -> Membership | None:
    """The viewer's membership; NotFound when the community is private and
    the viewer is not in it."""
    mine = membership_get(community=community, user=viewer)
    if community.visibility == Community.Visibility.PRIVATE and (
            mine is None or mine.status not in SEEING_STATUSES):
        raise NotFound()
    return mine


def member_list(*, community: Community, viewer) -> QuerySet[Membership]:
    """Who the viewer may see in the community: owners first, then
    moderators, then members, earliest first. Everyone who may see the
    community sees its active members (a private one: its members only,
    NotFound for others); its moderators also see those waiting, suspended
    and banned."""
    mine = _require_seeing(community, viewer)
    # "owner" > "moderator" > "member" as text: owners first.
    members = community.memberships.select_related("user__profile").order_by(
        "-role", F("joined_at").asc(nulls_last=True), "requested_at", "id")
    if mine is not None and mine.is_moderator:
        return members
    return members.filter(status=Membership.Status.ACTIVE)


def _require_moderator(community: Community, viewer) -> None:
    mine = _require_seeing(community, viewer)
    if mine is None or not mine.is_moderator:
        raise Forbidden(_("Only the community's moderators can see this."))


def pending_requests(*, community: Community, viewer) -> QuerySet[Membership]:
    """Requests to join waiting for an answer, oldest first: moderators
    only."""
    _require_moderator(community, viewer)
    return (community.memberships.filter(status=Membership.Status.PENDING)
            .select_related("user__profile").order_by("requested_at", "id"))


def membership_events(*, community: Community, viewer) -> QuerySet[MembershipEvent]:
    """The membership audit log, newest first: moderators only."""
    _require_moderator(community, viewer)
    return community.events.select_related("user__profile", "actor__profile")


def member_count(*, community: Community) -> int:
    """Active members (any role)."""
    count = getattr(community, "active_members", None)
    if count is None:
        count = community.memberships.filter(status=Membership.Status.ACTIVE).count()
    return count


def member_get(*, community: Community, user_id: int) -> Membership:
    """One person's membership (any status) in a community the caller has
    already been allowed to see; NotFound when they are not in it."""
    membership = (community.memberships.select_related("user__profile")
                  .filter(user_id=user_id).first())
    if membership is None:
        raise NotFound(_("This person is not in the community."))
    membership.community = community
    return membership


def membership_locked(*, community, user) -> Membership | None:
    """The person's membership, locked until the transaction ends, so that
    rule checks which count (active bookings, listings per member) run one
    at a time per member and community. On SQLite the IMMEDIATE transaction
    already holds the write lock; PostgreSQL locks the row."""
    if community is None or user is None:
        return None
    return Membership.objects.select_for_update().filter(community=community, user=user).first()


def moderator_dashboard(*, community: Community, viewer) -> dict:
    """What a community's moderators keep an eye on: requests to join, the
    latest sanctions, the moderation log and the membership log. Forbidden
    for anyone but its moderators. (Reports and complaints are moderation's
    to read.)"""
    if not is_moderator(community=community, user=viewer):
        raise Forbidden(_("Only moderators see the dashboard."))
    return {
        "pending": community.memberships.filter(status=Membership.Status.PENDING)
        .select_related("user__profile"),
        "sanctions": Sanction.objects.filter(community=community)
        .select_related("user__profile", "given_by__profile")[:50],
        "log": ModerationLog.objects.filter(community=community)
        .select_related("actor__profile")[:100],
        "membership_events": MembershipEvent.objects.filter(community=community)
        .select_related("actor__profile", "user__profile")[:50],
    }
