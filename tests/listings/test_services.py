from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CompanyStaff, ShareCompany
from community_rules.governance import rule_add
from community_rules.models import Community, Membership
from listings.models import Blackout, Listing, ListingUnit, OpeningHours
from listings.services.listing import (
    listing_archive,
    listing_blackout_add,
    listing_blackout_remove,
    listing_create,
    listing_share,
    listing_unshare,
    listing_update,
)
from marketplace.errors import Forbidden, NotFound, RuleViolation, ValidationFailed

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields.setdefault("title", "Drill")
    fields.setdefault("category", "power-tools")
    return listing_create(actor=actor, **fields)


@pytest.fixture
def hub(owner):
    """A share company `owner` works for."""
    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=owner)
    return company


def nothing_saved():
    return not (Listing.objects.exists() or ListingUnit.objects.exists()
                or OpeningHours.objects.exists())


# --- who lends it -----------------------------------------------------------

def test_a_person_lists_a_drill_with_units_and_hours(owner, categories):
    listing = create(owner, units=3, pricing="per_day", price=3000, deposit=10000,
                     opening_hours=[{"weekday": 0, "opens": "09:00", "closes": "18:00"}])
    assert listing.owner == owner and listing.status == "active"
    assert listing.company is None and listing.owner_community is None
    assert (listing.price, listing.deposit, listing.currency) == (3000, 10000, "KRW")
    assert [u.label for u in listing.units.all()] == ["1", "2", "3"]
    assert listing.opening_hours.get().opens.hour == 9 and listing.has_opening_hours
    assert " drill " in listing.search_tokens and " 전동 " in listing.search_tokens


def test_company_staff_list_for_their_company(owner, hub):
    listing = create(owner, company="hub", kind="space", category="meeting-rooms")
    assert listing.company == hub and listing.owner == owner


def test_someone_not_on_the_company_staff_cannot_list_for_it(member, hub):
    with pytest.raises(ValidationFailed) as refused:
        create(member, company="hub")
    assert refused.value.extra["fields"]["company"] == [
        "Only the company's staff can list for it."]
    assert nothing_saved()


def test_a_moderator_lists_the_community_inventory(owner, member, community):
    Membership.objects.filter(user=member).update(role="moderator")
    listing = create(member, owner_community="mapo-circle")
    assert listing.owner_community == community


def test_a_plain_member_cannot_list_the_community_inventory(member, community):
    with pytest.raises(ValidationFailed) as refused:
        create(member, owner_community="mapo-circle")
    assert "owner_community" in refused.value.extra["fields"]
    assert nothing_saved()


def test_a_listing_is_lent_by_a_company_or_a_community_not_both(owner, hub, community):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, company="hub", owner_community="mapo-circle")
    assert "company" in refused.value.extra["fields"]
    assert nothing_saved()


# --- sharing ----------------------------------------------------------------

def test_members_share_into_their_communities(owner, community):
    listing = create(owner, visibility="communities", communities=["mapo-circle"])
    assert list(listing.communities.all()) == [community]


def test_sharing_into_a_community_you_are_not_in_is_refused(outsider, community):
    with pytest.raises(ValidationFailed) as refused:
        create(outsider, visibility="communities", communities=["mapo-circle"])
    assert refused.value.extra["fields"]["communities"] == [
        "You can only share into communities you belong to: Mapo Circle."]
    assert nothing_saved()


def test_pending_members_cannot_share_yet(outsider, community):
    Membership.objects.create(community=community, user=outsider, status="pending")
    with pytest.raises(ValidationFailed):
        create(outsider, communities=["mapo-circle"])


def test_sharing_into_an_unknown_community_is_refused(owner, categories):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, communities=["nowhere"])
    assert refused.value.extra["fields"]["communities"] == ["Unknown community: nowhere."]


def test_share_and_unshare_one_community(owner, member, outsider, community):
    listing = create(owner)
    listing_share(actor=owner, listing=listing, community=community)
    assert list(listing.communities.all()) == [community]
    listing_unshare(actor=owner, listing=listing, community=community)
    assert not listing.communities.exists()
    with pytest.raises(Forbidden):
        listing_share(actor=member, listing=listing, community=community)


