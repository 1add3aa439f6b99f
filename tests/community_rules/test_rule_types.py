"""Each rule type allows what it should and refuses what it should, with its
sentence; every violation is reported together."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from community_rules.governance import rule_add
from community_rules.models import Community, Membership, Sanction
from community_rules.rule_types import clean_rule, describe
from listings.models import Category
from listings.rules import listing_rule_violations
from marketplace.errors import RuleViolation, ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member):
    """A moderated tool library: `owner` runs it, `member` joined 30 days ago."""
    community = Community.objects.create(name="Mapo Tool Library", slug="mapo",
                                         governance="moderated")
    Membership.objects.create(community=community, user=owner, role="owner", status="active",
                              joined_at=timezone.now() - timedelta(days=400))
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now() - timedelta(days=30))
    return community


@pytest.fixture
def shared_drill(owner, library):
    drill = make_listing(owner, title="Drill", visibility="communities", units=5)
    drill.communities.add(library)
    return drill


def request(member, listing, start=None, hours=24, community="mapo"):
    start = start or tomorrow_at(10)
    return booking_request(actor=member, listing_id=listing.pk, start=start,
                           end=start + timedelta(hours=hours), community=community)


def refused(call) -> list[dict]:
    with pytest.raises(RuleViolation) as error:
        call()
    return error.value.extra["violations"]


def test_max_loan_duration_in_days(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 3})
    assert request(member, shared_drill, hours=72).status == "requested"
    violations = refused(lambda: request(member, shared_drill, start=tomorrow_at(10, 5),
                                         hours=73))
    assert violations == [{"rule": "max_loan_duration", "rule_id": violations[0]["rule_id"],
                           "community": "mapo", "message": "Loans last at most 3 days."}]


def test_max_loan_duration_for_one_category_only(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_loan_duration",
             params={"hours": 4, "category": "camping"})
    assert request(member, shared_drill, hours=24)  # a power tool: not limited
    tent = make_listing(owner, title="Tent", units=1, visibility="communities",
                        category=Category.objects.get(slug="camping"))
    tent.communities.add(library)
    [violation] = refused(lambda: request(member, tent, hours=5))
    assert violation["message"] == "Camping: Loans last at most 4 hours."


def test_max_active_bookings_per_member(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_active_bookings_per_member",
             params={"count": 2})
    first = request(member, shared_drill, start=tomorrow_at(10, 1))
    request(member, shared_drill, start=tomorrow_at(10, 3))
    [violation] = refused(lambda: request(member, shared_drill, start=tomorrow_at(10, 5)))
    assert violation["message"] == "A member may have at most 2 active bookings at a time."
    booking_act(actor=member, booking=first, action="cancel")
    assert request(member, shared_drill, start=tomorrow_at(10, 5))


def test_fair_use_days_per_30_and_gap(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="fair_use",
             params={"days_per_30": 3, "min_gap_hours": 48})
    request(member, shared_drill, start=tomorrow_at(10, 1), hours=48)
    [violation] = refused(lambda: request(member, shared_drill, start=tomorrow_at(10, 3),
                                          hours=24))
    assert violation["message"].startswith("Fair use: at most 3 days of loans per member")
    assert "Wait 48 hours" in violation["message"]
    other = make_listing(owner, title="Saw", visibility="communities")
    other.communities.add(library)
    assert request(member, other, start=tomorrow_at(10, 8), hours=24)  # 3 days in all
    assert refused(lambda: request(member, other, start=tomorrow_at(10, 12), hours=24))


def test_min_membership_age(owner, member, outsider, library, shared_drill):
    rule_add(actor=owner, community=library, type="min_membership_age_days",
             params={"days": 14})
    assert request(member, shared_drill)  # joined 30 days ago
    Membership.objects.create(community=library, user=outsider, status="active",
                              joined_at=timezone.now() - timedelta(days=2))
    [violation] = refused(lambda: request(outsider, shared_drill, start=tomorrow_at(10, 4)))
    assert violation["message"] == "Members may borrow after 14 days of membership."


def test_members_only_guards_public_listings_shared_here(owner, member, outsider, library):
    rule_add(actor=owner, community=library, type="members_only", params={})
    public_drill = make_listing(owner, title="Public drill", visibility="public")
    public_drill.communities.add(library)
    [violation] = refused(lambda: request(outsider, public_drill, community=None))
    assert violation == {"rule": "members_only", "rule_id": violation["rule_id"],
                         "community": "mapo",
                         "message": "Only active members may borrow what is shared here."}
    assert request(member, public_drill, community=None)


def test_requires_approval_turns_instant_booking_off(owner, member, library):
    rule_add(actor=owner, community=library, type="requires_approval", params={})
    instant = make_listing(owner, title="Instant", instant_booking=True,
                           visibility="communities")
    instant.communities.add(library)
    assert request(member, instant).status == "requested"
    [violation] = listing_rule_violations(listing=instant, communities=[library])
    assert violation["message"] == "Lenders approve every request: instant booking is off here."


def test_deposit_required(owner, member, library):
    rule_add(actor=owner, community=library, type="deposit_required",
             params={"minimum": 10000})
    cheap = make_listing(owner, title="No deposit", visibility="communities", deposit=0)
    cheap.communities.add(library)
    [violation] = refused(lambda: request(member, cheap))
    assert violation["message"] == "Listings shared here ask a deposit of at least 10,000 won."
    safe = make_listing(owner, title="With deposit", deposit=10000)
    assert listing_rule_violations(listing=safe, communities=[library]) == []


def test_allowed_and_forbidden_categories(owner, library):
    rule_add(actor=owner, community=library, type="allowed_categories",
             params={"categories": ["tools"]})
    rule_add(actor=owner, community=library, type="forbidden_categories",
             params={"categories": ["power-tools"]})
    drill = make_listing(owner, title="Drill")  # power-tools, under tools
    tent = make_listing(owner, title="Tent", category=Category.objects.get(slug="camping"))
    hammer = make_listing(owner, title="Hammer",
                          category=Category.objects.get(slug="hand-tools"))
    assert [v["rule"] for v in listing_rule_violations(listing=drill, communities=[library])] == [
        "forbidden_categories"]
    assert [v["rule"] for v in listing_rule_violations(listing=tent, communities=[library])] == [
        "allowed_categories"]
    assert listing_rule_violations(listing=hammer, communities=[library]) == []


def test_price_cap(owner, library):
    rule_add(actor=owner, community=library, type="price_cap", params={"per_day": 5000})
    fair = make_listing(owner, title="Fair", pricing="per_day", price=5000)
    dear = make_listing(owner, title="Dear", pricing="per_hour", price=500)  # 12,000 a day
    assert listing_rule_violations(listing=fair, communities=[library]) == []
    [violation] = listing_rule_violations(listing=dear, communities=[library])
    assert violation["message"] == "Fair prices: at most 5,000 won a day."


def test_pickup_hours(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="pickup_hours",
             params={"from": "09:00", "to": "18:00"})
    assert request(member, shared_drill, start=tomorrow_at(10), hours=24)
    [violation] = refused(lambda: request(member, shared_drill, start=tomorrow_at(19, 3),
                                          hours=24))
    assert violation["message"] == "Pickups and returns happen between 09:00 and 18:00."


def test_max_listings_per_member(owner, library):
    rule_add(actor=owner, community=library, type="max_listings_per_member",
             params={"count": 1})
    first = make_listing(owner, title="One")
    first.communities.add(library)
    second = make_listing(owner, title="Two")
    [violation] = listing_rule_violations(listing=second, communities=[library])
    assert violation["message"] == "A member may share at most 1 listing here."
    assert listing_rule_violations(listing=first, communities=[library]) == []


def late_return(owner, member, listing, *, days_late, start_days=1):
    booking = request(member, listing, start=tomorrow_at(10, start_days), hours=24)
    booking = booking_act(actor=owner, booking=booking, action="approve")
    booking = booking_act(actor=owner, booking=booking, action="pickup")
    Booking.objects.filter(pk=booking.pk).update(
        start=booking.start - timedelta(days=10 + start_days),
        end=timezone.now() - timedelta(days=days_late, minutes=5))
    booking.refresh_from_db()
    return booking_act(actor=owner, booking=booking, action="return")


def test_late_return_strikes_and_fees_then_suspension(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="late_return",
             params={"strike": True, "fee_per_day": 2000})
    rule_add(actor=owner, community=library, type="strikes_before_suspension",
             params={"strikes": 2, "days": 30})
    first = late_return(owner, member, shared_drill, days_late=2)
    assert first.late_fee == 6000  # 2 days and 5 minutes: 3 started days
    assert Sanction.objects.filter(user=member, kind="strike").count() == 1
    late_return(owner, member, shared_drill, days_late=0, start_days=3)
    suspension = Sanction.objects.get(user=member, kind="suspension")
    assert suspension.until > timezone.now() + timedelta(days=29)
    [violation] = refused(lambda: request(member, shared_drill, start=tomorrow_at(10, 6)))
    assert violation["rule"] == "suspension"
    assert "You may not borrow in this community until" in violation["message"]


def test_blocked_when_overdue(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="blocked_when_overdue", params={})
    booking = request(member, shared_drill)
    booking_act(actor=owner, booking=booking, action="approve")
    booking_act(actor=owner, booking=Booking.objects.get(pk=booking.pk), action="pickup")
    Booking.objects.filter(pk=booking.pk).update(start=timezone.now() - timedelta(days=3),
                                                 end=timezone.now() - timedelta(hours=1))
    [violation] = refused(lambda: request(member, shared_drill, start=tomorrow_at(10, 4)))
    assert violation["message"] == ("Members with an overdue item may not borrow until they "
                                    "return it.")


def test_several_violations_are_reported_together(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 1})
    rule_add(actor=owner, community=library, type="pickup_hours",
             params={"from": "09:00", "to": "18:00"})
    rule_add(actor=owner, community=library, type="min_membership_age_days",
             params={"days": 60})
    violations = refused(lambda: request(member, shared_drill, start=tomorrow_at(20),
                                         hours=49))
    assert [v["rule"] for v in violations] == [
        "max_loan_duration", "pickup_hours", "min_membership_age_days"]
    assert Booking.objects.count() == 0


def test_a_booking_remembers_the_rule_set_version(owner, member, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 7})
    rule_add(actor=owner, community=library, type="pickup_hours",
             params={"from": "08:00", "to": "20:00"})
    booking = request(member, shared_drill)
    assert booking.rule_set_version.number == 2
    assert [r["type"] for r in booking.rule_set_version.rules] == [
        "max_loan_duration", "pickup_hours"]


@pytest.mark.parametrize("rule_type,params,field_message", [
    ("max_loan_duration", {"days": 0}, "at least 1"),
    ("max_loan_duration", {"days": 2, "hours": 3}, "in days or in hours"),
    ("fair_use", {"days_per_30": "ten"}, "whole number"),
    ("pickup_hours", {"from": "18:00", "to": "09:00"}, "start before"),
    ("allowed_categories", {"categories": ["no-such"]}, "Unknown category"),
    ("members_only", {"x": 1}, "Unknown setting"),
    ("teleport", {}, "Unknown rule type"),
])
def test_bad_params_are_refused_with_a_clear_message(rule_type, params, field_message):
    with pytest.raises(ValidationFailed, match=field_message):
        clean_rule(rule_type, params)


def test_every_rule_has_a_sentence_in_korean_too():
    from django.utils import translation

    with translation.override("ko"):
        assert describe("max_loan_duration", {"days": 7}) == "대여 기간은 최대 7일입니다."
        assert describe("members_only", {}) == "이곳에 공유된 물건은 활동 회원만 빌릴 수 있습니다."


def test_a_suspended_membership_blocks_borrowing_and_says_until_when(owner, member, library,
                                                                    shared_drill):
    from community_rules.services import membership_change

    until = timezone.now() + timedelta(days=5)
    membership_change(actor=owner, membership=Membership.objects.get(user=member),
                      status="suspended", reason="Late", suspended_until=until)
    [violation] = refused(lambda: request(member, shared_drill))
    assert violation["rule"] == "suspension"
    assert violation["message"].startswith("Your membership is suspended until ")


def test_the_quote_lists_the_rules_that_apply(api, owner, library, shared_drill):
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 7})
    start = tomorrow_at(10)
    quote = api.get(f"/api/v1/listings/{shared_drill.pk}/quote/", {
        "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat(),
        "community": "mapo"}, HTTP_ACCEPT_LANGUAGE="en")
    assert quote.status_code == 404   # community-only: outsiders see nothing
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(owner)
    body = client.get(f"/api/v1/listings/{shared_drill.pk}/quote/", {
        "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat(),
        "community": "mapo"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["text"] for r in body["rules"]] == ["Loans last at most 7 days."]


def test_deposit_as_a_share_of_the_replacement_value(owner, member, library):
    rule_add(actor=owner, community=library, type="deposit_required",
             params={"replacement_percent": 20})
    camera = make_listing(owner, title="Camera", visibility="communities", deposit=30000,
                          replacement_value=200001)
    camera.communities.add(library)
    [violation] = refused(lambda: request(member, camera))
    # 20% of 200,001 won is 40,000.2: the rule rounds up to the won.
    assert violation["message"] == (
        "Listings shared here ask a deposit of at least 20% of what the item would cost new, "
        "where the lender declares it. This listing asks 30,000 won; it needs at least "
        "40,001 won.")
    camera.deposit = 40001
    camera.save()
    assert listing_rule_violations(listing=camera, communities=[library]) == []
    undeclared = make_listing(owner, title="Ladder", deposit=0)
    assert listing_rule_violations(listing=undeclared, communities=[library]) == []


def test_deposit_share_and_minimum_together(owner, library):
    rule_add(actor=owner, community=library, type="deposit_required",
             params={"replacement_percent": 10, "minimum": 5000})
    cheap = make_listing(owner, title="Hammer", deposit=4000, replacement_value=20000)
    [violation] = listing_rule_violations(listing=cheap, communities=[library])
    assert violation["message"].endswith(
        "In any case at least 5,000 won. This listing asks 4,000 won; it needs at least "
        "5,000 won.")
    dear = make_listing(owner, title="Bike", deposit=5000, replacement_value=900000)
    [violation] = listing_rule_violations(listing=dear, communities=[library])
    assert "it needs at least 90,000 won." in violation["message"]
    undeclared = make_listing(owner, title="Rope", deposit=4999)
    assert len(listing_rule_violations(listing=undeclared, communities=[library])) == 1


@pytest.mark.parametrize("params", [{}, {"replacement_percent": 0},
                                    {"replacement_percent": 101}, {"percent": 20}])
def test_deposit_rule_needs_a_minimum_or_a_share(owner, library, params):
    with pytest.raises(ValidationFailed):
        rule_add(actor=owner, community=library, type="deposit_required", params=params)
    assert not library.rules.exists()
