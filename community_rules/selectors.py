"""Reads about communities and memberships. Visibility is decided here."""

from django.db.models import Q, QuerySet

from community_rules.models import Community, Membership
from marketplace.errors import Forbidden, NotFound


def active_community_ids(user) -> set[int]:
    """Communities in which `user` is an active member (any role)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def member_community_ids(user) -> set[int]:
    """Communities whose member-only listings `user` may see: active and
    suspended members (a suspended member sees, but may not borrow)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, status__in=[Membership.Status.ACTIVE, Membership.Status.SUSPENDED]
        ).values_list("community_id", flat=True)
    )


def moderated_community_ids(user) -> set[int]:
    """Communities `user` moderates (active moderator or owner)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user,
            status=Membership.Status.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        ).values_list("community_id", flat=True)
    )


def membership_get(*, community: Community, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def is_moderator(*, community: Community, user) -> bool:
    membership = membership_get(community=community, user=user)
    return membership is not None and membership.is_moderator


def community_list(*, viewer) -> QuerySet[Community]:
    """Public communities, and private ones the viewer belongs to (any status
    but banned)."""
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(
            memberships__user=viewer,
            memberships__status__in=[
                Membership.Status.ACTIVE, Membership.Status.PENDING, Membership.Status.SUSPENDED
            ],
        )
    return Community.objects.filter(visible).distinct()


def community_get(*, slug: str, viewer) -> Community:
    """The community, or NotFound when it does not exist or is private to the
    viewer (private things are not revealed)."""
    community = community_list(viewer=viewer).filter(slug=slug).first()
    if community is None:
        raise NotFound()
    return community


def member_list(*, community: Community, viewer) -> QuerySet[Membership]:
    """Active members for everyone who may see the community; moderators
    also see those pending, suspended and banned."""
    members = community.memberships.select_related("user__profile").order_by(
        "-role", "joined_at", "id")
    if is_moderator(community=community, user=viewer):
        return members
    return members.filter(status=Membership.Status.ACTIVE)


def membership_events(*, community: Community, viewer):
    """The membership audit log, for moderators only."""
    if not is_moderator(community=community, user=viewer):
        raise Forbidden()
    return community.events.select_related("user__profile", "actor__profile")
