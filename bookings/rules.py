"""What a community's rules are told about a booking, and when.

The rules engine (community_rules/engine.py) judges facts handed to it and
imports no booking: the facts are built here, from bookings' own tables.
Checks that count (active bookings, days in any 30) run inside the
booking's transaction after the borrower's membership row is locked, so
two requests of one borrower cannot both pass a limit."""

from datetime import datetime, timedelta

from django.db.models import Q

from bookings.models import Booking
from community_rules import engine as rules_engine
from community_rules.fair_use import WINDOW, busiest_window_days
from community_rules.models import Community, Membership
from community_rules.rule_types import BookingFacts
from community_rules.selectors import membership_locked
from listings.models import Listing
from listings.rules import category_path
from listings.selectors import Viewer
from marketplace.errors import RuleViolation

# Bookings that count as "booked" for fair use and gaps: holding ones and
# loans that happened.
COUNTED = (*Booking.HOLDING, Booking.Status.RETURNED, Booking.Status.DISPUTED,
           Booking.Status.COMPLETED)


def booking_facts(*, borrower, listing: Listing, community, start: datetime, end: datetime,
                  now: datetime, booking: Booking | None = None,
                  membership: Membership | None = None) -> BookingFacts:
    """The facts rules ask about a draft booking, each count made from the
    database only when a rule asks."""
    booking_id = booking.pk if booking is not None else None
    mine = Booking.objects.filter(borrower=borrower).exclude(pk=booking_id)
    through_here = mine.filter(community=community)

    def active_bookings() -> int:
        return through_here.filter(status__in=Booking.HOLDING).count()

    def days_in_30_with_this() -> float:
        """Days of loans through this community in the busiest 30-day window
        this loan touches, wherever that window starts."""
        # Every window touching [start, end) lies within 30 days of it.
        others = list(through_here.filter(status__in=COUNTED, start__lt=end + WINDOW,
                                          end__gt=start - WINDOW).values_list("start", "end"))
        return busiest_window_days(others, (start, end))

    def hours_since_last_loan_of_listing():
        gaps = []
        for s, e in mine.filter(listing=listing, status__in=COUNTED).values_list("start", "end"):
            if s < end and e > start:
                gaps.append(0.0)
            else:
                gaps.append(min(abs(start - e), abs(s - end)) / timedelta(hours=1))
        return min(gaps) if gaps else None

    def has_overdue() -> bool:
        return mine.filter(status=Booking.Status.PICKED_UP, end__lt=now).exists()

    if membership is None and community is not None:
        membership = Membership.objects.filter(community=community, user=borrower).first()
    return BookingFacts(
        borrower=borrower, listing=listing, community=community, start=start, end=end,
        now=now, membership=membership, booking_id=booking_id,
        category_slugs=category_path(listing),
        active_bookings=active_bookings, days_in_30_with_this=days_in_30_with_this,
        hours_since_last_loan_of_listing=hours_since_last_loan_of_listing,
        has_overdue=has_overdue,
    )


def shared_in(listing: Listing) -> list[int]:
    """The communities the listing is shared in (from what was prefetched
    with it, when it was)."""
    return [community.pk for community in listing.communities.all()]


def booking_rule_violations(*, borrower, listing: Listing, community, start: datetime,
                            end: datetime, now: datetime, booking: Booking | None = None,
                            membership: Membership | None = None) -> list[dict]:
    """Every rule the booking would break (no lock: for quotes and tests)."""
    facts = booking_facts(borrower=borrower, listing=listing, community=community,
                          start=start, end=end, now=now, booking=booking,
                          membership=membership)
    return rules_engine.check_booking(facts, shared_in=shared_in(listing))


def check_booking_rules(*, borrower, listing: Listing, community, start: datetime,
                        end: datetime, now: datetime, booking: Booking | None = None) -> None:
    """Call inside the transaction that writes the booking: locks the
    borrower's membership, then raises RuleViolation with every rule
    broken."""
    membership = membership_locked(community=community, user=borrower)
    violations = booking_rule_violations(borrower=borrower, listing=listing,
                                         community=community, start=start, end=end, now=now,
                                         booking=booking, membership=membership)
    if violations:
        raise RuleViolation(violations)


def rules_that_apply(*, listing: Listing, community, asker=None) -> list[dict]:
    """The rules a booking of this listing through `community` would be
    checked against, in plain words (the quote shows them); those of private
    communities `asker` is not in, without the community's name."""
    return rules_engine.rules_that_apply(community=community, shared_in=shared_in(listing),
                                         asker=asker)


def quoted_community(*, listing: Listing, viewer: Viewer, slug: str | None):
    """The community a quote is asked through: one the listing is shared in
    and the viewer may see. A private community's slug tells an outsider
    nothing, not even its rules (issue 15): the quote is then as without one."""
    if not slug:
        return None
    return listing.communities.filter(
        Q(visibility=Community.Visibility.PUBLIC) | Q(pk__in=viewer.community_ids),
        slug=slug).first()
