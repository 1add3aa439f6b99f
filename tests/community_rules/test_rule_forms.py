"""The rule and proposal forms are drawn from the rule-type registry: every
type has its fieldset, categories rules get a select of categories, numbers
carry their bounds, and the forms work without JavaScript. No rule type's
name is written outside the registry."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from community_rules.models import Community, Membership, Proposal
from community_rules.rule_types import REGISTRY

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def library(owner):
    from listings.categories import seed_categories

    seed_categories()
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active",
                              joined_at=timezone.now())
    return community


@pytest.fixture
def parents(member):
    community = Community.objects.create(name="Parents", slug="parents",
                                         governance="democratic")
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now())
    return community


def fieldset(page: str, rule_type: str) -> str:
    match = re.search(rf'<fieldset class="rule-params" data-rule-type="{rule_type}">(.*?)'
                      r"</fieldset>", page, re.S)
    assert match, f"no fieldset for {rule_type}"
    return match.group(1)


def test_the_charter_form_has_a_fieldset_for_every_rule_type(client, owner, library):
    client.force_login(owner)
    page = client.get("/communities/library/charter/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    for name, rule_type in REGISTRY.items():
        assert f'<option value="{name}">{rule_type.label}</option>' in text
        part = fieldset(text, name)
        assert f"<legend>{rule_type.label}</legend>" in part
        for param in rule_type.params:
            assert f'name="params-{name}-{param.name}"' in part
    days = fieldset(text, "max_loan_duration")
    assert 'min="1" max="365" id="params-max_loan_duration-days"' in days
    assert "From 1 to 365" in days


def test_categories_rules_get_a_select_of_categories(client, owner, library):
    client.force_login(owner)
    text = client.get("/communities/library/charter/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    for name in ("allowed_categories", "forbidden_categories"):
        part = fieldset(text, name)
        assert f'<select id="params-{name}-categories" name="params-{name}-categories"' in part
        assert "multiple" in part
        assert '<option value="camping">' in part and '<optgroup label="' in part
    # The longest loan may name one category, or apply to all.
    loan = fieldset(text, "max_loan_duration")
    assert '<select id="params-max_loan_duration-category"' in loan
    assert '<option value="">' in loan


def test_a_categories_rule_is_added_from_the_page_without_javascript(client, owner, library):
    client.force_login(owner)
    # Without JavaScript every fieldset is sent; only the chosen type's is read.
    response = client.post("/communities/library/charter/rules/", {
        "type": "forbidden_categories",
        "params-forbidden_categories-categories": ["camping", "power-tools"],
        "params-max_loan_duration-days": "3",
        "params-allowed_categories-categories": ["tools"],
    })
    assert response.status_code == 302
    rule = library.rules.get()
    assert (rule.type, rule.params) == ("forbidden_categories",
                                        {"categories": ["camping", "power-tools"]})


def test_a_number_beyond_its_bound_is_refused_on_the_page_and_nothing_stored(client, owner,
                                                                             library):
    client.force_login(owner)
    response = client.post("/communities/library/charter/rules/", {
        "type": "max_loan_duration", "params-max_loan_duration-days": "1" + "0" * 30},
        HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "“Days” must be at most 365." in response.content.decode()
    assert not library.rules.exists()


def test_a_proposal_names_categories_and_a_refused_one_keeps_what_was_typed(client, member,
                                                                            parents):
    from listings.categories import seed_categories

    seed_categories()
    client.force_login(member)
    refused = client.post("/communities/parents/proposals/new/", {
        "action": "add", "type": "max_loan_duration",
        "params-max_loan_duration-days": "400", "reason": "Long loans"},
        HTTP_ACCEPT_LANGUAGE="en")
    text = refused.content.decode()
    assert refused.status_code == 200 and "“Days” must be at most 365." in text
    assert '<option value="max_loan_duration" selected>' in text
    assert 'value="400"' in fieldset(text, "max_loan_duration")
    assert not Proposal.objects.exists()

    client.post("/communities/parents/proposals/new/", {
        "action": "add", "type": "allowed_categories",
        "params-allowed_categories-categories": ["tools", "camping"]})
    proposal = Proposal.objects.get()
    assert (proposal.rule_type, proposal.params) == ("allowed_categories",
                                                     {"categories": ["tools", "camping"]})


def test_no_rule_type_is_named_outside_the_registry():
    """Code acts on a rule type through the registry (its flags, its
    constants), so adding or renaming one touches one place. Tests and demo
    data may name types."""
    names = "|".join(map(re.escape, REGISTRY))
    pattern = re.compile(rf"""["']({names})["']""")
    registry = ROOT / "community_rules" / "rule_types.py"
    folders = [folder for folder in ROOT.iterdir() if folder.is_dir()
               and not folder.name.startswith(".") and folder.name not in ("tests", "demo")]
    found = []
    for path in (path for folder in folders for path in folder.rglob("*")
                 if path.suffix in (".py", ".html", ".js")):
        relative = path.relative_to(ROOT)
        if path == registry or "migrations" in relative.parts:
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_open_proposals_are_listed_by_the_rule_types_label(client, member, parents):
    from community_rules.governance import proposal_create

    proposal_create(actor=member, community=parents, action="add",
                    rule_type="max_loan_duration", params={"days": 3})
    page = client.get("/communities/parents/charter/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Add a rule: Longest loan</a>" in page.content.decode()
