"""A member of a democratic community proposes a shorter maximum loan, two
members vote yes, the proposal closes, and a booking longer than the new
maximum is refused with the rule's sentence."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from community_rules.governance import proposals_close_due
from community_rules.models import Community, Membership, Proposal
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, run_job
from tests.fixtures.bookings import make_listing


def test_proposal_vote_close_and_the_new_rule_refuses_a_long_booking(new_page, owner, member,
                                                                     outsider):
    parents = Community.objects.create(name="Seongbuk Parents", slug="parents",
                                       governance="democratic", quorum_percent=50)
    for person in (owner, member, outsider):
        Membership.objects.create(community=parents, user=person, status="active",
                                  joined_at=timezone.now() - timedelta(days=60))
    stroller = make_listing(owner, title="Stroller", visibility="communities", units=2)
    stroller.communities.add(parents)

    proposer, voter = new_page(), new_page()
    log_in(proposer, member.email, PASSWORD)
    log_in(voter, outsider.email, PASSWORD)

    proposer.goto("/communities/parents/charter/")
    proposer.get_by_test_id("propose").click()
    proposer.get_by_test_id("rule-type").select_option("max_loan_duration")
    proposer.get_by_test_id("param-max_loan_duration-days").fill("2")
    closes = timezone.localtime() + timedelta(hours=1)
    proposer.get_by_test_id("closes-at").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    proposer.get_by_test_id("submit-proposal").click()
    expect(proposer.get_by_test_id("proposal-rule")).to_have_text("Loans last at most 2 days.")
    proposer.get_by_test_id("vote-yes").click()
    expect(proposer.get_by_test_id("tally-yes")).to_have_text("Yes 1")

    proposal = Proposal.objects.get()
    voter.goto(f"/proposals/{proposal.pk}/")
    voter.get_by_test_id("vote-yes").click()
    expect(voter.get_by_test_id("tally-yes")).to_have_text("Yes 2")

    # The vote closes: the job that runs every minute closes it.
    run_job(proposals_close_due, now=proposal.closes_at + timedelta(seconds=1))
    voter.goto(f"/proposals/{proposal.pk}/")
    expect(voter.get_by_test_id("proposal-status")).to_contain_text("Adopted")

    # A three-day loan is now refused with the rule's sentence.
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=0)
    voter.goto(f"/listings/{stroller.pk}/book/")
    voter.fill("#start", start.strftime("%Y-%m-%dT%H:%M"))
    voter.fill("#end", (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    voter.get_by_test_id("request-booking").click()
    expect(voter.locator(".message-error")).to_have_text("Loans last at most 2 days.")
    voter.fill("#end", (start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    voter.get_by_test_id("request-booking").click()
    expect(voter.get_by_test_id("booking-status")).to_have_text("Requested")
