from datetime import timedelta

import pytest

from accounts.models import CompanyStaff, ShareCompany
from community_rules.governance import rule_add
from listings.models import Listing, ListingUnit
from listings.services.listing import (
    listing_archive,
    listing_create,
    listing_share,
    listing_update,
)
from marketplace.errors import Forbidden, NotFound, RuleViolation, ValidationFailed

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields.setdefault("title", "Drill")
    fields.setdefault("category", "power-tools")
    return listing_create(actor=actor, **fields)


def test_a_person_lists_a_drill_with_units_and_hours(owner, categories):
    listing = create(owner, units=3, pricing="per_day", price=3000, deposit=10000,
                     opening_hours=[{"weekday": 0, "opens": "09:00", "closes": "18:00"}])
    assert listing.owner == owner and listing.status == "active"
    assert [u.label for u in listing.units.all()] == ["1", "2", "3"]
    assert listing.opening_hours.get().opens.hour == 9
    assert " drill " in listing.search_tokens and " 전동 " in listing.search_tokens


def test_company_staff_list_for_their_company_and_others_cannot(owner, member, categories):
    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=owner)
    assert create(owner, company="hub").company == company
    with pytest.raises(ValidationFailed) as refused:
        create(member, company="hub")
    assert "company" in refused.value.extra["fields"]


def test_community_inventory_needs_a_moderator(owner, member, community):
    assert create(owner, owner_community="mapo-circle").owner_community == community
    with pytest.raises(ValidationFailed):
        create(member, owner_community="mapo-circle")


def test_sharing_needs_membership(owner, outsider, community):
    assert list(create(owner, visibility="communities",
                       communities=["mapo-circle"]).communities.all()) == [community]
    with pytest.raises(ValidationFailed) as refused:
        create(outsider, visibility="communities", communities=["mapo-circle"])
    assert "belong to" in refused.value.extra["fields"]["communities"][0]


@pytest.mark.parametrize("fields,bad", [
    ({"pricing": "free", "price": 1000}, "price"),
    ({"pricing": "per_day", "price": 0}, "price"),
    ({"units": 0}, "units"),
    ({"units": 101}, "units"),
    ({"lat": 37.5}, "lat"),
    ({"lat": 95.0, "lng": 10.0}, "lat"),
    ({"category": "no-such"}, "category"),
    ({"min_duration": timedelta(hours=5), "max_duration": timedelta(hours=2)},
     "max_duration"),
    ({"visibility": "communities"}, "communities"),
    ({"currency": "won"}, "currency"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(owner, categories, fields, bad):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, **fields)
    assert bad in refused.value.extra["fields"]
    assert not Listing.objects.exists() and not ListingUnit.objects.exists()


def test_only_the_lender_edits(owner, member, outsider, community):
    public = create(owner)
    hidden = create(owner, title="Hidden", visibility="communities",
                    communities=["mapo-circle"])
    updated = listing_update(actor=owner, listing=public, title="Cordless drill", units=2,
                             pricing="per_day", price=2000)
    assert updated.title == "Cordless drill" and updated.units.count() == 2
    assert "cordless" in updated.search_tokens
    with pytest.raises(Forbidden):
        listing_update(actor=member, listing=public, title="Mine now")
    with pytest.raises(NotFound):
        listing_update(actor=outsider, listing=hidden, title="x")
    assert Listing.objects.get(pk=public.pk).title == "Cordless drill"


def test_company_staff_edit_company_listings(owner, member, categories):
    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=owner)
    listing = create(owner, company="hub")
    CompanyStaff.objects.create(company=company, user=member)
    assert listing_update(actor=member, listing=listing, title="Staff edit").title == (
        "Staff edit")


def test_fewer_units_retire_the_last_ones(owner, categories):
    listing = create(owner, units=3)
    listing_update(actor=owner, listing=listing, units=1)
    assert list(listing.units.values_list("label", "is_active")) == [
        ("1", True), ("2", False), ("3", False)]
    listing_update(actor=owner, listing=listing, units=2)
    assert listing.units.filter(is_active=True).count() == 2


def test_archive_takes_it_out_of_search(owner, categories):
    listing = create(owner)
    assert listing_archive(actor=owner, listing=listing).status == "archived"


def test_community_rules_apply_when_listing_and_sharing(owner, member, community):
    rule_add(actor=owner, community=community, type="price_cap", params={"per_day": 5000})
    with pytest.raises(RuleViolation) as refused:
        create(member, pricing="per_day", price=9000, visibility="communities",
               communities=["mapo-circle"])
    assert refused.value.extra["violations"][0]["message"] == (
        "Fair prices: at most 5,000 won a day.")
    dear = create(member, pricing="per_day", price=9000)
    with pytest.raises(RuleViolation):
        listing_share(actor=member, listing=dear, community=community)
    assert not dear.communities.exists()
