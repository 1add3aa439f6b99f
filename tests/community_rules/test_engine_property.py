"""Hypothesis checks the engine against a plain reference for random
bookings and rule sets (max duration, active bookings, fair use)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Booking
from bookings.rules import booking_facts, booking_rule_violations
from community_rules.models import Community, Membership, Rule
from tests.community_rules.test_fair_use import busiest_by_the_sentence
from tests.fixtures.bookings import make_listing

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

rule_sets = st.fixed_dictionaries({}, optional={
    "max_days": st.integers(1, 6),
    "max_active": st.integers(1, 4),
    "days_per_30": st.integers(1, 12),
})
# Existing loans of the member through the community, on the hour grid:
# (start hour, length in hours, still holding?)
loans = st.lists(st.tuples(st.integers(-24 * 40, 24 * 40), st.integers(1, 24 * 6),
                           st.booleans()), max_size=8)
new_loan = st.tuples(st.integers(24, 24 * 30), st.integers(1, 24 * 8))


def reference(rules, existing, start, end):
    """What the rules say, computed the obvious way."""
    broken = []
    if "max_days" in rules and end - start > rules["max_days"] * DAY:
        broken.append("max_loan_duration")
    if "max_active" in rules and sum(1 for _, _, holding in existing if holding) >= rules[
            "max_active"]:
        broken.append("max_active_bookings_per_member")
    if "days_per_30" in rules:
        busiest = busiest_by_the_sentence([(s, e) for s, e, _ in existing], (start, end))
        if busiest > rules["days_per_30"] + 1e-9:
            broken.append("fair_use")
    return broken


@pytest.mark.django_db
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(rules=rule_sets, existing=loans, new=new_loan)
def test_engine_agrees_with_the_reference(owner, member, rules, existing, new):
    Booking.objects.all().delete()
    Community.objects.filter(slug="ref").delete()
    community = Community.objects.create(name="Reference", slug="ref")
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now() - 400 * DAY)
    if "max_days" in rules:
        Rule.objects.create(community=community, type="max_loan_duration",
                            params={"days": rules["max_days"]})
    if "max_active" in rules:
        Rule.objects.create(community=community, type="max_active_bookings_per_member",
                            params={"count": rules["max_active"]})
    if "days_per_30" in rules:
        Rule.objects.create(community=community, type="fair_use",
                            params={"days_per_30": rules["days_per_30"]})
    # Each existing loan on its own unit: they may overlap one another.
    listing = make_listing(owner, title="Anything", units=8)
    units = list(listing.units.all())
    now = timezone.now().replace(microsecond=0)
    existing_periods = []
    for unit, (hour, hours, holding) in zip(units, existing, strict=False):
        start = now + hour * HOUR
        end = start + timedelta(hours=hours)
        Booking.objects.create(listing=listing, unit=unit, borrower=member,
                               community=community, start=start, end=end,
                               status="confirmed" if holding else "completed")
        existing_periods.append((start, end, holding))
    start = now + new[0] * HOUR
    end = start + new[1] * HOUR

    violations = booking_rule_violations(borrower=member, listing=listing,
                                         community=community, start=start, end=end, now=now)
    facts = booking_facts(borrower=member, listing=listing, community=community,
                          start=start, end=end, now=now)

    assert sorted(v["rule"] for v in violations) == sorted(
        reference(rules, existing_periods, start, end))
    assert facts.days_in_30_with_this() == pytest.approx(busiest_by_the_sentence(
        [(s, e) for s, e, _ in existing_periods], (start, end)), abs=1e-9)
