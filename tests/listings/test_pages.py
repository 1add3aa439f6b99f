"""The listing pages: detail with its calendar, create, edit (photos,
archive) and my listings."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import CompanyStaff, ShareCompany
from community_rules.models import Membership
from listings.models import Listing
from listings.services.listing import listing_blackout_add
from listings.services.photo import listing_photo_add
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db

FORM = {
    "title": "전동 드릴 빌려드려요", "description": "배터리 두 개", "kind": "item",
    "category": "power-tools", "condition": "good", "pricing": "per_day", "price": "3000",
    "deposit": "10000", "units": "2", "visibility": "public", "district": "마포구",
    "lat": "37.5563", "lng": "126.9236", "min_hours": "1", "max_hours": "72",
    "cancellation_policy": "flexible", "company": "", "status": "active",
}


@pytest.fixture
def hub(owner):
    company = ShareCompany.objects.create(name="Seoul Share Hub", slug="hub",
                                          registration_number="220-81-62517",
                                          verified_at=timezone.now())
    CompanyStaff.objects.create(company=company, user=owner)
    return company


def page(client, path, language="en") -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


# --- detail -----------------------------------------------------------------------

def test_the_page_shows_price_deposit_condition_and_who_lends_it(client, owner, make_listing):
    listing = make_listing(title="Camping set", pricing="per_day", price=15000,
                           deposit=50000, condition="like_new", units=3)
    html = page(client, f"/listings/{listing.pk}/")
    assert "15,000원 / day" in html and "50,000원" in html
    assert "Like new" in html and "Owner Kim" in html
    assert re.search(r'data-testid="listing-units">3<', html)


def test_free_is_said_in_the_readers_language(client, make_listing):
    listing = make_listing(title="Free ladder")
    assert "Free" in page(client, f"/listings/{listing.pk}/", "en")
    assert "무료" in page(client, f"/listings/{listing.pk}/", "ko")


def test_a_verified_company_has_its_badge(client, owner, hub, make_listing):
    listing = make_listing(title="Meeting room", kind="space", category="meeting-rooms",
                           company="hub", pricing="per_hour", price=20000)
    html = page(client, f"/listings/{listing.pk}/")
    assert "Seoul Share Hub" in html and 'data-testid="verified-badge"' in html
    hub.verified_at = None
    hub.save()
    assert 'data-testid="verified-badge"' not in page(client, f"/listings/{listing.pk}/")


def test_the_page_names_the_communities_and_the_opening_hours(client, owner, community,
                                                              make_listing):
    listing = make_listing(communities=["mapo-circle"], opening_hours=[
        {"weekday": 0, "opens": "09:00", "closes": "18:00"}])
    html = page(client, f"/listings/{listing.pk}/")
    assert "Mapo Circle" in html
    hours = html.split('data-testid="opening-hours"')[1].split("</dl>")[0]
    assert "Monday" in hours and "09:00–18:00" in hours


def test_the_calendar_shows_two_weeks_free_partly_or_taken(client, owner, make_listing):
    listing = make_listing()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(),
                                                    datetime.min.time()))
    listing_blackout_add(actor=owner, listing=listing, starts_at=midnight + timedelta(days=2),
                         ends_at=midnight + timedelta(days=3))
    listing_blackout_add(actor=owner, listing=listing,
                         starts_at=midnight + timedelta(days=4, hours=10),
                         ends_at=midnight + timedelta(days=4, hours=12))
    html = page(client, f"/listings/{listing.pk}/")
    calendar = html.split('data-testid="availability-calendar"')[1].split("</section>")[0]
    days = re.findall(r'class="day (\w+)"', calendar)
    assert len(days) == 14
    assert days[2] == "taken" and days[4] == "partly"
    assert days[1] == days[3] == days[13] == "free"


def test_the_lender_sees_the_exact_point_and_others_an_approximate_one(client, owner, member,
                                                                       make_listing):
    listing = make_listing(lat=37.556312, lng=126.923612)
    client.force_login(member)
    html = page(client, f"/listings/{listing.pk}/")
    assert "37.56, 126.92 (approximate)" in html and "37.556312" not in html
    assert 'data-testid="edit-listing"' not in html
    client.force_login(owner)
    html = page(client, f"/listings/{listing.pk}/")
    assert "37.556312, 126.923612" in html and "(approximate)" not in html
    assert 'data-testid="edit-listing"' in html


def test_a_community_only_listing_is_404_for_outsiders(client, owner, member, outsider,
                                                       community, make_listing):
    hidden = make_listing(title="Members only", visibility="communities",
                          communities=["mapo-circle"])
    assert client.get(f"/listings/{hidden.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/listings/{hidden.pk}/").status_code == 404
    assert client.get(f"/listings/{hidden.pk}/edit/").status_code == 404
    client.force_login(member)
    assert "Members only" in page(client, f"/listings/{hidden.pk}/")


def test_drafts_and_archived_listings_are_404_for_others(client, owner, member, make_listing):
    draft = make_listing(status="draft")
    client.force_login(member)
    assert client.get(f"/listings/{draft.pk}/").status_code == 404
    client.force_login(owner)
    assert "Draft" in page(client, f"/listings/{draft.pk}/")


# --- create -----------------------------------------------------------------------

def test_the_form_offers_the_category_tree_and_the_persons_communities_and_companies(
        client, owner, hub, community):
    client.force_login(owner)
    html = page(client, "/listings/new/")
    assert '<optgroup label="Tools">' in html and 'value="power-tools"' in html
    assert 'value="mapo-circle"' in html and 'value="hub"' in html
    assert 'name="owner_community"' in html  # owner runs the community
    assert '<option value="active" selected>' in html


def test_create_a_listing_with_photos_from_the_form(client, member, community, media):
    client.force_login(member)
    response = client.post("/listings/new/", {
        **FORM, "visibility": "communities", "communities": ["mapo-circle"],
        "photos": [image_file("JPEG", size=(800, 600)), image_file("PNG")]})
    listing = Listing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/listings/{listing.pk}/"
    assert listing.owner == member and listing.title == "전동 드릴 빌려드려요"
    assert (listing.pricing, listing.price, listing.deposit) == ("per_day", 3000, 10000)
    assert listing.units.count() == 2 and listing.max_duration == timedelta(hours=72)
    assert list(listing.communities.values_list("slug", flat=True)) == ["mapo-circle"]
    assert listing.photos.count() == 2
    assert " 드릴 " in listing.search_tokens


def test_staff_list_for_their_company_from_the_form(client, owner, hub, categories):
    client.force_login(owner)
    client.post("/listings/new/", {**FORM, "company": "hub"})
    assert Listing.objects.get().company == hub


def test_a_refusal_is_shown_on_the_form_and_nothing_is_saved(client, owner, categories):
    client.force_login(owner)
    response = client.post("/listings/new/", {**FORM, "pricing": "free"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A free listing has no price." in response.content.decode()
    assert not Listing.objects.exists()


def test_a_refused_photo_is_named_and_the_listing_kept(client, owner, categories, media):
    client.force_login(owner)
    response = client.post("/listings/new/", {**FORM, "photos": [image_file("GIF")]},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    listing = Listing.objects.get()
    assert not listing.photos.exists()
    assert "photo.gif" in response.content.decode()


def test_the_pages_to_change_listings_need_a_login(client, make_listing):
    listing = make_listing()
    for path in ("/listings/new/", f"/listings/{listing.pk}/edit/", "/my/listings/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- edit ---------------------------------------------------------------------------

def test_the_owner_edits_from_the_form(client, owner, make_listing):
    listing = make_listing(units=1)
    client.force_login(owner)
    html = page(client, f"/listings/{listing.pk}/edit/")
    assert 'value="Drill"' in html and 'name="company"' not in html
    response = client.post(f"/listings/{listing.pk}/edit/", {
        **FORM, "title": "Cordless drill", "units": "3", "status": "paused"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Cordless drill", "paused")
    assert listing.units.filter(is_active=True).count() == 3


def test_only_those_who_manage_it_open_the_edit_page(client, owner, member, hub, make_listing):
    listing = make_listing()
    company_listing = make_listing(title="Hub drill", company="hub")
    client.force_login(member)
    for target in (listing, company_listing):
        response = client.get(f"/listings/{target.pk}/edit/")
        assert response.status_code == 302
        assert response["Location"] == f"/listings/{target.pk}/"
        client.post(f"/listings/{target.pk}/edit/", {**FORM, "title": "Stolen"})
        client.post(f"/listings/{target.pk}/archive/")
    assert set(Listing.objects.values_list("title", "status")) == {
        ("Drill", "active"), ("Hub drill", "active")}
    CompanyStaff.objects.create(company=company_listing.company, user=member)
    assert client.get(f"/listings/{company_listing.pk}/edit/").status_code == 200


def test_moderators_edit_the_community_inventory(client, owner, member, community,
                                                 make_listing):
    listing = make_listing(owner_community="mapo-circle")
    client.force_login(member)
    assert client.get(f"/listings/{listing.pk}/edit/").status_code == 302
    Membership.objects.filter(user=member).update(role="moderator")
    assert client.get(f"/listings/{listing.pk}/edit/").status_code == 200


def test_photos_are_removed_from_the_edit_page(client, owner, member, make_listing, media):
    listing = make_listing()
    photo = listing_photo_add(actor=owner, listing=listing, image=image_file())
    client.force_login(member)
    client.post(f"/listings/{listing.pk}/photos/{photo.pk}/remove/")
    assert listing.photos.exists()
    client.force_login(owner)
    assert f"/listings/{listing.pk}/photos/{photo.pk}/remove/" in page(
        client, f"/listings/{listing.pk}/edit/")
    client.post(f"/listings/{listing.pk}/photos/{photo.pk}/remove/")
    assert not listing.photos.exists()


def test_the_archive_button_takes_it_down(client, owner, member, make_listing):
    listing = make_listing()
    client.force_login(owner)
    assert f"/listings/{listing.pk}/archive/" in page(client, f"/listings/{listing.pk}/edit/")
    response = client.post(f"/listings/{listing.pk}/archive/")
    assert response.status_code == 302 and response["Location"] == "/my/listings/"
    assert Listing.objects.get(pk=listing.pk).status == "archived"
    assert "Drill" not in page(client, "/listings/")
    client.force_login(member)
    assert client.get(f"/listings/{listing.pk}/").status_code == 404


# --- my listings -----------------------------------------------------------------------

def test_my_listings_has_drafts_company_and_community_inventory(client, owner, member, hub,
                                                                community, make_listing):
    make_listing(title="My draft", status="draft")
    make_listing(title="My paused", status="paused")
    make_listing(title="Company room", company="hub", category="meeting-rooms")
    make_listing(title="Library ladder", owner_community="mapo-circle", category="ladders")
    make_listing(title="Gone", status="archived")
    make_listing(actor=member, title="Member's tent", category="camping")
    client.force_login(owner)
    html = page(client, "/my/listings/")
    for title in ("My draft", "My paused", "Company room", "Library ladder"):
        assert title in html
    assert "Gone" not in html and "Member's tent" not in html
    assert "Draft" in html and "Paused" in html
