"""Communities and their members: create and edit, join (open, approval,
invite), approve or refuse, roles and statuses, leave, remove.

Who may do what:

- Anyone signed in starts a community and becomes its owner.
- Moderators (and owners) admit and refuse, make invite links, suspend, ban,
  reinstate and remove plain members, and edit the community's description.
- Owners alone give or take the moderator and owner roles, and alone change
  or remove moderators. A community may have several owners; an owner gives
  the owner role to someone active, and gives up their own by changing their
  role, but no one takes it from another owner, suspends, bans or removes an
  owner. The last owner can neither step down nor leave.
  (community_rules/policy.py is where who may act on whom is decided.)

Every suspension and ban, from the members page, a report, a sanction or
the late-return rules, goes through `member_suspend` and `member_ban` (and
ends through `member_reinstate`): the Sanction row is the suspension, the
membership's status and `suspended_until` mirror it.

Every change of a role or a status, and every arrival and departure, leaves
a MembershipEvent: who did it to whom, when, from what to what, and why.
The person concerned is told through their socket once the change commits.
"""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community_rules import policy
from community_rules.invites import (
    MAX_DAYS,
    MIN_DAYS,
    Invite,
    invite_read,
    invite_revoked,
    invite_token,
)
from community_rules.models import (
    Community,
    Membership,
    MembershipEvent,
    ModerationLog,
    Sanction,
)
from marketplace import events
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

Role, Status, Action = Membership.Role, Membership.Status, MembershipEvent.Action

# Paths under /communities/ that a community's slug must not take.
RESERVED_SLUGS = frozenset({"new", "join"})
# What community_update may change; the governance mode changes by the
# community's own rules (the community-rules issue), not here.
EDITABLE_FIELDS = ("name", "description", "district", "join_policy", "visibility")
# The statuses a moderator sets; "pending" is only ever a request to join.
SETTABLE_STATUSES = (Status.ACTIVE, Status.SUSPENDED, Status.BANNED)

CHOICES = {"join_policy": Community.JoinPolicy, "visibility": Community.Visibility,
           "governance": Community.Governance}


# --- helpers -----------------------------------------------------------------


def _require_person(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Log in first."))


def _membership_of(community: Community, user, *, lock: bool = False) -> Membership | None:
    rows = Membership.objects.select_for_update() if lock else Membership.objects
    return rows.filter(community=community, user=user).first()


_hidden_from = policy.hidden_from


def _require_moderator(community: Community, actor) -> Membership:
    """The actor's own membership if they moderate the community; NotFound
    for an outsider of a private community (it is not revealed)."""
    return policy.require_moderator(community=community, user=actor)


def _locked(membership: Membership) -> Membership:
    """The membership as it is now, locked until the transaction ends, so
    two moderators acting at once cannot both succeed."""
    current = (Membership.objects.select_for_update(of=("self",))
               .select_related("community", "user__profile").filter(pk=membership.pk).first())
    if current is None:
        raise Conflict(_("This person is no longer in the community."))
    return current


def _another_active_owner(membership: Membership) -> bool:
    # The owners' rows are locked: two owners stepping down at once cannot
    # both see the other one still there.
    owners = list(Membership.objects.select_for_update().filter(
        community_id=membership.community_id, role=Role.OWNER, status=Status.ACTIVE)
        .values_list("pk", flat=True))
    return any(pk != membership.pk for pk in owners)


def _record(community: Community, *, user, actor, action: str, from_value: str = "",
            to_value: str = "", reason: str = "") -> MembershipEvent:
    return MembershipEvent.objects.create(
        community=community, user=user, actor=actor, action=action,
        from_value=from_value, to_value=to_value, reason=reason)


def _tell(user_ids, community: Community, kind: str, reason: str = "", **words) -> None:
    """A notification about the person's membership; messaging words it
    from `kind` and these few words, in the reader's language."""
    events.notify(user_ids, kind, url=f"/communities/{community.slug}/", data={
        "community": community.slug, "community_name": community.name,
        "reason": reason, **words})


def _rights_may_shrink(membership: Membership) -> None:
    """A moderator (or owner) stops being one, or stops being active: their
    open conversation sockets about the community's own listings check
    again whether they still take part (marketplace.events)."""
    if membership.role in policy.MODERATING_ROLES:
        events.access_changed_on_commit(membership.user_id)


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationFailed(fields={"reason": [_("Keep the reason under 2,000 characters.")]})
    return reason


def _checked(community: Community) -> None:
    """The community's fields as a refusal that names each wrong one."""
    errors = {}
    community.name = (community.name or "").strip()
    community.description = (community.description or "").strip()
    community.district = (community.district or "").strip()
    if not community.name:
        errors["name"] = [_("Give the community a name.")]
    for field, choices in CHOICES.items():
        if getattr(community, field) not in choices.values:
            errors[field] = [_("Choose one of: %(options)s.") % {
                "options": ", ".join(choices.values)}]
    try:
        community.full_clean(exclude=["slug", "created_by", *errors], validate_unique=False)
    except DjangoValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, [str(message) for message in messages])
    if errors:
        raise ValidationFailed(fields=errors)