def test_sharing_needs_membership_even_for_the_lender(owner, outsider, community):
    listing = create(outsider)
    with pytest.raises(Forbidden) as refused:
        listing_share(actor=outsider, listing=listing, community=community)
    assert "belong to" in str(refused.value.message)
    assert not listing.communities.exists()


def test_a_community_only_listing_shared_nowhere_is_paused(owner, community):
    listing = create(owner, visibility="communities", communities=["mapo-circle"])
    listing_unshare(actor=owner, listing=listing, community=community)
    assert Listing.objects.get(pk=listing.pk).status == "paused"


# --- validation ---------------------------------------------------------------

@pytest.mark.parametrize("fields,bad", [
    ({"pricing": "free", "price": 1000}, "price"),
    ({"pricing": "per_day", "price": 0}, "price"),
    ({"pricing": "per_hour"}, "price"),
    ({"deposit": -1}, "deposit"),
    ({"units": 0}, "units"),
    ({"units": 101}, "units"),
    ({"lat": 37.5}, "lat"),
    ({"lng": 126.9}, "lat"),
    ({"lat": 95.0, "lng": 10.0}, "lat"),
    ({"lat": 37.5, "lng": 190.0}, "lat"),
    ({"category": "no-such"}, "category"),
    ({"min_duration": timedelta(hours=5), "max_duration": timedelta(hours=2)},
     "max_duration"),
    ({"visibility": "communities"}, "communities"),
    ({"currency": "won"}, "currency"),
    ({"kind": "boat"}, "kind"),
    ({"title": "   "}, "title"),
    ({"opening_hours": [{"weekday": 7, "opens": "09:00", "closes": "18:00"}]},
     "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "18:00", "closes": "09:00"}]},
     "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "nine"}]}, "opening_hours"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(owner, categories, fields, bad):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, **fields)
    assert bad in refused.value.extra["fields"]
    assert nothing_saved()


def test_every_problem_is_named_at_once(owner, categories):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, category="no-such", pricing="free", price=100, units=0)
    assert set(refused.value.extra["fields"]) == {"category", "price", "units"}
    assert "A free listing has no price." in str(refused.value.message)


def test_a_currency_other_than_won_is_refused_until_it_can_be_paid(owner, categories):
    with pytest.raises(ValidationFailed) as refused:
        create(owner, pricing="per_booking", price=1500, currency="USD")
    assert refused.value.extra["fields"]["currency"] == [
        "Prices are in won (KRW) only for now: other currencies cannot be paid yet."]
    assert nothing_saved()


# --- who edits ----------------------------------------------------------------

def test_only_the_owner_edits_a_personal_listing(owner, member, outsider, community):
    public = create(owner)
    hidden = create(owner, title="Hidden", visibility="communities",
                    communities=["mapo-circle"])
    updated = listing_update(actor=owner, listing=public, title="Cordless drill", units=2,
                             pricing="per_day", price=2000)
    assert updated.title == "Cordless drill" and updated.units.count() == 2
    assert "cordless" in updated.search_tokens
    with pytest.raises(Forbidden) as refused:
        listing_update(actor=member, listing=public, title="Mine now")
    assert str(refused.value.message) == "Only the lender can change this listing."
    with pytest.raises(NotFound):
        listing_update(actor=outsider, listing=hidden, title="x")
    assert Listing.objects.get(pk=public.pk).title == "Cordless drill"
    assert Listing.objects.get(pk=hidden.pk).title == "Hidden"


def test_company_staff_edit_company_listings_and_the_lister_alone_does_not(
        owner, member, outsider, hub):
    listing = create(owner, company="hub")
    with pytest.raises(Forbidden):
        listing_update(actor=member, listing=listing, title="Not yet staff")
    CompanyStaff.objects.create(company=hub, user=member)
    assert listing_update(actor=member, listing=listing, title="Staff edit").title == (
        "Staff edit")
    # The person who listed it leaves the company: the company keeps it.
    CompanyStaff.objects.filter(user=owner).delete()
    with pytest.raises(Forbidden):
        listing_update(actor=owner, listing=listing, title="Taking it with me")


def test_a_colleague_edits_a_listing_shared_in_a_community_they_are_not_in(
        owner, member, outsider, hub, community):
    listing = create(owner, company="hub", communities=["mapo-circle"])
    CompanyStaff.objects.create(company=hub, user=outsider)
    listing_update(actor=outsider, listing=listing, title="New title")
    assert list(listing.communities.all()) == [community]


def test_moderators_edit_the_community_inventory_and_members_do_not(owner, member, community):
    listing = create(owner, owner_community="mapo-circle", visibility="communities",
                     communities=["mapo-circle"])
    with pytest.raises(Forbidden):
        listing_update(actor=member, listing=listing, title="x")
    Membership.objects.filter(user=member).update(role="moderator")
    assert listing_update(actor=member, listing=listing, title="Ladder").title == "Ladder"


def test_who_lends_it_does_not_change(owner, hub, categories):
    listing = create(owner)
    with pytest.raises(ValidationFailed) as refused:
        listing_update(actor=owner, listing=listing, company="hub")
    assert "company" in refused.value.extra["fields"]


def test_an_edit_is_checked_like_a_new_listing(owner, categories):
    listing = create(owner, pricing="per_day", price=1000)
    with pytest.raises(ValidationFailed) as refused:
        listing_update(actor=owner, listing=listing, pricing="free")
    assert "price" in refused.value.extra["fields"]
    assert Listing.objects.get(pk=listing.pk).pricing == "per_day"


def test_fewer_units_retire_the_last_ones_and_more_bring_them_back(owner, categories):
    listing = create(owner, units=3)
    listing_update(actor=owner, listing=listing, units=1)
    assert list(listing.units.values_list("label", "is_active")) == [
        ("1", True), ("2", False), ("3", False)]
    listing_update(actor=owner, listing=listing, units=4)
    assert list(listing.units.values_list("label", "is_active")) == [
        ("1", True), ("2", True), ("3", True), ("4", True)]


def test_communities_and_hours_are_replaced(owner, community):
    other = Community.objects.create(name="Hapjeong", slug="hapjeong")
    Membership.objects.create(community=other, user=owner, status="active")
    listing = create(owner, communities=["mapo-circle"],
                     opening_hours=[{"weekday": 0, "opens": "09:00", "closes": "12:00"}])
    listing_update(actor=owner, listing=listing, communities=["hapjeong"],
                   opening_hours=[{"weekday": 5, "opens": "10:00", "closes": "16:00"},
                                  {"weekday": 6, "opens": "10:00", "closes": "16:00"}])
    assert list(listing.communities.all()) == [other]
    assert list(listing.opening_hours.values_list("weekday", flat=True)) == [5, 6]
    listing_update(actor=owner, listing=listing, opening_hours=[])
    assert not Listing.objects.get(pk=listing.pk).has_opening_hours


# --- archive and blackouts -------------------------------------------------------

def test_archive_keeps_the_listing_out_of_sight(owner, member, categories):
    listing = create(owner)
    with pytest.raises(Forbidden):
        listing_archive(actor=member, listing=listing)
    assert listing_archive(actor=owner, listing=listing).status == "archived"
    assert Listing.objects.filter(pk=listing.pk).exists()  # kept for history


def test_blackouts_close_a_period_for_those_who_manage_it(owner, member, categories):
    listing = create(owner)
    start = timezone.now() + timedelta(days=1)
    blackout = listing_blackout_add(actor=owner, listing=listing, starts_at=start,
                                    ends_at=start + timedelta(days=2), reason="Repair")
    assert blackout.reason == "Repair"
    with pytest.raises(ValidationFailed):
        listing_blackout_add(actor=owner, listing=listing, starts_at=start, ends_at=start)
    with pytest.raises(Forbidden):
        listing_blackout_add(actor=member, listing=listing, starts_at=start,
                             ends_at=start + timedelta(hours=1))
    with pytest.raises(Forbidden):
        listing_blackout_remove(actor=member, blackout=blackout)
    listing_blackout_remove(actor=owner, blackout=blackout)
    assert not Blackout.objects.exists()


# --- community rules ----------------------------------------------------------

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
