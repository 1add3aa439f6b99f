"""Issue 15, point 3: outsiders learn nothing of a private community, not
through listing errors, quotes, refused bookings nor the listings it lends
or is shared in. Its name, slug and rules are told to its members only;
a rule of it that refuses an outsider says what it asks, not whose it is."""

from datetime import timedelta

import pytest

from accounts.models import CompanyStaff, ShareCompany
from community_rules.governance import rule_add
from community_rules.models import Community, Membership
from community_rules.services import community_create
from listings.services.listing import listing_update
from marketplace.errors import RuleViolation
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

SECRET = "Secret Shed"


@pytest.fixture
def shed(owner, member, categories):
    """A private community `owner` runs, `member` in it, keeping what is
    shared in it for its members and loans to three days."""
    shed = community_create(actor=owner, name=SECRET, visibility="private")
    Membership.objects.create(community=shed, user=member, status="active")
    rule_add(actor=owner, community=shed, type="members_only", params={})
    rule_add(actor=owner, community=shed, type="max_loan_duration", params={"days": 3})
    return shed


@pytest.fixture
def public_drill(make_listing, shed):
    """A public listing, also shared in the private community."""
    return make_listing(title="Public drill", communities=[shed.slug])


def period() -> dict:
    start = tomorrow_at(10)
    return {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}


def says_nothing_of(body, shed) -> bool:
    text = str(body)
    return SECRET not in text and shed.slug not in text