def _community_slug(name: str) -> str:
    # slugify keeps ASCII only: a Korean-only name gives "", so it gets a
    # random slug rather than a transliteration.
    base = slugify(name)[:60].strip("-") or f"community-{secrets.token_hex(3)}"
    taken = RESERVED_SLUGS | set(
        Community.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def suspension_over(membership: Membership, now: datetime | None = None) -> bool:
    """A suspension with an end date is over once that date has passed (as
    the rules engine sees it), even before anyone reinstates the person."""
    return (membership.status == Status.SUSPENDED and membership.suspended_until is not None
            and membership.suspended_until <= (now or timezone.now()))


def _entering(community: Community, user) -> tuple[str, datetime | None]:
    """The status and suspension end of someone let in: suspended while a
    suspension given earlier is still in force (leaving, being removed or
    joining again does not shed it), else active."""
    sanction = policy.sanction_in_force(community=community, user=user)
    if sanction is not None and sanction.kind == Sanction.Kind.SUSPENSION:
        return Status.SUSPENDED, sanction.until
    return Status.ACTIVE, None


# --- communities ---------------------------------------------------------------


@transaction.atomic
def community_create(*, actor, name: str, description: str = "", district: str = "",
                     join_policy: str = Community.JoinPolicy.OPEN,
                     visibility: str = Community.Visibility.PUBLIC,
                     governance: str = Community.Governance.MODERATED) -> Community:
    """Anyone signed in starts a community and becomes its active owner. The
    slug comes from the name (a random one for names with no Latin letters),
    with a number added when it is taken; it never changes afterwards."""
    _require_person(actor)
    community = Community(name=name, description=description, district=district,
                          join_policy=join_policy, visibility=visibility,
                          governance=governance, created_by=actor)
    _checked(community)
    community.slug = _community_slug(community.name)
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError:
        # Lost a race for the slug: keep the name's slug recognisable.
        community.slug = f"{community.slug[:70]}-{secrets.token_hex(3)}"
        community.save()
    Membership.objects.create(community=community, user=actor, role=Role.OWNER,
                              status=Status.ACTIVE, joined_at=timezone.now())
    _record(community, user=actor, actor=actor, action=Action.CREATED, to_value=Role.OWNER)
    return community


@transaction.atomic
def community_update(*, actor, community: Community, **changes) -> Community:
    """Moderators change the name, description, district, join policy and
    visibility. The slug stays, so links keep working; the governance mode
    changes only by the community's rules process. Requests already waiting
    stay waiting when the join policy changes."""
    _require_moderator(community, actor)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(fields={field: [_("This cannot be changed here.")]
                                       for field in unknown})
    community = Community.objects.select_for_update().get(pk=community.pk)
    for field, value in changes.items():
        setattr(community, field, value)
    _checked(community)
    community.save(update_fields=list(changes) or None)
    return community


# --- invites -----------------------------------------------------------------


@transaction.atomic
def invite_create(*, actor, community: Community, days: int = 7) -> str:
    """A moderator makes an invite link's token: signed, naming this
    community, valid for 1 to 30 days. Whoever holds it may join at once,
    whatever the join policy."""
    _require_moderator(community, actor)
    if not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationFailed(fields={"days": [
            _("An invite lasts from %(min)d to %(max)d days.") % {"min": MIN_DAYS,
                                                                   "max": MAX_DAYS}]})
    return invite_token(community_id=community.pk,
                        expires_at=timezone.now() + timedelta(days=days), invited_by=actor.pk,
                        generation=_invite_generation(community))


def _invite_generation(community: Community, *, lock: bool = False) -> int:
    rows = Community.objects.filter(pk=community.pk)
    if lock:
        rows = rows.select_for_update()
    return rows.values_list("invite_generation", flat=True).first() or 0


@transaction.atomic
def invites_revoke(*, actor, community: Community) -> int:
    """A moderator revokes every invite link of the community made so far:
    they admit no one from now on, and say they were revoked; links made
    afterwards work. Written in the moderation log. The new generation."""
    _require_moderator(community, actor)
    generation = _invite_generation(community, lock=True) + 1
    Community.objects.filter(pk=community.pk).update(invite_generation=generation)
    community.invite_generation = generation
    ModerationLog.objects.create(community=community, actor=actor, action="invites_revoked",
                                 target=community.name[:200],
                                 reason=_("Every invite link made so far was revoked."))
    return generation


def invite_check(*, token: str, community: Community | None = None) -> Invite:
    """The invite a token carries, or Forbidden saying what is wrong: not a
    valid link (altered or cut short), expired, for another community, or
    made by someone who no longer moderates it, or revoked."""
    invite = invite_read(token)
    if community is not None and invite.community_id != community.pk:
        raise Forbidden(_("This invite link is for another community."))
    if community is not None and invite_revoked(
            invite, current_generation=_invite_generation(community)):
        raise Forbidden(_("This invite link was revoked by the community's moderators. "
                          "Ask a moderator for a new one."))
    if (community is not None and invite.invited_by is not None
            and invite.invited_by not in policy.moderator_ids(community)):
        # Taking someone's moderator role also withdraws the links they made.
        raise Forbidden(_("This invite link no longer works: whoever made it no longer "
                          "moderates the community. Ask a moderator for a new one."))
    return invite


# --- joining -----------------------------------------------------------------


@transaction.atomic
def community_join(*, actor, community: Community,
                   invite_token: str | None = None) -> Membership:
    """Join: at once in an open community; as a request a moderator answers
    in an approval community; only with a valid invite for this community in
    an invite-only one. A valid invite lets its holder straight in whatever
    the policy (a moderator made it), also someone whose request is waiting.
    A private community is not revealed to anyone without an invite. Banned
    people cannot come back; members and people waiting are told so."""
    _require_person(actor)
    invite = invite_check(token=invite_token, community=community) if invite_token else None
    existing = _membership_of(community, actor, lock=True)
    if existing is not None:
        if existing.status == Status.BANNED:
            if _hidden_from(community, existing) and invite is None:
                raise NotFound()
            raise Forbidden(_("You are banned from this community, so you cannot join it "
                              "again."))
        if existing.status == Status.PENDING and invite is not None:
            return _admit_invited(existing, actor)
        if existing.status == Status.PENDING:
            raise Conflict(_("You have already asked to join: a moderator will answer "
                             "your request."))
        if existing.status == Status.SUSPENDED:
            raise Conflict(_("You are already a member; your membership is suspended."))
        raise Conflict(_("You are already a member of this community."))
    if invite is None:
        if community.visibility == Community.Visibility.PRIVATE:
            raise NotFound()
        if community.join_policy == Community.JoinPolicy.INVITE:
            raise Forbidden(_("This community is invite only: ask one of its moderators "
                              "for an invite link."))
    direct = invite is not None or community.join_policy == Community.JoinPolicy.OPEN
    status, until = _entering(community, actor) if direct else (Status.PENDING, None)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                community=community, user=actor, role=Role.MEMBER, status=status,
                suspended_until=until, joined_at=timezone.now() if direct else None)
    except IntegrityError:
        # The same person's other click won.
        raise Conflict(_("You are already a member of this community.")) from None
    _record(community, user=actor, actor=actor,
            action=Action.JOINED if direct else Action.REQUESTED, to_value=membership.status,
            reason=_("With an invite link.") if invite is not None else "")
    if not direct:
        _tell(policy.moderator_ids(community), community, "join_requested",
              person=actor.display_name)
    return membership


