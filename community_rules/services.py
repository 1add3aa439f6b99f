"""Communities and their members: create, join (open, approval, invite),
approve or refuse, roles and statuses, leave, remove. Every change of a
role or a status is recorded with who, when and why."""

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership, MembershipEvent
from marketplace import events
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

INVITE_SALT = "nanum.community.invite"
Role, Status, Action = Membership.Role, Membership.Status, MembershipEvent.Action


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or f"community-{secrets.token_hex(3)}"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _record(membership_or_community, *, user, actor, action, from_value="", to_value="",
            reason="") -> None:
    community = getattr(membership_or_community, "community", membership_or_community)
    MembershipEvent.objects.create(community=community, user=user, actor=actor, action=action,
                                   from_value=from_value, to_value=to_value, reason=reason)


def _tell(user_id: int, community: Community, kind: str, text: str) -> None:
    events.send_to_user_on_commit(user_id, {"type": "notification", "kind": kind,
                                            "community": community.slug, "text": text})


def _choices_ok(errors: dict, **values) -> None:
    options = {"join_policy": Community.JoinPolicy, "visibility": Community.Visibility,
               "governance": Community.Governance}
    for field, value in values.items():
        if value not in options[field].values:
            errors[field] = [_("Choose one of: %(options)s.") % {
                "options": ", ".join(options[field].values)}]


