"""Evaluates a community's rules against a booking or a listing and explains
every refusal.

Bookings call `check_booking` when a request is made, when it is approved
and when an extension is asked; listings call `check_listing` when created,
edited or shared into a community. Every violation is reported, not only
the first, as {"rule", "rule_id", "community", "message"}; `rule` is the
rule's type (shared/API.md).
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership, Rule, RuleSetVersion, Sanction
from community_rules.rule_types import REGISTRY, BookingFacts, ListingFacts

# Bookings that count as "booked" for fair use: holding ones and loans that
# happened.
COUNTED = ("requested", "approved", "confirmed", "picked_up", "returned", "disputed",
           "completed")
HOLDING = ("requested", "approved", "confirmed", "picked_up")


def _violation(rule: Rule | None, rule_type: str, community: Community, message: str) -> dict:
    return {"rule": rule_type, "rule_id": rule.pk if rule else None,
            "community": community.slug, "message": message}


def _overlap_days(start, end, window_start, window_end) -> float:
    overlap = min(end, window_end) - max(start, window_start)
    return max(overlap, timedelta(0)) / timedelta(days=1)


def booking_facts(*, borrower, listing, community, start, end, booking=None,
                  now=None) -> BookingFacts:
    """The facts rules ask about, each counted from the database on demand."""
    from bookings.models import Booking

    now = now or timezone.now()
    booking_id = booking.pk if booking is not None else None
    mine = Booking.objects.filter(borrower=borrower).exclude(pk=booking_id)
    through_here = mine.filter(community=community)

    def active_bookings() -> int:
        return through_here.filter(status__in=HOLDING).count()

    def days_in_30_with_this() -> float:
        """Days of loans through this community in the busiest 30-day window
        this loan falls in: the 30 days before it ends, or after it starts."""
        windows = [(end - timedelta(days=30), end), (start, start + timedelta(days=30))]
        others = list(through_here.filter(status__in=COUNTED, start__lt=start + timedelta(
            days=30), end__gt=end - timedelta(days=30)).values_list("start", "end"))
        return max(
            sum(_overlap_days(s, e, ws, we) for s, e in others)
            + _overlap_days(start, end, ws, we)
            for ws, we in windows
        )

    def hours_since_last_loan_of_listing():
        gaps = []
        for s, e in mine.filter(listing=listing, status__in=COUNTED).values_list("start", "end"):
            if s < end and e > start:
                gaps.append(0.0)
            else:
                gaps.append(min(abs(start - e), abs(s - end)) / timedelta(hours=1))
        return min(gaps) if gaps else None

    def has_overdue() -> bool:
        return mine.filter(status="picked_up", end__lt=now).exists()

    membership = (Membership.objects.filter(community=community, user=borrower).first()
                  if community is not None else None)
    return BookingFacts(
        borrower=borrower, listing=listing, community=community, start=start, end=end,
        now=now, membership=membership, booking_id=booking_id,
        active_bookings=active_bookings, days_in_30_with_this=days_in_30_with_this,
        hours_since_last_loan_of_listing=hours_since_last_loan_of_listing,
        has_overdue=has_overdue,
    )


def active_suspension(*, community: Community, user, now=None) -> Sanction | None:
    now = now or timezone.now()
    return (Sanction.objects.filter(community=community, user=user,
                                    kind__in=[Sanction.Kind.SUSPENSION, Sanction.Kind.BAN])
            .filter(Q(until__isnull=True) | Q(until__gt=now)).order_by("-created_at").first())


def _suspension_message(sanction: Sanction) -> str:
    if sanction.until is None:
        return _("You may no longer borrow in this community: %(reason)s") % {
            "reason": sanction.reason}
    return _("You may not borrow in this community until %(until)s: %(reason)s") % {
        "until": timezone.localtime(sanction.until).strftime("%Y-%m-%d %H:%M"),
        "reason": sanction.reason}


def check_booking(*, borrower, listing, community, start, end, booking=None,
                  now=None) -> list[dict]:
    """Every rule the booking breaks: the rules of the community it is made
    through, plus members_only of every community the listing is shared in."""
    violations = []
    facts = booking_facts(borrower=borrower, listing=listing, community=community,
                          start=start, end=end, booking=booking, now=now)
    if community is not None:
        membership = facts.membership
        if membership is not None and membership.status == Membership.Status.BANNED:
            violations.append(_violation(None, "suspension", community,
                                         _("You were removed from borrowing in this community.")))
        elif membership is not None and membership.status == Membership.Status.SUSPENDED and (
                membership.suspended_until is None or membership.suspended_until > facts.now):
            until = membership.suspended_until
            violations.append(_violation(None, "suspension", community, (
                _("Your membership is suspended until %(until)s.") % {
                    "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}
                if until else _("Your membership is suspended."))))
        sanction = active_suspension(community=community, user=borrower, now=facts.now)
        if sanction is not None:
            violations.append(_violation(None, "suspension", community,
                                         _suspension_message(sanction)))
        for rule in community.rules.all():
            rule_type = REGISTRY.get(rule.type)
            if rule_type and rule_type.check_booking:
                message = rule_type.check_booking(rule.params, facts)
                if message:
                    violations.append(_violation(rule, rule.type, community, message))
    guarded = (Rule.objects.filter(community__in=listing.communities.all())
               .exclude(community=community)
               .filter(type__in=[n for n, t in REGISTRY.items() if t.guards_shared_listings])
               .select_related("community"))
    for rule in guarded:
        membership = Membership.objects.filter(community=rule.community, user=borrower).first()
        rule_facts = BookingFacts(borrower=borrower, listing=listing, community=rule.community,
                                  start=start, end=end, now=facts.now, membership=membership)
        message = REGISTRY[rule.type].check_booking(rule.params, rule_facts)
        if message:
            violations.append(_violation(rule, rule.type, rule.community, message))
    return violations


def check_listing(*, owner, listing, communities) -> list[dict]:
    """Every rule of the communities a listing is (to be) shared in that the
    listing breaks."""
    from listings.models import Listing

    violations = []
    for community in communities:
        def other_listings_here(community=community) -> int:
            return (Listing.objects.filter(owner=owner, communities=community,
                                           status__in=["active", "paused", "draft"])
                    .exclude(pk=listing.pk).count())

        facts = ListingFacts(owner=owner, listing=listing, community=community,
                             other_listings_here=other_listings_here)
        for rule in community.rules.all():
            rule_type = REGISTRY.get(rule.type)
            if rule_type and rule_type.check_listing:
                message = rule_type.check_listing(rule.params, facts)
                if message:
                    violations.append(_violation(rule, rule.type, community, message))
    return violations


def rules_that_apply(*, listing, community: Community | None) -> list[dict]:
    """The rules a booking of this listing would be checked against, in
    plain words, before anyone asks: the community's it is booked through,
    and members_only of every community it is shared in."""
    from community_rules.rule_types import describe

    rules = list(community.rules.all()) if community is not None else []
    guarded = [n for n, t in REGISTRY.items() if t.guards_shared_listings]
    rules += list(Rule.objects.filter(community__in=listing.communities.all(),
                                      type__in=guarded).exclude(community=community))
    return [{"rule": r.type, "rule_id": r.pk, "community": r.community.slug,
             "text": describe(r.type, r.params)}
            for r in sorted(rules, key=lambda r: r.pk)]


def requires_approval(community: Community | None) -> bool:
    """Instant booking is off for bookings made through this community."""
    return community is not None and community.rules.filter(type="requires_approval").exists()


def current_version(community: Community | None) -> RuleSetVersion | None:
    if community is None:
        return None
    return community.rule_versions.filter(effective_at__lte=timezone.now()).first()
