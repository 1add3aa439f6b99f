"""Evaluates a community's rules against a booking or a listing and explains
every refusal.

The engine judges facts handed to it and imports no booking or listing:
bookings build a booking's facts (bookings/rules.py) when a request is made,
approved or extended; listings build a listing's (listings/rules.py) when
it is made, edited or shared into a community. Every violation is reported,
not only the first, as {"rule", "rule_id", "community", "message"}; `rule`
is the rule's type (shared/API.md).
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership, Rule, RuleSetVersion, Sanction
from community_rules.policy import sanction_in_force
from community_rules.rule_types import (
    REGISTRY,
    BookingFacts,
    ListingFacts,
    UnreadableRule,
    applied_params,
    describe,
)
from community_rules.selectors import SEEING_STATUSES

logger = logging.getLogger(__name__)

def _violation(rule: Rule | None, rule_type: str, community: Community, message: str) -> dict:
    return {"rule": rule_type, "rule_id": rule.pk if rule else None,
            "community": community.slug, "message": message}


def without_identity(violation: dict) -> dict:
    """A private community's rule, told to someone who may not see that
    community (issue 15): what it asks, never whose it is (no slug, no rule
    id, which would name it to whoever can look them up)."""
    return {**violation, "rule_id": None, "community": None, "message": _(
        "A private community this listing is shared in has this rule: %(rule)s") % {
        "rule": violation["message"]}}


def _hidden_from(community: Community, seen_ids) -> bool:
    return community.visibility == Community.Visibility.PRIVATE and community.pk not in seen_ids


def _judged(rule: Rule, community: Community, check: str, facts) -> dict | None:
    """The violation of one rule, by its type's `check` ("check_booking" or
    "check_listing"). A rule the site cannot apply (a type it does not
    know, params no check can read) refuses, and says so: it is never
    skipped, which would quietly allow what the community forbade. Numbers
    beyond their bounds are applied at the bound (rule_types.applied_params)."""
    rule_type = REGISTRY.get(rule.type)
    if rule_type is None:
        logger.error("Rule %s of community %s has the unknown type %r: refusing what it "
                     "would check", rule.pk, community.slug, rule.type)
        return _violation(rule, rule.type, community, _(
            "This community has a rule of a kind this site does not know (“%(type)s”), so "
            "this cannot go ahead for now. The problem has been logged; a moderator can "
            "remove the rule.") % {"type": rule.type})
    checker = getattr(rule_type, check)
    if checker is None:
        return None
    try:
        params = applied_params(rule.type, rule.params)
    except UnreadableRule as error:
        logger.error("Rule %s (%s) of community %s cannot be read: %s; params %r",
                     rule.pk, rule.type, community.slug, error, rule.params)
        return _violation(rule, rule.type, community, _(
            "This community's rule “%(rule)s” could not be applied, so this cannot go "
            "ahead for now. The problem has been logged; a moderator can correct or "
            "remove the rule.") % {"rule": rule_type.label})
    if params != rule.params:
        logger.warning("Rule %s (%s) of community %s is applied as %r, not as stored: %r",
                       rule.pk, rule.type, community.slug, params, rule.params)
    message = checker(params, facts)
    return _violation(rule, rule.type, community, message) if message else None


def _suspension_message(sanction: Sanction) -> str:
    """Why someone under a ban or a suspension may not borrow, and until
    when, with the reason they were given."""
    if sanction.kind == Sanction.Kind.BAN:
        message = _("You are banned from this community, so you may not borrow in it.")
    elif sanction.until is None:
        message = _("Your membership is suspended. You may not borrow in this community "
                    "until a moderator lifts the suspension.")
    else:
        message = _("Your membership is suspended until %(until)s. You may not borrow in "
                    "this community until then.") % {
            "until": timezone.localtime(sanction.until).strftime("%Y-%m-%d %H:%M")}
    if sanction.reason:
        message = "{} {}".format(message, _("Reason: %(reason)s") % {"reason": sanction.reason})
    return message


def check_booking(facts: BookingFacts, *, shared_in: Iterable[int] = ()) -> list[dict]:
    """Every rule the booking breaks: a ban or suspension and the rules of
    the community it is made through, plus the rules that guard what is
    shared (members_only) of every other community in `shared_in` (ids of
    the communities the listing is shared in)."""
    violations = []
    community, borrower = facts.community, facts.borrower
    if community is not None:
        # The Sanction rows say who is banned or suspended, and until when
        # (community_rules.policy); the membership only mirrors them.
        sanction = sanction_in_force(community=community, user=borrower, now=facts.now)
        if sanction is not None:
            violations.append(_violation(None, "suspension", community,
                                         _suspension_message(sanction)))
        for rule in community.rules.all():
            violation = _judged(rule, community, "check_booking", facts)
            if violation:
                violations.append(violation)
    memberships = {m.community_id: m for m in Membership.objects.filter(
        user=borrower, community_id__in=list(shared_in))}
    seen = {pk for pk, m in memberships.items() if m.status in SEEING_STATUSES}
    for rule in _guarding(shared_in, besides=community):
        rule_facts = replace(facts, community=rule.community,
                             membership=memberships.get(rule.community_id))
        violation = _judged(rule, rule.community, "check_booking", rule_facts)
        if violation:
            # Still applied (the community forbade it), but a private
            # community stays unnamed to those outside it.
            violations.append(without_identity(violation)
                              if _hidden_from(rule.community, seen) else violation)
    return violations


def _guarding(shared_in: Iterable[int], *, besides: Community | None):
    """The rules of these communities that guard what is shared in them
    whichever way it is booked."""
    return (Rule.objects.filter(community_id__in=list(shared_in))
            .exclude(community=besides)
            .filter(type__in=[n for n, t in REGISTRY.items() if t.guards_shared_listings])
            .select_related("community"))


def check_listing(*, owner, listing, communities, category_slugs: frozenset[str],
                  other_listings_here: Callable[[Community], int]) -> list[dict]:
    """Every rule of the communities a listing is (to be) shared in that the
    listing breaks. `other_listings_here(community)` counts the owner's
    other listings there."""
    violations = []
    for community in communities:
        facts = ListingFacts(owner=owner, listing=listing, community=community,
                             category_slugs=category_slugs,
                             other_listings_here=partial(other_listings_here, community))
        for rule in community.rules.all():
            violation = _judged(rule, community, "check_listing", facts)
            if violation:
                violations.append(violation)
    return violations


def rules_that_apply(*, community: Community | None, shared_in: Iterable[int],
                     asker=None) -> list[dict]:
    """The rules a booking would be checked against, in plain words, before
    anyone asks: those of the community it is booked through, and those that
    guard what is shared in the other communities of `shared_in`. Those of a
    private community `asker` may not see are told without its name."""
    rules = list(community.rules.all()) if community is not None else []
    rules += list(_guarding(shared_in, besides=community))
    seen = set()
    if asker is not None and asker.is_authenticated:
        seen = set(Membership.objects.filter(
            user=asker, community_id__in=[r.community_id for r in rules],
            status__in=SEEING_STATUSES).values_list("community_id", flat=True))
    told = []
    for r in sorted(rules, key=lambda r: r.pk):
        text = describe(r.type, r.params)
        if _hidden_from(r.community, seen):
            told.append({"rule": r.type, "rule_id": None, "community": None, "text": _(
                "A private community this listing is shared in has this rule: %(rule)s")
                % {"rule": text}})
        else:
            told.append({"rule": r.type, "rule_id": r.pk, "community": r.community.slug,
                         "text": text})
    return told


def requires_approval(community: Community | None) -> bool:
    """Instant booking is off for bookings made through this community."""
    return community is not None and community.rules.filter(type__in=[
        name for name, rule_type in REGISTRY.items() if rule_type.turns_off_instant_booking
    ]).exists()


def current_version(community: Community | None) -> RuleSetVersion | None:
    if community is None:
        return None
    return community.rule_versions.filter(effective_at__lte=timezone.now()).first()
