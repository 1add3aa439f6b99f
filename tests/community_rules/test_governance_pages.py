import pytest

from community_rules.governance import proposal_create, rule_add, vote_cast
from community_rules.models import Community, Membership
from moderation.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    return community


def test_the_charter_states_the_rules_in_plain_words(client, owner, library):
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 7})
    english = client.get("/communities/library/charter/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Loans last at most 7 days." in english.content.decode()
    assert "The moderators set the rules." in english.content.decode()
    korean = client.get("/communities/library/charter/", HTTP_ACCEPT_LANGUAGE="ko")
    assert "대여 기간은 최대 7일입니다." in korean.content.decode()


def test_a_moderator_adds_a_rule_from_the_charter_page(client, owner, member, library):
    client.force_login(member)
    client.post("/communities/library/charter/rules/", {"type": "members_only"})
    assert not library.rules.exists()
    client.force_login(owner)
    client.post("/communities/library/charter/rules/", {
        "type": "max_loan_duration", "params-max_loan_duration-days": "3"})
    assert library.rules.get().params == {"days": 3}
    history = client.get("/communities/library/history/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Version 1" in history.content.decode()


def test_proposal_page_shows_the_live_tally(client, owner, member):
    parents = Community.objects.create(name="Parents", slug="parents",
                                       governance="democratic")
    for person in (owner, member):
        Membership.objects.create(community=parents, user=person, status="active")
    proposal = proposal_create(actor=member, community=parents, action="add",
                               rule_type="max_loan_duration", params={"days": 2})
    vote_cast(actor=owner, proposal=proposal, choice="yes")
    client.force_login(member)
    page = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Loans last at most 2 days." in page and 'hx-trigger="every 5s"' in page
    client.post(f"/proposals/{proposal.pk}/vote/", {"choice": "yes"})
    tally = client.get(f"/proposals/{proposal.pk}/tally/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Yes 2" in tally.content.decode()


def test_only_moderators_open_the_dashboard(client, owner, member, outsider, library):
    Report.objects.create(reporter=member, target_type="user", target_id=outsider.pk,
                          community=library, reason="Rude in messages")
    client.force_login(member)
    assert client.get("/communities/library/moderation/").status_code == 403
    client.force_login(owner)
    page = client.get("/communities/library/moderation/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Rude in messages" in page.content.decode()


def test_private_community_charter_is_404_for_outsiders(client, outsider, library):
    library.visibility = "private"
    library.save()
    client.force_login(outsider)
    assert client.get("/communities/library/charter/").status_code == 404


def test_the_request_page_shows_the_rules_before_anyone_asks(client, owner, member, library):
    from tests.fixtures.bookings import make_listing

    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 3})
    drill = make_listing(owner, title="Drill", visibility="communities")
    drill.communities.add(library)
    client.force_login(member)
    page = client.get(f"/listings/{drill.pk}/book/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Loans last at most 3 days." in page.content.decode()
