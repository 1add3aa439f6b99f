"""Every rule setting has bounds; a value beyond them is refused with 400 and
never stored. A rule already stored with an absurd value, or one the site
cannot read, never makes a booking a server error: numbers beyond their
bounds are applied at the bound, anything unreadable refuses and says why,
and a rule of an unknown type refuses loudly instead of being skipped."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from community_rules.models import Community, Membership, Rule, RuleSetVersion
from community_rules.rule_types import INT, REGISTRY, clean_rule
from listings.rules import listing_rule_violations
from marketplace.errors import ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

# A valid set of params for every rule type; a type added to the registry
# without one here fails test_every_rule_type_has_an_example.
VALID = {
    "max_loan_duration": {"days": 7},
    "max_active_bookings_per_member": {"count": 2},
    "fair_use": {"days_per_30": 10, "min_gap_hours": 24},
    "min_membership_age_days": {"days": 14},
    "members_only": {},
    "requires_approval": {},
    "deposit_required": {"minimum": 10000},
    "allowed_categories": {"categories": ["tools"]},
    "forbidden_categories": {"categories": ["camping"]},
    "price_cap": {"per_day": 5000},
    "pickup_hours": {"from": "09:00", "to": "18:00"},
    "max_listings_per_member": {"count": 3},
    "late_return": {"strike": True, "fee_per_day": 1000},
    "strikes_before_suspension": {"strikes": 3, "days": 30},
    "blocked_when_overdue": {},
}

BOUNDS = {  # the bounds the rule types document, as people are told them
    ("max_loan_duration", "days"): (1, 365),
    ("max_loan_duration", "hours"): (1, 8760),
    ("max_active_bookings_per_member", "count"): (1, 1000),
    ("fair_use", "days_per_30"): (1, 30),
    ("fair_use", "min_gap_hours"): (0, 8760),
    ("min_membership_age_days", "days"): (1, 365),
    ("deposit_required", "minimum"): (1, 100_000_000),
    ("deposit_required", "replacement_percent"): (1, 100),
    ("price_cap", "per_day"): (0, 100_000_000),
    ("max_listings_per_member", "count"): (1, 1000),
    ("late_return", "fee_per_day"): (0, 100_000_000),
    ("strikes_before_suspension", "strikes"): (1, 1000),
    ("strikes_before_suspension", "days"): (1, 365),
}

NUMBERS = [(rule_type.name, param.name) for rule_type in REGISTRY.values()
           for param in rule_type.params if param.kind == INT]


@pytest.fixture
def library(owner, member):
    """A moderated tool library: `owner` runs it, `member` joined long ago."""
    community = Community.objects.create(name="Mapo Tool Library", slug="mapo")
    Membership.objects.create(community=community, user=owner, role="owner", status="active",
                              joined_at=timezone.now() - timedelta(days=400))
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now() - timedelta(days=400))
    return community


@pytest.fixture
def shared_drill(owner, library):
    drill = make_listing(owner, title="Drill", visibility="communities", units=3)
    drill.communities.add(library)
    return drill


def book(client, listing, *, days=1, hour=10):
    start = tomorrow_at(hour)
    return client.post("/api/v1/bookings/", {
        "listing": listing.pk, "start": start.isoformat(),
        "end": (start + timedelta(days=days)).isoformat(), "community": "mapo"},
        HTTP_ACCEPT_LANGUAGE="en")


# --- the schema ------------------------------------------------------------------

def test_every_rule_type_has_an_example_a_label_and_bounded_numbers():
    assert set(VALID) == set(REGISTRY)
    for name, params in VALID.items():
        assert clean_rule(name, params) == params
        assert str(REGISTRY[name].label)
    assert set(NUMBERS) == set(BOUNDS)
    for (name, setting), (least, most) in BOUNDS.items():
        [param] = [p for p in REGISTRY[name].params if p.name == setting]
        assert (param.min, param.max) == (least, most)


@pytest.mark.parametrize("rule_type,setting", NUMBERS)
def test_a_number_beyond_its_bound_is_refused_naming_the_setting(rule_type, setting):
    least, most = BOUNDS[rule_type, setting]
    # The longest loan is in days or in hours, not both.
    params = {} if rule_type == "max_loan_duration" else dict(VALID[rule_type])
    for value in (most, least):
        assert clean_rule(rule_type, {**params, setting: value})[setting] == value
    for value in (most + 1, 10**30):
        with pytest.raises(ValidationFailed) as refused:
            clean_rule(rule_type, {**params, setting: value})
        label = next(p.label for p in REGISTRY[rule_type].params if p.name == setting)
        assert refused.value.extra["fields"]["params"] == [
            f"“{label}” must be at most {most:,}."]
    with pytest.raises(ValidationFailed, match="at least"):
        clean_rule(rule_type, {**params, setting: least - 1})


def test_a_rule_names_at_most_fifty_categories(categories_seeded):
    with pytest.raises(ValidationFailed, match="at most 50 categories"):
        clean_rule("allowed_categories", {"categories": ["tools"] * 51})


@pytest.fixture
def categories_seeded():
    from listings.categories import seed_categories

    seed_categories()


def test_an_absurd_number_through_the_api_is_400_and_nothing_is_stored(api_as, owner,
                                                                        library):
    response = api_as(owner).post("/api/v1/communities/mapo/rules/", {
        "type": "max_loan_duration", "params": {"days": 10**30}}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["fields"]["params"] == ["“Days” must be at most 365."]
    assert not Rule.objects.exists() and not RuleSetVersion.objects.exists()


def test_an_absurd_number_in_a_proposal_is_400_too(api_as, member):
    parents = Community.objects.create(name="Parents", slug="parents", governance="democratic")
    Membership.objects.create(community=parents, user=member, status="active")
    response = api_as(member).post("/api/v1/communities/parents/proposals/", {
        "action": "add", "rule": {"type": "deposit_required",
                                  "params": {"minimum": 10**12}}}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["params"] == ["“Minimum deposit (won)” must be at most 100,000,000."]
    assert not parents.proposals.exists()


def test_a_time_like_9_30_is_stored_as_09_30():
    assert clean_rule("pickup_hours", {"from": "9:30", "to": "18:00"}) == {
        "from": "09:30", "to": "18:00"}


# --- rules already stored ------------------------------------------------------

def test_a_stored_absurd_loan_limit_is_applied_at_the_bound_not_a_500(api_as, member, library,
                                                                     shared_drill, caplog):
    Rule.objects.create(community=library, type="max_loan_duration", params={"days": 10**30})
    with caplog.at_level(logging.WARNING, logger="community_rules.engine"):
        response = book(api_as(member), shared_drill, days=3)
    assert response.status_code == 201
    assert "applied as {'days': 365}" in caplog.text
    # Past the bound the rule says what it applies.
    rules = api_as(member).get("/api/v1/communities/mapo/rules/",
                               HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["text"] for r in rules] == ["Loans last at most 365 days."]


@pytest.mark.parametrize("rule_type,params", [
    ("max_active_bookings_per_member", {"count": 10**30}),
    ("fair_use", {"days_per_30": 10**30, "min_gap_hours": -(10**30)}),
    ("min_membership_age_days", {"days": -5}),
    ("price_cap", {"per_day": 10**30}),
    ("strikes_before_suspension", {"strikes": 10**30, "days": 10**30}),
    ("pickup_hours", {"from": "0:00", "to": "23:59"}),
])
def test_other_stored_absurd_numbers_are_applied_at_their_bounds(api_as, member, library,
                                                                  shared_drill, rule_type,
                                                                  params):
    Rule.objects.create(community=library, type=rule_type, params=params)
    assert book(api_as(member), shared_drill).status_code == 201


@pytest.mark.parametrize("params", [
    {"days": "seven"}, {"days": 7.5}, {"days": True}, {}, {"weeks": 2}, ["days", 7],
])
def test_a_stored_rule_that_cannot_be_read_refuses_with_a_sentence_and_is_logged(
        api_as, member, library, shared_drill, caplog, params):
    rule = Rule.objects.create(community=library, type="max_loan_duration", params=params)
    with caplog.at_level(logging.ERROR, logger="community_rules.engine"):
        response = book(api_as(member), shared_drill)
    assert response.status_code == 422
    assert response.json()["violations"] == [{
        "rule": "max_loan_duration", "rule_id": rule.pk, "community": "mapo",
        "message": "This community's rule “Longest loan” could not be applied, so this "
                   "cannot go ahead for now. The problem has been logged; a moderator can "
                   "correct or remove the rule."}]
    assert f"Rule {rule.pk} (max_loan_duration) of community mapo cannot be read" in caplog.text
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_a_stored_rule_of_an_unknown_type_refuses_loudly(api_as, owner, member, library,
                                                         shared_drill, caplog):
    rule = Rule.objects.create(community=library, type="teleport_ban", params={"x": 1})
    with caplog.at_level(logging.ERROR, logger="community_rules.engine"):
        response = book(api_as(member), shared_drill)
    assert response.status_code == 422
    [violation] = response.json()["violations"]
    assert violation["rule"] == "teleport_ban" and violation["rule_id"] == rule.pk
    assert violation["message"].startswith(
        "This community has a rule of a kind this site does not know (“teleport_ban”)")
    assert "unknown type 'teleport_ban'" in caplog.text
    # Listings shared there are judged by it too, never waved through.
    [refusal] = listing_rule_violations(listing=shared_drill, communities=[library])
    assert refusal["rule"] == "teleport_ban"


def test_pages_and_lists_show_a_broken_rule_and_a_moderator_removes_it(api_as, client, owner,
                                                                       library):
    broken = Rule.objects.create(community=library, type="deposit_required",
                                 params={"minimum": "lots"})
    unknown = Rule.objects.create(community=library, type="teleport_ban", params={})
    page = client.get("/communities/mapo/charter/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "“Minimum deposit”: the settings of this rule cannot be read" in text
    assert "A rule of a kind this site does not know (“teleport_ban”)" in text
    moderator = api_as(owner)
    for rule in (broken, unknown):
        response = moderator.delete(f"/api/v1/communities/mapo/rules/{rule.pk}/")
        assert response.status_code == 204
    assert not library.rules.exists()
    assert library.rule_versions.count() == 2


def test_a_moderator_corrects_a_broken_rule(api_as, owner, member, library, shared_drill):
    rule = Rule.objects.create(community=library, type="max_loan_duration",
                               params={"days": "seven"})
    response = api_as(owner).patch(f"/api/v1/communities/mapo/rules/{rule.pk}/",
                                   {"params": {"days": 7}}, format="json",
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.json()["text"] == (
        "Loans last at most 7 days.")
    assert book(api_as(member), shared_drill).status_code == 201


def test_a_late_return_under_a_broken_rule_still_comes_back(owner, member, library,
                                                            shared_drill, caplog):
    from bookings.models import Booking
    from bookings.services.booking import booking_act, booking_request

    Rule.objects.create(community=library, type="late_return", params={"fee_per_day": "x"})
    Rule.objects.create(community=library, type="strikes_before_suspension",
                        params={"strikes": 1, "days": 10**30})
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=shared_drill.pk, start=start,
                              end=start + timedelta(days=1), community="mapo")
    booking_act(actor=owner, booking=booking, action="approve")
    booking = booking_act(actor=owner, booking=Booking.objects.get(pk=booking.pk),
                          action="pickup")
    Booking.objects.filter(pk=booking.pk).update(start=timezone.now() - timedelta(days=5),
                                                 end=timezone.now() - timedelta(days=2))
    with caplog.at_level(logging.ERROR, logger="community_rules.sanctions"):
        returned = booking_act(actor=owner, booking=Booking.objects.get(pk=booking.pk),
                               action="return")
    assert returned.status == "returned" and returned.late_fee == 0
    assert "(late_return) of community mapo cannot be read" in caplog.text
