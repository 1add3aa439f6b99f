"""How a community changes its rules: moderators directly in a moderated
community, members by proposal and vote in a democratic one. Every change
makes a new rule-set version."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules import policy
from community_rules.models import (
    Community,
    Membership,
    Proposal,
    Rule,
    RuleSetVersion,
    Vote,
)
from community_rules.rule_types import clean_rule, describe
from community_rules.sanctions import moderation_log_record
from marketplace import events
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

SETTINGS_LIMITS = {"quorum_percent": (1, 100), "threshold_percent": (1, 100),
                   "voting_days": (1, 60)}


def _membership(community: Community, user) -> Membership | None:
    return Membership.objects.filter(community=community, user=user).first()


def _active_member_ids(community: Community) -> list[int]:
    """Who hears of the community's rules and proposals: its active members."""
    return list(community.memberships.filter(status=Membership.Status.ACTIVE)
                .order_by("pk").values_list("user_id", flat=True))


def _require_moderator(community: Community, user) -> None:
    policy.require_moderator(community=community, user=user,
                             message=_("Only the community's moderators can change its "
                                       "rules."))


def _snapshot(community: Community) -> list[dict]:
    return [{"id": r.pk, "type": r.type, "params": r.params, "text": describe(r.type, r.params)}
            for r in community.rules.all()]


