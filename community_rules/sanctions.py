"""Sanctions: strikes and suspensions that follow the rules automatically
(late returns), and those moderators give with a reason; and the
moderation log every moderating path writes through
`moderation_log_record`. A suspension or a ban, whoever gives it, is made
by services.member_suspend or services.member_ban; who may give what to
whom is community_rules.policy's to say."""

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules import policy
from community_rules.models import Community, Membership, ModerationLog, Sanction
from community_rules.rule_types import (
    LATE_RETURN,
    STRIKES_BEFORE_SUSPENSION,
    UnreadableRule,
    applied_params,
)
from community_rules.services import member_ban, member_suspend
from marketplace import events
from marketplace.errors import Conflict, ValidationFailed

STRIKE_MEMORY = timedelta(days=90)

logger = logging.getLogger(__name__)


def _rule(community: Community, rule_type: str):
    """The community's rule of that type, its params as the engine applies
    them (numbers within their bounds). A rule whose params cannot be read
    is logged and sanctions nobody: the loan is back, its return must go
    through."""
    rule = community.rules.filter(type=rule_type).first()
    if rule is not None:
        try:
            rule.params = applied_params(rule.type, rule.params)
        except UnreadableRule as error:
            logger.error("Rule %s (%s) of community %s cannot be read: %s; no sanction "
                         "given", rule.pk, rule.type, community.slug, error)
            return None
    return rule


def _tell(sanction: Sanction) -> None:
    community = sanction.community
    events.notify([sanction.user_id], f"sanction_{sanction.kind}",
                  url=f"/communities/{community.slug}/", data={
                      "community": community.slug, "community_name": community.name,
                      "sanction": sanction.pk, "reason": sanction.reason,
                      "until": sanction.until.isoformat() if sanction.until else None})


def _suspend_after_strikes(community: Community, user, *, now) -> Sanction | None:
    rule = _rule(community, STRIKES_BEFORE_SUSPENSION)
    if rule is None:
        return None
    strikes = Sanction.objects.filter(community=community, user=user,
                                      kind=Sanction.Kind.STRIKE,
                                      created_at__gte=now - STRIKE_MEMORY).count()
    if strikes < rule.params["strikes"]:
        return None
    return member_suspend(actor=None, community=community, user=user,
                          until=now + timedelta(days=rule.params["days"]),
                          reason=_("%(strikes)s strikes within 90 days.") % {"strikes": strikes},
                          now=now)


@dataclass
class LateReturn:
    """What a late return earned: a fee (whole won) and any sanctions."""

    fee: int = 0
    sanctions: list[Sanction] = field(default_factory=list)


def late_return_record(*, community: Community | None, borrower, booking_id: int,
                       end: datetime, returned_at: datetime) -> LateReturn:
    """Called inside the return's transaction: a late return through a
    community with a late_return rule earns a fee per late day (the caller
    puts it on the booking) and/or a strike, and enough strikes suspend
    borrowing. A second call for the same booking gives no second strike."""
    if community is None or returned_at <= end:
        return LateReturn()
    rule = _rule(community, LATE_RETURN)
    if rule is None:
        return LateReturn()
    days_late = math.ceil((returned_at - end) / timedelta(days=1))
    outcome = LateReturn(fee=days_late * rule.params.get("fee_per_day", 0))
    if rule.params.get("strike"):
        strike, created = Sanction.objects.get_or_create(
            booking_id=booking_id, kind=Sanction.Kind.STRIKE,
            defaults={"community": community, "user": borrower,
                      "reason": _("Returned %(days)s day(s) late.") % {"days": days_late}})
        if created:
            _tell(strike)
            outcome.sanctions.append(strike)
            suspension = _suspend_after_strikes(community, borrower, now=returned_at)
            if suspension:
                outcome.sanctions.append(suspension)
    return outcome


def moderation_log_record(*, community: Community | None, actor, action: str, target: str,
                          reason: str = "") -> ModerationLog:
    """One line of the moderation log moderators read (community None: the
    city's queue, for city staff). Every moderating path writes it here."""
    return ModerationLog.objects.create(community=community, actor=actor, action=action,
                                        target=str(target)[:200], reason=reason)


@transaction.atomic
def sanction_give(*, actor, community: Community, user, kind: str, reason: str,
                  until=None) -> Sanction:
    """A moderator warns, strikes, suspends (until a date) or bans a member,
    always with a reason the member sees, as community_rules.policy allows
    (no one sanctions an owner or themselves; only owners sanction
    moderators). Suspensions and bans are member_suspend's and member_ban's."""
    mine = policy.require_moderator(community=community, user=actor,
                                    message=_("Only moderators can give sanctions."))
    theirs = Membership.objects.filter(community=community, user=user).first()
    if theirs is None:
        raise Conflict(_("%(person)s is not a member of this community: its moderators "
                         "sanction members only.") % {"person": user.display_name})
    if kind not in Sanction.Kind.values:
        raise ValidationFailed(fields={"kind": [_("Choose warning, strike, suspension or "
                                                  "ban.")]})
    changes_status = kind in (Sanction.Kind.SUSPENSION, Sanction.Kind.BAN)
    policy.require_may_act_on(actor=mine, target=theirs,
                              act=policy.STATUS if changes_status else policy.SANCTION)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Say why: the member will see it.")]})
    now = timezone.now()
    if kind == Sanction.Kind.SUSPENSION and (until is None or until <= now):
        raise ValidationFailed(fields={"until": [_("A suspension needs an end in the "
                                                   "future.")]})
    if kind == Sanction.Kind.SUSPENSION:
        sanction = member_suspend(actor=actor, community=community, user=user, until=until,
                                  reason=reason, now=now)
    elif kind == Sanction.Kind.BAN:
        sanction = member_ban(actor=actor, community=community, user=user, reason=reason)
    else:
        sanction = Sanction.objects.create(community=community, user=user, kind=kind,
                                           reason=reason, given_by=actor)
        _tell(sanction)
    moderation_log_record(community=community, actor=actor, action=f"sanction_{kind}",
                          target=user, reason=reason)
    if kind == Sanction.Kind.STRIKE:
        _suspend_after_strikes(community, user, now=now)
    return sanction
