"""Sanctions: strikes and suspensions that follow the rules automatically
(late returns), and those moderators give with a reason."""

import math
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership, MembershipEvent, ModerationLog, Sanction
from marketplace import events
from marketplace.errors import Forbidden, NotFound, ValidationFailed

STRIKE_MEMORY = timedelta(days=90)


def _rule(community: Community, rule_type: str):
    return community.rules.filter(type=rule_type).first()


def _tell(sanction: Sanction) -> None:
    events.send_to_user_on_commit(sanction.user_id, {
        "type": "notification", "kind": f"sanction_{sanction.kind}",
        "community": sanction.community.slug, "reason": sanction.reason,
        "until": sanction.until.isoformat() if sanction.until else None})


def _suspend_after_strikes(community: Community, user, *, now) -> Sanction | None:
    rule = _rule(community, "strikes_before_suspension")
    if rule is None:
        return None
    strikes = Sanction.objects.filter(community=community, user=user,
                                      kind=Sanction.Kind.STRIKE,
                                      created_at__gte=now - STRIKE_MEMORY).count()
    if strikes < rule.params["strikes"]:
        return None
    suspension = Sanction.objects.create(
        community=community, user=user, kind=Sanction.Kind.SUSPENSION,
        until=now + timedelta(days=rule.params["days"]),
        reason=_("%(strikes)s strikes within 90 days.") % {"strikes": strikes})
    _tell(suspension)
    return suspension


def late_return_record(*, booking) -> list[Sanction]:
    """Called inside the return's transaction: a late return through a
    community with a late_return rule earns a strike and/or a fee per late
    day, and enough strikes suspend borrowing."""
    community = booking.community
    if community is None or booking.returned_at is None or booking.returned_at <= booking.end:
        return []
    rule = _rule(community, "late_return")
    if rule is None:
        return []
    days_late = math.ceil((booking.returned_at - booking.end) / timedelta(days=1))
    given = []
    if rule.params.get("fee_per_day"):
        booking.late_fee = days_late * rule.params["fee_per_day"]
        booking.save(update_fields=["late_fee"])
    if rule.params.get("strike"):
        strike, created = Sanction.objects.get_or_create(
            booking=booking, kind=Sanction.Kind.STRIKE,
            defaults={"community": community, "user": booking.borrower,
                      "reason": _("Returned %(days)s day(s) late.") % {"days": days_late}})
        if created:
            _tell(strike)
            given.append(strike)
            suspension = _suspend_after_strikes(community, booking.borrower,
                                                now=booking.returned_at)
            if suspension:
                given.append(suspension)
    return given


@transaction.atomic
def sanction_give(*, actor, community: Community, user, kind: str, reason: str,
                  until=None) -> Sanction:
    """A moderator warns, strikes, suspends (until a date) or bans a member,
    always with a reason the member sees."""
    mine = Membership.objects.filter(community=community, user=actor).first()
    if mine is None or not mine.is_moderator:
        if community.visibility == Community.Visibility.PRIVATE and not (mine and mine.is_active):
            raise NotFound()
        raise Forbidden(_("Only moderators can give sanctions."))
    theirs = Membership.objects.filter(community=community, user=user).first()
    if theirs is None:
        raise NotFound()
    if theirs.role != Membership.Role.MEMBER and mine.role != Membership.Role.OWNER:
        raise Forbidden(_("Only the owner can sanction a moderator."))
    if kind not in Sanction.Kind.values:
        raise ValidationFailed(fields={"kind": [_("Choose warning, strike, suspension or "
                                                  "ban.")]})
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Say why: the member will see it.")]})
    now = timezone.now()
    if kind == Sanction.Kind.SUSPENSION and (until is None or until <= now):
        raise ValidationFailed(fields={"until": [_("A suspension needs an end in the "
                                                   "future.")]})
    sanction = Sanction.objects.create(community=community, user=user, kind=kind,
                                       reason=reason, given_by=actor,
                                       until=until if kind == Sanction.Kind.SUSPENSION else None)
    if kind == Sanction.Kind.BAN:
        Membership.objects.filter(pk=theirs.pk).update(status=Membership.Status.BANNED)
        MembershipEvent.objects.create(
            community=community, user=user, actor=actor,
            action=MembershipEvent.Action.STATUS_CHANGED, from_value=theirs.status,
            to_value=Membership.Status.BANNED, reason=reason)
    ModerationLog.objects.create(community=community, actor=actor, action=f"sanction_{kind}",
                                 target=str(user), reason=reason)
    _tell(sanction)
    if kind == Sanction.Kind.STRIKE:
        _suspend_after_strikes(community, user, now=now)
    return sanction