def _admit_invited(membership: Membership, actor) -> Membership:
    membership.status, membership.suspended_until = _entering(membership.community, actor)
    membership.joined_at = timezone.now()
    membership.save(update_fields=["status", "suspended_until", "joined_at"])
    _record(membership.community, user=actor, actor=actor, action=Action.JOINED,
            from_value=Status.PENDING, to_value=membership.status,
            reason=_("With an invite link."))
    return membership


@transaction.atomic
def membership_approve(*, actor, membership: Membership, reason: str = "") -> Membership:
    """A moderator admits someone who asked to join. Only a waiting request
    can be approved, once: a second click finds it answered."""
    community = membership.community
    _require_moderator(community, actor)
    reason = _clean_reason(reason)
    status, until = _entering(community, membership.user)
    approved = Membership.objects.filter(pk=membership.pk, status=Status.PENDING).update(
        status=status, suspended_until=until, joined_at=timezone.now())
    if not approved:
        raise Conflict(_("This request to join was already answered or withdrawn."))
    membership.refresh_from_db()
    _record(community, user=membership.user, actor=actor, action=Action.APPROVED,
            from_value=Status.PENDING, to_value=status, reason=reason)
    _tell([membership.user_id], community, "membership_approved", reason)
    return membership


@transaction.atomic
def membership_refuse(*, actor, membership: Membership, reason: str = "") -> None:
    """A moderator turns down a request to join. The request is deleted (the
    log keeps it), so the person may ask again later."""
    community = membership.community
    _require_moderator(community, actor)
    reason = _clean_reason(reason)
    refused, _rows = Membership.objects.filter(pk=membership.pk,
                                               status=Status.PENDING).delete()
    if not refused:
        raise Conflict(_("This request to join was already answered or withdrawn."))
    _record(community, user=membership.user, actor=actor, action=Action.REFUSED,
            from_value=Status.PENDING, reason=reason)
    _tell([membership.user_id], community, "membership_refused", reason)


