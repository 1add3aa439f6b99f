"""The rules and proposals API (shared/API.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community_rules.models import Community, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    return community


@pytest.fixture
def parents(owner, member):
    community = Community.objects.create(name="Parents", slug="parents",
                                         governance="democratic", quorum_percent=50)
    for person in (owner, member):
        Membership.objects.create(community=community, user=person, status="active")
    return community


def test_moderators_post_and_delete_rules_and_everyone_reads_them(api_as, api, owner, library):
    created = api_as(owner).post("/api/v1/communities/library/rules/",
                                 {"type": "max_loan_duration", "params": {"days": 7}},
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert created.status_code == 201
    assert created.json()["text"] == "Loans last at most 7 days."
    listed = api.get("/api/v1/communities/library/rules/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert listed[0]["text"] == "대여 기간은 최대 7일입니다."
    deleted = api_as(owner).delete(f"/api/v1/communities/library/rules/{listed[0]['id']}/")
    assert deleted.status_code == 204
    assert api.get("/api/v1/communities/library/rules/").json() == []


def test_members_cannot_post_rules_and_bad_params_are_400(api_as, owner, member, library):
    forbidden = api_as(member).post("/api/v1/communities/library/rules/",
                                    {"type": "members_only", "params": {}})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    bad = api_as(owner).post("/api/v1/communities/library/rules/",
                             {"type": "max_loan_duration", "params": {"weeks": 2}},
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_failed"
    assert "Unknown setting: weeks." in bad.json()["fields"]["params"]


def test_no_direct_rules_in_a_democratic_community(api_as, owner, parents):
    Membership.objects.filter(user=owner).update(role="owner")
    response = api_as(owner).post("/api/v1/communities/parents/rules/",
                                  {"type": "members_only", "params": {}})
    assert response.status_code == 403


def test_propose_vote_and_read_the_live_tally(api_as, owner, member, outsider, parents):
    created = api_as(member).post("/api/v1/communities/parents/proposals/", {
        "action": "add", "rule": {"type": "max_loan_duration", "params": {"days": 5}},
        "closes_at": (timezone.now() + timedelta(days=2)).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en")
    assert created.status_code == 201
    proposal = created.json()
    assert proposal["status"] == "open"
    assert proposal["rule"]["text"] == "Loans last at most 5 days."
    url = f"/api/v1/proposals/{proposal['id']}/"

    voted = api_as(owner).post(url + "vote/", {"choice": "yes"}).json()
    assert voted["tally"]["yes"] == 1 and voted["my_vote"] == "yes"
    assert voted["tally"]["quorum_met"] is True   # 1 of 2 voted, quorum 50%
    again = api_as(owner).post(url + "vote/", {"choice": "no"}).json()
    assert (again["tally"]["yes"], again["tally"]["no"]) == (0, 1)
    outsider_vote = api_as(outsider).post(url + "vote/", {"choice": "yes"})
    assert outsider_vote.status_code == 403
    assert api_as(member).post(url + "vote/", {"choice": "maybe"}).status_code == 400


def test_proposals_of_a_private_community_are_404_for_outsiders(api_as, member, outsider,
                                                                 parents):
    parents.visibility = "private"
    parents.save()
    created = api_as(member).post("/api/v1/communities/parents/proposals/", {
        "action": "add", "rule": {"type": "members_only", "params": {}}}).json()
    assert api_as(outsider).get(f"/api/v1/proposals/{created['id']}/").status_code == 404
    assert api_as(outsider).get("/api/v1/communities/parents/rules/").status_code == 404