@transaction.atomic
def community_create(*, actor, name: str, description: str = "", district: str = "",
                     join_policy: str = "open", visibility: str = "public",
                     governance: str = "moderated") -> Community:
    """Anyone starts a community and becomes its owner."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the community a name.")]
    _choices_ok(errors, join_policy=join_policy, visibility=visibility, governance=governance)
    if errors:
        raise ValidationFailed(fields=errors)
    community = Community.objects.create(
        name=name.strip(), slug=_unique_slug(name), description=description,
        district=district, join_policy=join_policy, visibility=visibility,
        governance=governance, created_by=actor)
    Membership.objects.create(community=community, user=actor, role=Role.OWNER,
                              status=Status.ACTIVE, joined_at=timezone.now())
    _record(community, user=actor, actor=actor, action=Action.CREATED, to_value=Role.OWNER)
    return community


@transaction.atomic
def community_update(*, actor, community: Community, **changes) -> Community:
    """Moderators edit the description, district, join policy and visibility
    (the governance mode changes by the rules' own process)."""
    _require_moderator(community, actor)
    allowed = {"name", "description", "district", "join_policy", "visibility"}
    unknown = set(changes) - allowed
    errors = {name: [_("This cannot be changed here.")] for name in unknown}
    _choices_ok(errors, **{k: v for k, v in changes.items()
                           if k in ("join_policy", "visibility")})
    if errors:
        raise ValidationFailed(fields=errors)
    for name, value in changes.items():
        setattr(community, name, value)
    community.save()
    return community


def invite_create(*, actor, community: Community, days: int = 7) -> str:
    """A moderator makes an invite link's token: signed, for this community,
    valid for `days` days."""
    _require_moderator(community, actor)
    expires = int((timezone.now() + timedelta(days=days)).timestamp())
    return signing.dumps({"c": community.pk, "e": expires}, salt=INVITE_SALT)


def invite_check(token: str) -> tuple[int, datetime]:
    """The community and expiry an invite token carries, or Forbidden
    saying what is wrong with it."""
    try:
        payload = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature as error:
        raise Forbidden(_("This invite link is not valid.")) from error
    expires = datetime.fromtimestamp(payload["e"], tz=timezone.get_current_timezone())
    if expires < timezone.now():
        raise Forbidden(_("This invite link has expired. Ask a moderator for a new one."))
    return payload["c"], expires


@transaction.atomic
def community_join(*, actor, community: Community,
                   invite_token: str | None = None) -> Membership:
    """Join: at once in an open community, as a request in an approval
    community, with a valid invite in an invite-only one (an invite also
    lets someone straight into the others). Banned people cannot return."""
    existing = Membership.objects.select_for_update().filter(community=community,
                                                             user=actor).first()
    if existing is not None:
        if existing.status == Status.BANNED:
            raise Forbidden(_("You were banned from this community."))
        if existing.status == Status.PENDING:
            raise Conflict(_("Your request to join is waiting for a moderator."))
        raise Conflict(_("You are already a member."))
    invited = False
    if invite_token:
        community_id, _expires = invite_check(invite_token)
        if community_id != community.pk:
            raise Forbidden(_("This invite is for another community."))
        invited = True
    if community.join_policy == Community.JoinPolicy.INVITE and not invited:
        if community.visibility == Community.Visibility.PRIVATE:
            raise NotFound()
        raise Forbidden(_("This community is invite only: ask a member for an invite link."))
    direct = invited or community.join_policy == Community.JoinPolicy.OPEN
    try:
        membership = Membership.objects.create(
            community=community, user=actor, role=Role.MEMBER,
            status=Status.ACTIVE if direct else Status.PENDING,
            joined_at=timezone.now() if direct else None)
    except IntegrityError as error:
        raise Conflict(_("You are already a member.")) from error
    _record(membership, user=actor, actor=actor,
            action=Action.JOINED if direct else Action.REQUESTED, to_value=membership.status,
            reason=_("invited") if invited else "")
    if not direct:
        for moderator_id in community.memberships.filter(
                status=Status.ACTIVE, role__in=[Role.MODERATOR, Role.OWNER]).values_list(
                "user_id", flat=True):
            _tell(moderator_id, community, "join_requested", str(actor.display_name))
    return membership


def _membership_of(community: Community, user) -> Membership | None:
    return Membership.objects.filter(community=community, user=user).first()


def _require_moderator(community: Community, user) -> Membership:
    mine = _membership_of(community, user)
    if mine is None or not mine.is_moderator:
        if community.visibility == Community.Visibility.PRIVATE and not (
                mine and mine.is_active):
            raise NotFound()
        raise Forbidden(_("Only the community's moderators can do that."))
    return mine


def _outranks(mine: Membership, theirs: Membership) -> bool:
    """Owners act on anyone; moderators only on plain members."""
    return mine.role == Role.OWNER or theirs.role == Role.MEMBER


@transaction.atomic
def membership_approve(*, actor, membership: Membership, reason: str = "") -> Membership:
    _require_moderator(membership.community, actor)
    if membership.status != Status.PENDING:
        raise Conflict(_("This person is not waiting to join."))
    Membership.objects.filter(pk=membership.pk).update(status=Status.ACTIVE,
                                                       joined_at=timezone.now())
    membership.refresh_from_db()
    _record(membership, user=membership.user, actor=actor, action=Action.APPROVED,
            from_value=Status.PENDING, to_value=Status.ACTIVE, reason=reason)
    _tell(membership.user_id, membership.community, "membership_approved",
          _("Welcome to %(name)s!") % {"name": membership.community.name})
    return membership


@transaction.atomic
def membership_refuse(*, actor, membership: Membership, reason: str = "") -> None:
    _require_moderator(membership.community, actor)
    if membership.status != Status.PENDING:
        raise Conflict(_("This person is not waiting to join."))
    _record(membership, user=membership.user, actor=actor, action=Action.REFUSED,
            from_value=Status.PENDING, reason=reason)
    membership.delete()
    _tell(membership.user_id, membership.community, "membership_refused",
          reason or _("Your request to join was not accepted."))


@transaction.atomic
def membership_change(*, actor, membership: Membership, role: str | None = None,
                      status: str | None = None, reason: str = "",
                      suspended_until=None) -> Membership:
    """Moderators change a member's status; owners alone make or unmake
    moderators and owners; no one demotes the last owner."""
    community = membership.community
    mine = _require_moderator(community, actor)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not _outranks(mine, membership) or (membership.user_id == actor.pk and role
                                           and mine.role != Role.OWNER):
        raise Forbidden(_("Only the owner can change a moderator."))
    if role is not None:
        if role not in Role.values:
            raise ValidationFailed(fields={"role": [_("Choose member, moderator or owner.")]})
        if role != membership.role and (Role.MODERATOR in (role, membership.role)
                                        or Role.OWNER in (role, membership.role)):
            if mine.role != Role.OWNER:
                raise Forbidden(_("Only the owner can make or unmake moderators."))
        if membership.role == Role.OWNER and role != Role.OWNER:
            owners = community.memberships.filter(role=Role.OWNER, status=Status.ACTIVE)
            if owners.count() <= 1:
                raise Conflict(_("A community needs an owner: make someone else owner "
                                 "first."))
        if role != membership.role:
            _record(membership, user=membership.user, actor=actor, action=Action.ROLE_CHANGED,
                    from_value=membership.role, to_value=role, reason=reason)
            membership.role = role
    if status is not None:
        if status not in (Status.ACTIVE, Status.SUSPENDED, Status.BANNED):
            raise ValidationFailed(fields={"status": [_("Choose active, suspended or "
                                                        "banned.")]})
        if membership.role == Role.OWNER and status != Status.ACTIVE:
            raise Forbidden(_("An owner cannot be suspended or banned."))
        if status == Status.SUSPENDED and suspended_until is not None and (
                suspended_until <= timezone.now()):
            raise ValidationFailed(fields={"suspended_until": [
                _("A suspension ends in the future.")]})
        if status != membership.status:
            _record(membership, user=membership.user, actor=actor,
                    action=Action.STATUS_CHANGED, from_value=membership.status,
                    to_value=status, reason=reason)
            membership.status = status
            membership.suspended_until = suspended_until if status == Status.SUSPENDED else None
            if status == Status.ACTIVE and membership.joined_at is None:
                membership.joined_at = timezone.now()
    membership.save()
    _tell(membership.user_id, community, "membership_changed",
          reason or _("Your membership changed."))
    return membership


@transaction.atomic
def community_leave(*, actor, community: Community) -> None:
    """Leave a community. The only owner hands ownership on first."""
    membership = _membership_of(community, actor)
    if membership is None:
        raise NotFound()
    if membership.status == Status.BANNED:
        raise Forbidden(_("You were banned from this community."))
    if membership.role == Role.OWNER and not community.memberships.filter(
            role=Role.OWNER, status=Status.ACTIVE).exclude(pk=membership.pk).exists():
        raise Conflict(_("You are the only owner: hand ownership to someone first."))
    _record(membership, user=actor, actor=actor, action=Action.LEFT,
            from_value=membership.status)
    membership.delete()


@transaction.atomic
def member_remove(*, actor, membership: Membership, reason: str = "") -> None:
    """A moderator removes a member (owners may remove moderators)."""
    mine = _require_moderator(membership.community, actor)
    if membership.user_id == actor.pk:
        raise Conflict(_("To leave, use “Leave”."))
    if not _outranks(mine, membership):
        raise Forbidden(_("Only the owner can remove a moderator."))
    _record(membership, user=membership.user, actor=actor, action=Action.REMOVED,
            from_value=membership.status, reason=reason)
    membership.delete()
    _tell(membership.user_id, membership.community, "membership_removed",
          reason or _("You were removed from the community."))