# --- roles and statuses --------------------------------------------------------


@transaction.atomic
def membership_change(*, actor, membership: Membership, role: str | None = None,
                      status: str | None = None, reason: str = "",
                      suspended_until: datetime | None = None) -> Membership:
    """Change someone's role or status (or both), with a reason for the log.

    - Status (active, suspended, banned): as community_rules.policy says,
      moderators change plain members'; owners also moderators'. No one
      suspends or bans an owner. A suspension may end at `suspended_until`
      (in the future); without it, it lasts until a moderator reinstates the
      person. Giving a new end to a suspension shortens or lengthens it. The
      change is made by member_suspend, member_ban or member_reinstate.
    - Role (member, moderator, owner): owners alone change roles. They make
      any active member a moderator or an owner; an owner's role is theirs
      to give up and no one else's to take, and the last owner cannot give
      it up.
    - A request to join is answered with approve or refuse, not here.
    """
    community = membership.community
    mine = _require_moderator(community, actor)
    theirs = _locked(membership)
    reason = _clean_reason(reason)

    if role is None and status is None and suspended_until is None:
        message = _("Say what to change: a role or a status.")
        raise ValidationFailed(message, fields={"non_field_errors": [message]})
    if role is not None and role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Choose member, moderator or owner.")]})
    if status is not None and status not in SETTABLE_STATUSES:
        raise ValidationFailed(fields={"status": [_("Choose active, suspended or banned.")]})
    new_status = status if status is not None else theirs.status
    if suspended_until is not None:
        if new_status != Status.SUSPENDED:
            raise ValidationFailed(fields={"suspended_until": [
                _("Only a suspension has an end date.")]})
        if suspended_until <= timezone.now():
            raise ValidationFailed(fields={"suspended_until": [
                _("A suspension ends in the future: choose a later date.")]})
    if theirs.status == Status.PENDING:
        raise Conflict(_("%(person)s has asked to join: approve or refuse the request "
                         "first.") % {"person": theirs.user.display_name})

    new_role = role if role is not None else theirs.role
    role_changes = new_role != theirs.role
    new_until = suspended_until if new_status == Status.SUSPENDED else None
    if new_status == theirs.status == Status.SUSPENDED and suspended_until is None:
        new_until = theirs.suspended_until  # a role change alone keeps the end date
    status_changes = new_status != theirs.status or new_until != theirs.suspended_until

    if role_changes:
        if mine.role != Role.OWNER:
            raise Forbidden(_("Only an owner can give or take the moderator and owner "
                              "roles."))
        if theirs.role == Role.OWNER and theirs.pk != mine.pk:
            raise Forbidden(_("An owner gives up ownership themselves: no one can take it "
                              "from them."))
        if new_role in (Role.MODERATOR, Role.OWNER) and new_status != Status.ACTIVE:
            raise Conflict(_("Only active members can become moderators or owners."))
        if theirs.role == Role.OWNER and not _another_active_owner(theirs):
            raise Conflict(_("You are the only owner: make someone else an owner first."))
    if status_changes:
        policy.require_may_act_on(actor=mine, target=theirs, act=policy.STATUS)

    if status_changes:
        person = theirs.user
        if new_status == Status.SUSPENDED:
            member_suspend(actor=actor, community=community, user=person, until=new_until,
                           reason=reason)
        elif new_status == Status.BANNED:
            member_ban(actor=actor, community=community, user=person, reason=reason)
        else:
            member_reinstate(actor=actor, community=community, user=person, reason=reason)
        theirs.refresh_from_db(fields=["status", "suspended_until", "joined_at"])
    if role_changes:
        _record(community, user=theirs.user, actor=actor, action=Action.ROLE_CHANGED,
                from_value=theirs.role, to_value=new_role, reason=reason)
        if new_role not in policy.MODERATING_ROLES:
            _rights_may_shrink(theirs)
        theirs.role = new_role
        theirs.save(update_fields=["role"])
        _tell([theirs.user_id], community, "role_changed", reason, role=new_role)
    return theirs


