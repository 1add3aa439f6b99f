"""Fair use counts the busiest 30 days a new loan touches, wherever those 30
days start: "at most N days of loans per member in any 30 days"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.rules import booking_rule_violations
from bookings.services.booking import booking_request
from community_rules.fair_use import busiest_window_days
from community_rules.governance import rule_add
from tests.fixtures.bookings import make_listing, tomorrow_at

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
SENTENCE = "Fair use: at most 10 days of loans per member in any 30 days."


def busiest_by_the_sentence(loans, new) -> float:
    """The rule's sentence read literally, for loans on the hour grid: try
    every 30-day window [w, w + 30 days) that touches the new loan, one hour
    apart, and add up the booked time inside it, the new loan included."""
    start, end = new
    busiest = timedelta(0)
    w = start - 30 * DAY
    while w <= end:
        booked = timedelta(0)
        for s, e in [*loans, new]:
            booked += max(min(e, w + 30 * DAY) - max(s, w), timedelta(0))
        busiest = max(busiest, booked)
        w += HOUR
    return busiest / DAY


@pytest.fixture
def library(make_community, admit, owner, member):
    """A tool library with a fair-use cap of 10 days, `member` admitted."""
    community = make_community()
    admit(community, member)
    rule_add(actor=owner, community=community, type="fair_use", params={"days_per_30": 10})
    return community


@pytest.fixture
def tools(owner, library):
    listing = make_listing(owner, title="Tools", visibility="communities", units=3)
    listing.communities.add(library)
    return listing


def borrow(member, listing, community, day, days):
    start = tomorrow_at(10, day)
    return booking_request(actor=member, listing_id=listing.pk, start=start,
                           end=start + days * DAY, community=community.slug)


def check(member, listing, community, day, days):
    start = tomorrow_at(10, day)
    return booking_rule_violations(borrower=member, listing=listing, community=community,
                                   start=start, end=start + days * DAY, now=timezone.now())


@pytest.mark.django_db
def test_eleven_days_inside_one_30_day_span_are_refused(member, library, tools):
    # 5 days, then the new day 10 days later, then 5 more 10 days after it:
    # days 1 to 31 hold 11 days, though neither the 30 days before the new
    # loan ends nor the 30 after it starts holds more than 6.
    borrow(member, tools, library, day=1, days=5)
    borrow(member, tools, library, day=26, days=5)

    violations = check(member, tools, library, day=16, days=1)

    assert [(v["rule"], v["message"]) for v in violations] == [("fair_use", SENTENCE)]


@pytest.mark.django_db
def test_ten_days_inside_one_30_day_span_are_allowed(member, library, tools):
    borrow(member, tools, library, day=1, days=4)
    borrow(member, tools, library, day=26, days=5)

    assert check(member, tools, library, day=16, days=1) == []


def test_overlapping_loans_each_count():
    t = datetime(2025, 3, 1, tzinfo=UTC)
    loans = [(t, t + 3 * DAY), (t + DAY, t + 3 * DAY)]

    assert busiest_window_days(loans, (t + 2 * DAY, t + 4 * DAY)) == 7


T0 = datetime(2025, 3, 1, tzinfo=UTC)
# (start, length) in hours from T0: the new loan, and others around it, some
# beyond its 30-day reach, some overlapping one another.
new_loans = st.tuples(st.integers(0, 24 * 10), st.integers(1, 24 * 10))
other_loans = st.lists(st.tuples(st.integers(-24 * 45, 24 * 55), st.integers(1, 24 * 10)),
                       max_size=10)


def _periods(hours):
    return [(T0 + start * HOUR, T0 + (start + length) * HOUR) for start, length in hours]


@settings(max_examples=200, deadline=None)
@given(new=new_loans, others=other_loans)
def test_busiest_window_is_the_busiest_of_any_30_days(new, others):
    [new_period] = _periods([new])
    loans = _periods(others)

    assert busiest_window_days(loans, new_period) == pytest.approx(
        busiest_by_the_sentence(loans, new_period), abs=1e-9)