def _record_version(*, community: Community, change: dict, actor, proposal=None,
                    effective_at: datetime | None = None) -> RuleSetVersion:
    number = (community.rule_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            return RuleSetVersion.objects.create(
                community=community, number=number, rules=_snapshot(community),
                change=change, changed_by=actor, proposal=proposal,
                effective_at=effective_at or timezone.now())
    except IntegrityError:
        # Another change took this number (one that did not lock, see _apply).
        raise Conflict(_("The rules were changed by someone else at the same moment: look "
                         "at them again and retry.")) from None


def _apply(*, community: Community, action: str, actor, rule: Rule | None = None,
           rule_type: str = "", params: dict | None = None, settings: dict | None = None,
           proposal: Proposal | None = None) -> RuleSetVersion:
    """Carry out one change of the rule set and record the version."""
    # One change of a community's rules at a time: the community's row is
    # locked first (before the rule's insert takes its key-share lock), so
    # the next change waits and numbers its version after this one.
    list(Community.objects.select_for_update().filter(pk=community.pk).values_list("pk"))
    if rule is not None:
        current = Rule.objects.filter(pk=rule.pk).values_list("params", flat=True).first()
        if current is None:
            raise Conflict(_("This rule was removed meanwhile: look at the rules again."))
        rule.params = current  # as the change before this one left it
    change = {"action": action}
    if action == Proposal.Action.ADD:
        rule = Rule.objects.create(community=community, type=rule_type, params=params,
                                   created_by=actor)
        change.update(rule=rule.pk, type=rule_type, params=params)
    elif action == Proposal.Action.CHANGE:
        change.update(rule=rule.pk, type=rule.type, before=rule.params, params=params)
        rule.params = params
        rule.save(update_fields=["params"])
    elif action == Proposal.Action.REMOVE:
        change.update(rule=rule.pk, type=rule.type, params=rule.params)
        rule.delete()
    else:
        change.update(before={k: getattr(community, k) for k in settings}, settings=settings)
        for name, value in settings.items():
            setattr(community, name, value)
        community.save(update_fields=list(settings))
    version = _record_version(community=community, change=change, actor=actor,
                              proposal=proposal)
    moderation_log_record(
        community=community, actor=actor, action=f"rules_{action}",
        target=f"version {version.number}",
        reason=_("By proposal %(id)s") % {"id": proposal.pk} if proposal else "")
    events.notify(_active_member_ids(community), "rules_changed",
                  url=f"/communities/{community.slug}/charter/",
                  data={"community": community.slug, "community_name": community.name,
                        "version": version.number})
    return version


def _refuse_direct_change_if_democratic(community: Community) -> None:
    if community.governance == Community.Governance.DEMOCRATIC:
        raise Forbidden(_("In this community the members vote on the rules: make a proposal "
                          "instead."))


@transaction.atomic
def rule_add(*, actor, community: Community, type: str, params: dict) -> Rule:
    """A moderator of a moderated community adds a rule."""
    _require_moderator(community, actor)
    _refuse_direct_change_if_democratic(community)
    cleaned = clean_rule(type, params)
    version = _apply(community=community, action=Proposal.Action.ADD, actor=actor,
                     rule_type=type, params=cleaned)
    return Rule.objects.get(pk=version.change["rule"])


@transaction.atomic
def rule_change(*, actor, rule: Rule, params: dict) -> Rule:
    _require_moderator(rule.community, actor)
    _refuse_direct_change_if_democratic(rule.community)
    _apply(community=rule.community, action=Proposal.Action.CHANGE, actor=actor, rule=rule,
           params=clean_rule(rule.type, params))
    return rule


@transaction.atomic
def rule_remove(*, actor, rule: Rule) -> None:
    _require_moderator(rule.community, actor)
    _refuse_direct_change_if_democratic(rule.community)
    _apply(community=rule.community, action=Proposal.Action.REMOVE, actor=actor, rule=rule)


def _clean_settings(settings) -> dict:
    if not isinstance(settings, dict) or not settings:
        raise ValidationFailed(fields={"settings": [_("Name the settings to change.")]})
    cleaned = {}
    for name, value in settings.items():
        if name == "governance":
            if value not in Community.Governance.values:
                raise ValidationFailed(fields={"settings": [_("Unknown governance mode.")]})
            cleaned[name] = value
            continue
        if name not in SETTINGS_LIMITS:
            raise ValidationFailed(fields={"settings": [
                _("Unknown setting: %(names)s.") % {"names": name}]})
        low, high = SETTINGS_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(fields={"settings": [
                _("%(name)s must be between %(low)s and %(high)s.")
                % {"name": name, "low": low, "high": high}]})
        cleaned[name] = value
    return cleaned


@transaction.atomic
def proposal_create(*, actor, community: Community, action: str, rule_type: str = "",
                    params: dict | None = None, rule_id: int | None = None,
                    settings: dict | None = None, closes_at: datetime | None = None,
                    effective_at: datetime | None = None, reason: str = "") -> Proposal:
    """Any active member of a democratic community proposes adding, changing
    or removing a rule, or changing the governance settings."""
    membership = _membership(community, actor)
    if membership is None or not membership.is_active:
        if community.visibility == Community.Visibility.PRIVATE:
            raise NotFound()
        raise Forbidden(_("Only active members can make proposals."))
    if community.governance != Community.Governance.DEMOCRATIC:
        raise Forbidden(_("In this community the moderators set the rules."))
    now = timezone.now()
    closes_at = closes_at or now + timedelta(days=community.voting_days)
    if closes_at <= now:
        raise ValidationFailed(fields={"closes_at": [_("The vote must close in the future.")]})
    if effective_at is not None and effective_at < closes_at:
        raise ValidationFailed(fields={"effective_at": [
            _("A change cannot take effect before the vote closes.")]})
    rule = None
    if action in (Proposal.Action.CHANGE, Proposal.Action.REMOVE):
        rule = community.rules.filter(pk=rule_id).first()
        if rule is None:
            raise ValidationFailed(fields={"rule_id": [_("Name one of this community's "
                                                         "rules.")]})
        rule_type = rule.type
        if action == Proposal.Action.REMOVE:
            params = rule.params  # kept, so the proposal can say what goes
    if action in (Proposal.Action.ADD, Proposal.Action.CHANGE):
        params = clean_rule(rule_type, params if params is not None else {})
    elif action == Proposal.Action.SETTINGS:
        settings = _clean_settings(settings)
    elif action != Proposal.Action.REMOVE:
        raise ValidationFailed(fields={"action": [_("Choose add, change, remove or settings.")]})
    proposal = Proposal.objects.create(
        community=community, proposer=actor, action=action, rule=rule, rule_type=rule_type,
        params=params or {}, settings=settings or {}, reason=reason, closes_at=closes_at,
        effective_at=effective_at)
    events.notify(_active_member_ids(community), "proposal_opened",
                  url=f"/proposals/{proposal.pk}/",
                  data={"community": community.slug, "community_name": community.name,
                        "proposal": proposal.pk})
    return proposal


@transaction.atomic
def vote_cast(*, actor, proposal: Proposal, choice: str) -> Vote:
    """One vote per active member, changeable until the proposal closes."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    membership = _membership(proposal.community, actor)
    if membership is None or not membership.is_active:
        raise Forbidden(_("Only active members of this community can vote."))
    if proposal.status != Proposal.Status.OPEN or timezone.now() >= proposal.closes_at:
        raise Conflict(_("Voting on this proposal has closed."))
    if choice not in Vote.Choice.values:
        raise ValidationFailed(fields={"choice": [_("Vote yes, no or abstain.")]})
    vote, _created = Vote.objects.update_or_create(proposal=proposal, voter=actor,
                                                   defaults={"choice": choice})
    return vote


def proposal_tally(proposal: Proposal) -> dict:
    """The count as it stands: only votes of members still active count, and
    the quorum is measured against today's active members."""
    community = proposal.community
    active = Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
    counted = proposal.votes.filter(voter__in=active.values("user"))
    tally = {choice: counted.filter(choice=choice).count() for choice in Vote.Choice.values}
    eligible = active.count()
    voted = sum(tally.values())
    decisive = tally["yes"] + tally["no"]
    tally.update(
        eligible=eligible,
        quorum_percent=community.quorum_percent,
        threshold_percent=community.threshold_percent,
        # Whole-number arithmetic: exactly at the line counts as met.
        quorum_met=eligible > 0 and voted * 100 >= community.quorum_percent * eligible,
        threshold_met=decisive > 0
        and tally["yes"] * 100 >= community.threshold_percent * decisive,
    )
    return tally


def proposal_close(*, proposal: Proposal, now=None) -> Proposal:
    """Close a proposal whose vote has ended: adopted when the quorum and
    the threshold are met, else rejected. An adopted change applies at once
    or at its effective date. Safe to run twice: only one close counts."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("community").get(
            pk=proposal.pk)
        if proposal.status != Proposal.Status.OPEN or proposal.closes_at > now:
            return proposal
        tally = proposal_tally(proposal)
        adopted = tally["quorum_met"] and tally["threshold_met"]
        proposal.status = Proposal.Status.ADOPTED if adopted else Proposal.Status.REJECTED
        proposal.tally = tally
        proposal.closed_at = now
        proposal.save(update_fields=["status", "tally", "closed_at"])
        community = proposal.community
        events.notify(_active_member_ids(community), "proposal_decided",
                      url=f"/proposals/{proposal.pk}/",
                      data={"community": community.slug, "community_name": community.name,
                            "proposal": proposal.pk, "status": proposal.status})
        if adopted and (proposal.effective_at is None or proposal.effective_at <= now):
            _apply_adopted(proposal, now=now)
    return proposal


def _apply_adopted(proposal: Proposal, *, now) -> None:
    community = proposal.community
    rule = proposal.rule
    # A rule that went away meanwhile (another adopted proposal) leaves
    # nothing to change or remove.
    if rule is not None or proposal.action in (Proposal.Action.ADD, Proposal.Action.SETTINGS):
        _apply(community=community, action=proposal.action, actor=proposal.proposer,
               rule=rule, rule_type=proposal.rule_type, params=proposal.params,
               settings=proposal.settings, proposal=proposal)
    proposal.applied_at = now
    Proposal.objects.filter(pk=proposal.pk).update(applied_at=now)


def proposals_close_due(*, now=None) -> int:
    """The job: close every proposal whose vote has ended, and apply adopted
    changes whose effective date has come."""
    now = now or timezone.now()
    closed = 0
    for proposal in Proposal.objects.filter(status=Proposal.Status.OPEN, closes_at__lte=now):
        closed += proposal_close(proposal=proposal, now=now).closed_at == now
    for proposal in Proposal.objects.filter(status=Proposal.Status.ADOPTED,
                                            applied_at__isnull=True, effective_at__lte=now):
        with transaction.atomic():
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if locked.applied_at is None:
                _apply_adopted(locked, now=now)
    return closed