# --- suspensions and bans: the one door ------------------------------------------


def _target(*, actor, community: Community, user) -> Membership | None:
    """The person's membership, locked, once the policy lets `actor` (None:
    the community's rules) change their status. People act on members
    only; the rules also reach someone who has left or is waiting to join
    (their Sanction row waits for them)."""
    theirs = _membership_of(community, user, lock=True)
    if actor is None:
        return theirs
    mine = _require_moderator(community, actor)
    if theirs is None:
        raise Conflict(_("%(person)s is not a member of this community: its moderators "
                         "suspend and ban members only.") % {"person": user.display_name})
    if theirs.status == Status.PENDING:
        raise Conflict(_("%(person)s has asked to join: approve or refuse the request "
                         "first.") % {"person": user.display_name})
    policy.require_may_act_on(actor=mine, target=theirs, act=policy.STATUS)
    return theirs


def _lift_in_force(community: Community, user, *, by, now, kinds=None) -> int:
    """End the suspensions (and bans) in force now, before their end."""
    kinds = kinds or [Sanction.Kind.SUSPENSION, Sanction.Kind.BAN]
    return (Sanction.objects.filter(community=community, user=user, kind__in=kinds,
                                    lifted_at__isnull=True)
            .filter(Q(until__isnull=True) | Q(until__gt=now))
            .update(lifted_at=now, lifted_by=by))


