"""Community rules that count hold under concurrency, on SQLite and
PostgreSQL: one borrower's simultaneous requests are judged one after the
other, so exactly one of them can take the last place a limit leaves."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, Extension
from bookings.services.booking import booking_act, booking_request
from bookings.services.extension import extension_decide, extension_request
from community_rules.governance import rule_add
from community_rules.models import Community, Membership
from listings.categories import seed_categories
from listings.models import Listing
from listings.services.listing import listing_create
from marketplace.errors import RuleViolation
from tests.fixtures.bookings import make_listing, tomorrow_at
from tests.fixtures.threads import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVE_SENTENCE = "A member may have at most 1 active booking at a time."


@pytest.fixture
def library(owner, member):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    return community


def shared_listing(owner, library, title):
    listing = make_listing(owner, title=title, visibility="communities")
    listing.communities.add(library)
    return listing


def test_eight_requests_of_one_member_through_eight_listings_only_one_wins(
        owner, member, library):
    rule_add(actor=owner, community=library, type="max_active_bookings_per_member",
             params={"count": 1})
    listings = [shared_listing(owner, library, f"Tool {i}") for i in range(8)]
    start = tomorrow_at(10)

    def ask(i):
        client = APIClient()
        client.force_authenticate(member)
        return client.post("/api/v1/bookings/", {
            "listing": listings[i].pk, "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat(), "community": "library"},
            format="json", HTTP_ACCEPT_LANGUAGE="en")

    answers = run_at_once(ask, 8)

    assert sorted(a.status_code for a in answers) == [201] + [422] * 7
    for refused in (a for a in answers if a.status_code == 422):
        body = refused.json()
        assert body["code"] == "rule_violation"
        assert [v["message"] for v in body["violations"]] == [ACTIVE_SENTENCE]
    assert Booking.objects.filter(borrower=member).count() == 1


def test_an_extension_and_a_new_booking_cannot_both_take_the_last_days(
        owner, member, library):
    """Fair use of 2 days in any 30: a 1-day loan may grow by a day, or a
    second 1-day loan may be made, but not both: the lender approving the
    extension and the borrower asking for the second loan race."""
    rule_add(actor=owner, community=library, type="fair_use", params={"days_per_30": 2})
    first = shared_listing(owner, library, "Ladder")
    second = shared_listing(owner, library, "Saw")
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=first.pk, start=start,
                              end=start + timedelta(days=1), community="library")
    booking_act(actor=owner, booking=booking, action="approve")
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    extension = extension_request(actor=member, booking=booking,
                                  new_end=start + timedelta(days=2))

    def work(i):
        if i == 0:
            return extension_decide(actor=owner, extension=Extension.objects.get(
                pk=extension.pk), approve=True)
        return booking_request(actor=member, listing_id=second.pk,
                               start=start + timedelta(days=3),
                               end=start + timedelta(days=4), community="library")

    outcomes = run_at_once(work, 2)

    won = [o for o in outcomes if isinstance(o, Booking | Extension)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(won) == 1 and len(refused) == 1
    assert refused[0].extra["violations"][0]["rule"] == "fair_use"


def test_eight_listings_shared_at_once_respect_max_listings_per_member(
        owner, member, library):
    seed_categories()  # transactional tests flush the data migration's categories
    rule_add(actor=owner, community=library, type="max_listings_per_member",
             params={"count": 1})

    outcomes = run_at_once(lambda i: listing_create(
        actor=member, title=f"Thing {i}", category="power-tools", visibility="communities",
        communities=["library"]), 8)

    assert sum(isinstance(o, Listing) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 7
    assert all(r.extra["violations"][0]["rule"] == "max_listings_per_member" for r in refused)
    assert Listing.objects.filter(owner=member).count() == 1


def test_approval_checks_the_rules_as_they_are_when_the_lender_approves(
        owner, member, library):
    listing = shared_listing(owner, library, "Projector")
    start = tomorrow_at(10)
    rule_add(actor=owner, community=library, type="requires_approval", params={})
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=3), community="library")
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 2})

    with pytest.raises(RuleViolation) as refused:
        booking_act(actor=owner, booking=booking, action="approve")

    assert refused.value.extra["violations"][0]["message"] == "Loans last at most 2 days."
    booking.refresh_from_db()
    assert booking.status == "requested"
