"""Who may moderate whom: the one answer every path asks.

The members page and the members API, the report queue, sanctions and the
rules' own late-return strikes all ask here before they act on a person,
and the listing holds ask here before they hide or lift:

| actor                          | on a member | on a moderator | on an owner | on themselves |
| ------------------------------ | ----------- | -------------- | ----------- | ------------- |
| owner                          | yes         | yes            | no          | no            |
| moderator                      | yes         | no             | no          | no            |
| member, outsider               | no          | no             | no          | no            |
| city staff                     | no: the city's queue hides listings, people answer to their communities |
| the community's rules (no one) | yes         | yes            | yes         | -             |

"Act on" is suspending, banning and reinstating, warnings and strikes, and
removal. Moderators are the active moderators and owners of a community
(`Membership.is_moderator`); a suspended or banned moderator moderates
nothing. Owners answer to no one: no owner suspends, bans, sanctions or
removes another owner, nor themselves (they give up ownership instead).
The rules are the community's own law, so a late return earns an owner a
strike and, in time, a suspension like anyone else.

A listing's moderation hold is put on by the moderators of the community
whose queue the report is in, or by city staff for the city's queue; it is
lifted by a moderator of that community or by city staff.

What is in force (a suspension or a ban) is read from the Sanction rows:
`sanction_in_force` is the one source of truth for "suspended until".
"""

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership, Sanction
from marketplace.errors import Forbidden, NotFound

Role, Status = Membership.Role, Membership.Status

MODERATING_ROLES = (Role.MODERATOR, Role.OWNER)

# What an actor does to a person: their status (suspend, ban, reinstate), a
# sanction that leaves the status alone (a warning, a strike), or removal.
STATUS, SANCTION, REMOVE = "status", "sanction", "remove"


def _person(user) -> bool:
    return user is not None and user.is_authenticated


def is_moderator(*, user, community: Community | None) -> bool:
    """`user` moderates `community`: an active moderator or owner."""
    if not _person(user) or community is None:
        return False
    return Membership.objects.filter(community=community, user=user, status=Status.ACTIVE,
                                     role__in=MODERATING_ROLES).exists()


def moderated_community_ids(user) -> set[int]:
    """Communities `user` moderates (active moderator or owner)."""
    return community_standing(user)[1]


def community_standing(user) -> tuple[set[int], set[int]]:
    """In one query: the communities whose member-only listings `user` may
    see (active and suspended members: a suspended member sees, but may
    not borrow) and those they moderate (active moderator or owner)."""
    if not _person(user):
        return set(), set()
    rows = list(Membership.objects.filter(
        user=user, status__in=[Status.ACTIVE, Status.SUSPENDED]
    ).values_list("community_id", "status", "role"))
    seen = {community_id for community_id, _status, _role in rows}
    moderated = {community_id for community_id, status, role in rows
                 if status == Status.ACTIVE and role in MODERATING_ROLES}
    return seen, moderated


def moderator_ids(community: Community) -> list[int]:
    """Who moderates `community`: to tell them of a request or a report."""
    return moderators_of([community.pk]).get(community.pk, [])


def moderators_of(community_ids) -> dict[int, list[int]]:
    """{community id: its moderators' ids} for many communities, in one
    query, with no need to load them."""
    moderators: dict[int, list[int]] = {}
    for community_id, user_id in (
            Membership.objects.filter(community_id__in=list(community_ids),
                                      status=Status.ACTIVE, role__in=MODERATING_ROLES)
            .order_by("pk").values_list("community_id", "user_id")):
        moderators.setdefault(community_id, []).append(user_id)
    return moderators


def hidden_from(community: Community, membership: Membership | None) -> bool:
    """A private community shows itself to its members only (those waiting
    or suspended included, the banned not), as selectors.community_list."""
    return community.visibility == Community.Visibility.PRIVATE and (
        membership is None or membership.status == Status.BANNED)


def require_moderator(*, community: Community, user, message: str | None = None
                      ) -> Membership:
    """The user's own membership if they moderate the community; NotFound
    for someone a private community does not show itself to; Forbidden,
    saying `message`, for everyone else."""
    if not _person(user):
        raise Forbidden(_("Log in first."))
    mine = Membership.objects.filter(community=community, user=user).first()
    if mine is not None and mine.is_moderator:
        return mine
    if hidden_from(community, mine):
        raise NotFound()
    raise Forbidden(message or _("Only the community's moderators can do that."))


def moderates_queue(*, user, community: Community | None) -> bool:
    """The report queue of a community is its moderators'; the city's queue
    (reports about what no community answers for) is city staff's."""
    if community is None:
        return _person(user) and bool(user.is_staff)
    return is_moderator(user=user, community=community)


def may_lift_hold(*, user, community: Community | None) -> bool:
    """A hold put on from a community's queue is lifted by its moderators or
    by city staff; one from the city's queue by city staff."""
    if _person(user) and user.is_staff:
        return True
    return is_moderator(user=user, community=community)


def _owner_refusal(act: str) -> str:
    if act == REMOVE:
        return _("An owner cannot be removed: only they can give up ownership.")
    if act == SANCTION:
        return _("Owners cannot be warned or given strikes.")
    return _("Owners cannot be suspended or banned.")


def _moderator_refusal(act: str) -> str:
    if act == REMOVE:
        return _("Only an owner can remove a moderator.")
    if act == SANCTION:
        return _("Only an owner can sanction a moderator.")
    return _("Only an owner can change a moderator's status.")


def refusal_to_act(*, actor: Membership | None, target: Membership, act: str) -> str | None:
    """Why `actor` (their membership; None: the community's rules) may not
    do `act` to `target`, or None when they may (the table above)."""
    if actor is None:
        return None
    if actor.community_id != target.community_id or not actor.is_moderator:
        return _("Only the community's moderators can do that.")
    if target.role == Role.OWNER:
        return _owner_refusal(act)
    if target.role == Role.MODERATOR and actor.role != Role.OWNER:
        return _moderator_refusal(act)
    if target.user_id == actor.user_id:
        return _("No one can sanction themselves.")
    return None


def may_act_on(*, actor: Membership | None, target: Membership, act: str = STATUS) -> bool:
    return refusal_to_act(actor=actor, target=target, act=act) is None


def require_may_act_on(*, actor: Membership | None, target: Membership,
                       act: str = STATUS) -> None:
    refusal = refusal_to_act(actor=actor, target=target, act=act)
    if refusal is not None:
        raise Forbidden(refusal)


def sanction_in_force(*, community: Community, user, now=None) -> Sanction | None:
    """The ban or suspension `user` is under in `community` now, or None: a
    ban first, else the suspension that ends last (one without an end
    first). Lifted ones and those whose end has passed are not in force."""
    if community is None or not _person(user):
        return None
    now = now or timezone.now()
    return (Sanction.objects
            .filter(community=community, user=user, lifted_at__isnull=True,
                    kind__in=[Sanction.Kind.BAN, Sanction.Kind.SUSPENSION])
            .filter(Q(until__isnull=True) | Q(until__gt=now))
            .order_by("kind", F("until").desc(nulls_first=True), "-created_at", "-id")
            .first())