def _mirror(theirs: Membership | None, *, community: Community, user, actor, status: str,
            until: datetime | None, reason: str) -> None:
    """Write the membership's copy of what is now in force, log the change
    and tell the person (also someone with no membership: the rules' strike
    suspension reaches them)."""
    if theirs is not None and theirs.status != Status.PENDING:
        _record(community, user=user, actor=actor, action=Action.STATUS_CHANGED,
                from_value=theirs.status, to_value=status, reason=reason)
        theirs.status, theirs.suspended_until = status, until
        if status == Status.ACTIVE and theirs.joined_at is None:
            theirs.joined_at = timezone.now()
        theirs.save(update_fields=["status", "suspended_until", "joined_at"])
        if status != Status.ACTIVE:
            _rights_may_shrink(theirs)
    _tell([user.pk], community, "status_changed", reason, status=status,
          until=until.isoformat() if until else None)


@transaction.atomic
def member_suspend(*, actor, community: Community, user, until: datetime | None = None,
                   reason: str = "", now: datetime | None = None) -> Sanction | None:
    """Suspend someone in a community until `until` (None: until a moderator
    reinstates them), with the reason they are told. This is the only way
    anyone is suspended: from the members page, a report, a sanction, or
    the rules after too many strikes (`actor` None). Who may suspend whom
    is community_rules.policy's to say.

    A suspension is a Sanction row; it stays in force when the person leaves
    and joins again, and the membership shows it. A moderator's suspension
    replaces the one in force (a new end shortens or lengthens it, and it
    replaces a ban); the rules never shorten a suspension nor touch a ban,
    and then change nothing (None)."""
    now = now or timezone.now()
    reason = _clean_reason(reason)
    if until is not None and until <= now:
        raise ValidationFailed(fields={"until": [
            _("A suspension ends in the future: choose a later date.")]})
    theirs = _target(actor=actor, community=community, user=user)
    current = policy.sanction_in_force(community=community, user=user, now=now)
    if actor is None and current is not None and (
            current.kind == Sanction.Kind.BAN or current.until is None
            or (until is not None and current.until >= until)):
        return None
    if actor is not None:
        _lift_in_force(community, user, by=actor, now=now)
    sanction = Sanction.objects.create(community=community, user=user,
                                       kind=Sanction.Kind.SUSPENSION, reason=reason,
                                       given_by=actor, until=until)
    _mirror(theirs, community=community, user=user, actor=actor, status=Status.SUSPENDED,
            until=until, reason=reason)
    return sanction


@transaction.atomic
def member_ban(*, actor, community: Community, user, reason: str = "") -> Sanction:
    """Ban a member, with the reason they are told: they may not borrow here
    and cannot join again (a private community no longer shows itself to
    them) until a moderator reinstates or removes them. The only way anyone
    is banned: from the members page, a report or a sanction; always by a
    person, as community_rules.policy allows. A ban replaces a suspension."""
    if actor is None:
        raise Forbidden(_("Only the community's moderators can do that."))
    now = timezone.now()
    reason = _clean_reason(reason)
    theirs = _target(actor=actor, community=community, user=user)
    if theirs.status == Status.BANNED:
        raise Conflict(_("%(person)s is already banned from this community.") % {
            "person": user.display_name})
    _lift_in_force(community, user, by=actor, now=now)
    sanction = Sanction.objects.create(community=community, user=user, kind=Sanction.Kind.BAN,
                                       reason=reason, given_by=actor)
    _mirror(theirs, community=community, user=user, actor=actor, status=Status.BANNED,
            until=None, reason=reason)
    return sanction


