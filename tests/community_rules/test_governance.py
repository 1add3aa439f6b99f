"""Changing the rules: moderators in a moderated community; proposals and
votes in a democratic one, with quorum and threshold edge cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import user_create
from bookings.services.booking import booking_request
from community_rules.governance import (
    proposal_close,
    proposal_create,
    proposals_close_due,
    rule_add,
    rule_change,
    rule_remove,
    vote_cast,
)
from community_rules.models import Community, Membership, Proposal, Rule, Vote
from marketplace.errors import Conflict, Forbidden, RuleViolation
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


def democratic(quorum=50, threshold=50, members=4):
    community = Community.objects.create(name="Parents", slug="parents",
                                         governance="democratic", quorum_percent=quorum,
                                         threshold_percent=threshold)
    people = [user_create(email=f"parent{n}@example.org", password="x") for n in range(members)]
    for person in people:
        Membership.objects.create(community=community, user=person, status="active",
                                  joined_at=timezone.now() - timedelta(days=100))
    return community, people


def propose_max_days(community, proposer, days=3, **extra):
    return proposal_create(actor=proposer, community=community, action="add",
                           rule_type="max_loan_duration", params={"days": days}, **extra)


def close_now(proposal):
    return proposal_close(proposal=proposal, now=proposal.closes_at + timedelta(seconds=1))


def test_quorum_and_threshold_exactly_at_the_line_adopt():
    community, people = democratic(quorum=50, threshold=50, members=4)
    proposal = propose_max_days(community, people[0])
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="no")
    closed = close_now(proposal)
    # 2 of 4 voted (50% quorum); 1 yes of 2 decisive (50% threshold): adopted.
    assert closed.status == "adopted"
    assert (closed.tally["yes"], closed.tally["no"], closed.tally["eligible"]) == (1, 1, 4)
    assert Rule.objects.get(community=community).params == {"days": 3}


def test_one_vote_short_of_quorum_is_rejected():
    community, people = democratic(quorum=51, members=4)
    proposal = propose_max_days(community, people[0])
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="yes")
    closed = close_now(proposal)
    assert closed.status == "rejected" and not closed.tally["quorum_met"]
    assert not Rule.objects.exists()


def test_a_tie_below_a_higher_threshold_is_rejected():
    community, people = democratic(quorum=50, threshold=60, members=4)
    proposal = propose_max_days(community, people[0])
    for person, choice in zip(people, ["yes", "yes", "no", "no"], strict=True):
        vote_cast(actor=person, proposal=proposal, choice=choice)
    assert close_now(proposal).status == "rejected"


def test_abstentions_count_for_quorum_not_for_threshold():
    community, people = democratic(quorum=75, threshold=50, members=4)
    proposal = propose_max_days(community, people[0])
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="abstain")
    vote_cast(actor=people[2], proposal=proposal, choice="abstain")
    closed = close_now(proposal)
    assert closed.tally["quorum_met"] and closed.tally["threshold_met"]
    assert closed.status == "adopted"


def test_only_abstentions_never_adopt():
    community, people = democratic(quorum=50, members=2)
    proposal = propose_max_days(community, people[0])
    for person in people:
        vote_cast(actor=person, proposal=proposal, choice="abstain")
    assert close_now(proposal).status == "rejected"


def test_a_member_who_leaves_mid_vote_no_longer_counts():
    community, people = democratic(quorum=50, threshold=50, members=4)
    proposal = propose_max_days(community, people[0])
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="no")
    vote_cast(actor=people[2], proposal=proposal, choice="no")
    Membership.objects.filter(user__in=[people[1], people[2]]).delete()  # both leave
    closed = close_now(proposal)
    # Two active members remain; one voted yes: quorum 50%, threshold 100%.
    assert (closed.tally["eligible"], closed.tally["yes"], closed.tally["no"]) == (2, 1, 0)
    assert closed.status == "adopted"


def test_a_vote_changed_before_close_counts_once_as_changed():
    community, people = democratic(members=2)
    proposal = propose_max_days(community, people[0])
    vote_cast(actor=people[1], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="no")
    assert Vote.objects.filter(proposal=proposal).count() == 1
    closed = close_now(proposal)
    assert (closed.tally["yes"], closed.tally["no"]) == (0, 1)


def test_a_vote_after_close_is_refused():
    community, people = democratic(members=2)
    proposal = propose_max_days(community, people[0])
    close_now(proposal)
    with pytest.raises(Conflict, match="closed"):
        vote_cast(actor=people[1], proposal=proposal, choice="yes")


def test_outsiders_cannot_vote_and_members_vote_once(outsider):
    community, people = democratic(members=2)
    proposal = propose_max_days(community, people[0])
    with pytest.raises(Forbidden):
        vote_cast(actor=outsider, proposal=proposal, choice="yes")
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    assert proposal.votes.count() == 1


def test_no_direct_rule_changes_in_a_democratic_community():
    community, people = democratic(members=2)
    Membership.objects.filter(user=people[0]).update(role="owner")
    with pytest.raises(Forbidden, match="vote on the rules"):
        rule_add(actor=people[0], community=community, type="members_only", params={})


def test_an_adopted_proposal_changes_what_bookings_are_allowed(owner):
    community, people = democratic(quorum=50, members=2)
    tent = make_listing(owner, title="Tent", visibility="communities", units=3)
    tent.communities.add(community)
    assert booking_request(actor=people[1], listing_id=tent.pk, start=tomorrow_at(10),
                           end=tomorrow_at(10, 6), community="parents")
    proposal = propose_max_days(community, people[0], days=3)
    for person in people:
        vote_cast(actor=person, proposal=proposal, choice="yes")
    closed = close_now(proposal)
    assert closed.status == "adopted"
    with pytest.raises(RuleViolation, match="at most 3 days"):
        booking_request(actor=people[0], listing_id=tent.pk, start=tomorrow_at(10, 8),
                        end=tomorrow_at(10, 13), community="parents")
    version = community.rule_versions.get()
    assert version.proposal == closed and version.changed_by == people[0]


def test_a_rejected_proposal_changes_nothing(owner):
    community, people = democratic(quorum=50, threshold=60, members=2)
    tent = make_listing(owner, title="Tent", visibility="communities")
    tent.communities.add(community)
    proposal = propose_max_days(community, people[0], days=1)
    vote_cast(actor=people[0], proposal=proposal, choice="yes")
    vote_cast(actor=people[1], proposal=proposal, choice="no")
    assert close_now(proposal).status == "rejected"
    assert not Rule.objects.exists() and not community.rule_versions.exists()
    # A four-day loan is still allowed.
    booking = booking_request(actor=people[1], listing_id=tent.pk, start=tomorrow_at(10),
                              end=tomorrow_at(10, 5), community="parents")
    assert booking.status == "requested"


def test_the_closing_job_closes_due_proposals_and_applies_at_the_effective_date():
    community, people = democratic(quorum=50, members=2)
    now = timezone.now()
    later = propose_max_days(community, people[0], days=5,
                             closes_at=now + timedelta(days=1),
                             effective_at=now + timedelta(days=3))
    for person in people:
        vote_cast(actor=person, proposal=later, choice="yes")
    assert proposals_close_due(now=now + timedelta(hours=1)) == 0
    assert proposals_close_due(now=now + timedelta(days=1, minutes=1)) == 1
    later.refresh_from_db()
    assert later.status == "adopted" and later.applied_at is None
    assert not Rule.objects.exists()
    proposals_close_due(now=now + timedelta(days=3, minutes=1))
    assert Rule.objects.get().params == {"days": 5}
    # Running the job again changes nothing.
    proposals_close_due(now=now + timedelta(days=4))
    assert Rule.objects.count() == 1 and community.rule_versions.count() == 1


def test_change_and_remove_proposals_and_governance_settings():
    community, people = democratic(quorum=50, members=2)
    rule = Rule.objects.create(community=community, type="max_loan_duration",
                               params={"days": 7})

    def adopt(**kwargs):
        proposal = proposal_create(actor=people[0], community=community, **kwargs)
        for person in people:
            vote_cast(actor=person, proposal=proposal, choice="yes")
        return close_now(proposal)

    adopt(action="change", rule_id=rule.pk, params={"days": 2})
    rule.refresh_from_db()
    assert rule.params == {"days": 2}
    adopt(action="settings", settings={"quorum_percent": 75, "voting_days": 3})
    community.refresh_from_db()
    assert (community.quorum_percent, community.voting_days) == (75, 3)
    adopt(action="remove", rule_id=rule.pk)
    assert not Rule.objects.exists()
    assert [v.change["action"] for v in community.rule_versions.order_by("number")] == [
        "change", "settings", "remove"]


def test_moderators_change_rules_directly_and_members_cannot(owner, member):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=member, status="active")
    with pytest.raises(Forbidden):
        rule_add(actor=member, community=library, type="members_only", params={})
    rule = rule_add(actor=owner, community=library, type="max_loan_duration",
                    params={"days": 7})
    rule_change(actor=owner, rule=rule, params={"days": 5})
    rule_remove(actor=owner, rule=Rule.objects.get(pk=rule.pk))
    versions = list(library.rule_versions.order_by("number").values_list("number", "change"))
    assert [(n, c["action"]) for n, c in versions] == [(1, "add"), (2, "change"),
                                                        (3, "remove")]
    assert versions[1][1]["before"] == {"days": 7} and versions[1][1]["params"] == {"days": 5}


def test_proposals_are_for_members_of_democratic_communities(owner, member, outsider):
    community, people = democratic(members=1)
    with pytest.raises(Forbidden):
        propose_max_days(community, outsider)
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=member, status="active")
    with pytest.raises(Forbidden, match="moderators set the rules"):
        propose_max_days(library, member)
    assert Proposal.objects.count() == 0
