"""Rule changes at the same instant, on SQLite and PostgreSQL: each thread
has its own database connection. Every change gets its own version number,
one after the other; a change that lost its rule to another answers 409,
never 500."""


import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community_rules.governance import rule_add
from community_rules.models import Community, Membership, Rule, RuleSetVersion
from marketplace.errors import DomainError
from tests.fixtures.threads import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


@pytest.fixture
def library(owner):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active",
                              joined_at=timezone.now())
    return community


def test_rules_added_at_once_get_one_version_number_each(owner, library):
    outcomes = run_at_once(
        lambda i: rule_add(actor=owner, community=library, type="max_loan_duration",
                           params={"days": i + 1}),
        THREADS,
    )

    added = [o for o in outcomes if isinstance(o, Rule)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert all(r.status == 409 for r in refused)
    assert len(added) + len(refused) == THREADS
    assert Rule.objects.count() == len(added)
    numbers = sorted(RuleSetVersion.objects.filter(community=library)
                     .values_list("number", flat=True))
    assert numbers == list(range(1, len(added) + 1))
    # Each version's snapshot holds the rules as they stood: one more each time.
    assert [len(v.rules) for v in RuleSetVersion.objects.order_by("number")] == numbers


def test_two_moderators_removing_the_same_rule_at_once_get_204_and_409(owner, member, library):
    Membership.objects.create(community=library, user=member, role="moderator",
                              status="active", joined_at=timezone.now())
    rule = rule_add(actor=owner, community=library, type="members_only", params={})
    clients = []
    for person in (owner, member):
        client = APIClient()
        client.force_login(person)
        clients.append(client)

    responses = run_at_once(
        lambda i: clients[i].delete(f"/api/v1/communities/library/rules/{rule.pk}/",
                                    HTTP_ACCEPT_LANGUAGE="en"),
        2,
    )

    # The loser finds the rule gone: 409 if it had read it before the other
    # removal committed (usually), 404 if it came after.
    codes = sorted(r.status_code for r in responses)
    assert codes in ([204, 409], [204, 404])
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json() == {
            "code": "conflict",
            "detail": "This rule was removed meanwhile: look at the rules again."}
    assert not Rule.objects.exists()
    assert list(RuleSetVersion.objects.order_by("number").values_list("number", flat=True)) == [
        1, 2]