def test_sharing_into_a_private_community_one_is_not_in_reads_as_unknown(
        api_as, outsider, shed, categories):
    client = api_as(outsider)

    def refusal(slug):
        answer = client.post("/api/v1/listings/", {
            "title": "Ladder", "category": "power-tools", "communities": [slug]},
            format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 400
        return answer.json()["fields"]["communities"]

    assert refusal(shed.slug) == [f"Unknown community: {shed.slug}."]
    assert refusal("no-such-place") == ["Unknown community: no-such-place."]
    assert SECRET not in str(refusal(shed.slug))


def test_the_listing_form_does_not_name_a_private_community_either(
        client, outsider, shed, categories):
    client.force_login(outsider)
    page = client.post("/listings/new/", {
        "title": "Ladder", "kind": "item", "category": "power-tools", "pricing": "free",
        "price": 0, "deposit": 0, "units": 1, "visibility": "public",
        "communities": [shed.slug], "cancellation_policy": "flexible", "min_hours": 1},
        HTTP_ACCEPT_LANGUAGE="en")
    assert SECRET not in page.content.decode()


def test_a_colleague_outside_the_community_neither_sees_nor_unshares_it(
        api_as, owner, shed, make_listing):
    hub = ShareCompany.objects.create(name="Share Hub", slug="hub",
                                      registration_number="220-81-62517")
    colleague = make_person("colleague@example.org", "Colleague Choi")
    for person in (owner, colleague):
        CompanyStaff.objects.create(company=hub, user=person, role="admin")
    listing = make_listing(title="Hub tent", company="hub", communities=[shed.slug])
    client = api_as(colleague)
    detail = client.get(f"/api/v1/listings/{listing.pk}/").json()
    assert detail["communities"] == [] and says_nothing_of(detail, shed)
    # Sending back the communities it was shown keeps the unseen one.
    assert client.patch(f"/api/v1/listings/{listing.pk}/", {"communities": []},
                        format="json").status_code == 200
    assert list(listing.communities.all()) == [shed]
    # A rule of it the colleague's change breaks is told without its name.
    rule_add(actor=owner, community=shed, type="deposit_required", params={"minimum": 5000})
    refused = client.patch(f"/api/v1/listings/{listing.pk}/", {"title": "Big hub tent"},
                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and says_nothing_of(refused.json(), shed)
    [violation] = refused.json()["violations"]
    assert violation["community"] is None and violation["rule"] == "deposit_required"
    assert violation["message"].startswith("A private community this listing is shared in")
    # Its members are told whose rule it is.
    with pytest.raises(RuleViolation) as told:
        listing_update(actor=owner, listing=listing, title="Big hub tent")
    assert told.value.extra["violations"][0]["community"] == shed.slug


def test_the_quote_of_a_public_listing_tells_an_outsider_no_private_rules(
        api_as, outsider, member, shed, public_drill):
    url = f"/api/v1/listings/{public_drill.pk}/quote/"
    outside = api_as(outsider).get(url, {**period(), "community": shed.slug},
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert outside.status_code == 200 and says_nothing_of(outside.json(), shed)
    # Not through the community (its slug is not the outsider's to use): only
    # the guarding rule, unnamed; not its loan limit.
    assert outside.json()["rules"] == [{
        "rule": "members_only", "rule_id": None, "community": None,
        "text": "A private community this listing is shared in has this rule: Only "
                "active members may borrow what is shared here."}]
    inside = api_as(member).get(url, {**period(), "community": shed.slug},
                                HTTP_ACCEPT_LANGUAGE="en").json()
    assert {(r["rule"], r["community"]) for r in inside["rules"]} == {
        ("members_only", shed.slug), ("max_loan_duration", shed.slug)}


def test_a_refused_booking_names_no_private_community(api_as, outsider, member, shed,
                                                      public_drill):
    refused = api_as(outsider).post("/api/v1/bookings/", {
        "listing": public_drill.pk, **period()}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and says_nothing_of(refused.json(), shed)
    [violation] = refused.json()["violations"]
    assert (violation["rule"], violation["community"]) == ("members_only", None)
    assert "Only active members may borrow" in violation["message"]
    # Its members still borrow it.
    assert api_as(member).post("/api/v1/bookings/", {
        "listing": public_drill.pk, **period()}, format="json").status_code == 201


def test_the_booking_page_shows_outsiders_no_private_rule_names(client, outsider, shed,
                                                                public_drill):
    client.force_login(outsider)
    page = client.get(f"/listings/{public_drill.pk}/book/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and says_nothing_of(page.content.decode(), shed)


@pytest.fixture
def shed_tent(make_listing, shed):
    """The private community's own inventory, listed publicly."""
    return make_listing(title="Shed tent", owner_community=shed.slug)


def test_a_public_listing_lent_by_a_private_community_does_not_name_it(
        api, api_as, client, outsider, member, shed, shed_tent):
    for reader in (api, api_as(outsider)):
        detail = reader.get(f"/api/v1/listings/{shed_tent.pk}/").json()
        assert detail["owner_community"] is None and says_nothing_of(detail, shed)
    assert api_as(member).get(f"/api/v1/listings/{shed_tent.pk}/").json()[
        "owner_community"] == {"slug": shed.slug, "name": SECRET}
    client.force_login(outsider)
    for url in (f"/listings/{shed_tent.pk}/", f"/listings/{shed_tent.pk}/book/",
                f"/listings/{shed_tent.pk}/book/quote/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert says_nothing_of(html, shed), url
        assert "A private community's own inventory" in html, url
    client.force_login(member)
    assert SECRET in client.get(f"/listings/{shed_tent.pk}/").content.decode()


def test_booking_through_a_private_communitys_slug_answers_as_if_it_were_not_there(
        api_as, owner, outsider):
    hidden = Community.objects.create(name="Building 7", slug="building-7",
                                      visibility=Community.Visibility.PRIVATE)
    Membership.objects.create(community=hidden, user=owner, role="owner", status="active")
    drill = make_listing(owner, title="Shared drill")
    drill.communities.add(hidden)
    start = tomorrow_at(10)

    def ask(slug):
        return api_as(outsider).post("/api/v1/bookings/", {
            "listing": drill.pk, "start": start.isoformat(),
            "end": start.replace(hour=18).isoformat(), "community": slug},
            format="json", HTTP_ACCEPT_LANGUAGE="en")

    private, unknown = ask("building-7"), ask("no-such-place")
    assert private.status_code == unknown.status_code == 400
    assert private.json() == unknown.json()