@transaction.atomic
def member_reinstate(*, actor, community: Community, user, reason: str = "") -> Membership:
    """Lift a member's suspension or ban before its end: they are an active
    member again. As community_rules.policy allows."""
    theirs = _target(actor=actor, community=community, user=user)
    _lift_in_force(community, user, by=actor, now=timezone.now())
    _mirror(theirs, community=community, user=user, actor=actor, status=Status.ACTIVE,
            until=None, reason=reason)
    return theirs


def suspensions_end_due(*, now: datetime | None = None) -> int:
    """The job: memberships whose suspension has reached its end are active
    again (the rules let them borrow from that moment already). Returns how
    many."""
    now = now or timezone.now()
    ended = 0
    for pk in Membership.objects.filter(status=Status.SUSPENDED,
                                        suspended_until__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            theirs = (Membership.objects.select_for_update(of=("self",))
                      .select_related("community", "user")
                      .filter(pk=pk, status=Status.SUSPENDED, suspended_until__lte=now).first())
            if theirs is None or policy.sanction_in_force(community=theirs.community,
                                                          user=theirs.user, now=now):
                continue
            _mirror(theirs, community=theirs.community, user=theirs.user, actor=None,
                    status=Status.ACTIVE, until=None, reason=_("The suspension has ended."))
            ended += 1
    return ended


# --- leaving and removal -------------------------------------------------------


@transaction.atomic
def community_leave(*, actor, community: Community) -> None:
    """Leave a community, or withdraw a request to join. The only owner hands
    ownership to someone first. A ban or a suspension cannot be shed by
    leaving (and joining an open community again): the banned stay banned,
    the suspended leave once the suspension is lifted or its end has
    passed."""
    _require_person(actor)
    membership = _membership_of(community, actor, lock=True)
    if membership is None:
        if community.visibility == Community.Visibility.PRIVATE:
            raise NotFound()
        raise Conflict(_("You are not a member of this community."))
    if membership.status == Status.BANNED:
        if _hidden_from(community, membership):
            raise NotFound()
        raise Forbidden(_("You are banned from this community: the ban stays in place."))
    if policy.sanction_in_force(community=community, user=actor) is not None:
        raise Conflict(_("Your membership is suspended: you can leave once a moderator "
                         "lifts the suspension or it ends."))
    if membership.role == Role.OWNER and not _another_active_owner(membership):
        raise Conflict(_("You are the only owner: hand ownership to someone first."))
    _record(community, user=actor, actor=actor, action=Action.LEFT,
            from_value=membership.status)
    membership.delete()
    _rights_may_shrink(membership)


@transaction.atomic
def member_remove(*, actor, membership: Membership, reason: str = "") -> None:
    """A moderator removes a plain member; an owner also removes moderators.
    Owners are not removed (they give up ownership first), a request to join
    is refused rather than removed, and moderators leave rather than remove
    themselves (community_rules.policy). Removing someone banned lifts the
    ban: they may join again. A suspension stays in force: whoever joins
    again is suspended until it ends."""
    community = membership.community
    mine = _require_moderator(community, actor)
    theirs = _locked(membership)
    reason = _clean_reason(reason)
    if theirs.user_id == mine.user_id:
        raise Conflict(_("To leave the community yourself, use “Leave”."))
    if theirs.status == Status.PENDING:
        raise Conflict(_("%(person)s has asked to join: approve or refuse the request "
                         "instead.") % {"person": theirs.user.display_name})
    policy.require_may_act_on(actor=mine, target=theirs, act=policy.REMOVE)
    _record(community, user=theirs.user, actor=actor, action=Action.REMOVED,
            from_value=theirs.status, reason=reason)
    _lift_in_force(community, theirs.user, by=actor, now=timezone.now(),
                   kinds=[Sanction.Kind.BAN])
    theirs.delete()
    _rights_may_shrink(theirs)
    _tell([theirs.user_id], community, "membership_removed", reason)
