"""The pages of issue 3: browse, listing detail, create and edit,
communities and companies."""

import pytest

from community_rules.models import Membership
from community_rules.services import community_create
from listings.models import Listing
from tests.fixtures.bookings import make_listing
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


def test_browse_page_finds_by_korean_word_with_a_fixed_query_count(
        client, owner, django_assert_max_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for n in range(30):
        make_listing(owner, title=f"전동 드릴 {n}")
    make_listing(owner, title="Tent")
    for path in ("/listings/?q=드릴", "/listings/?q=드릴&page=2"):
        with django_assert_max_num_queries(12):
            page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
    html = client.get("/listings/?q=드릴", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "30 listings" in html and "Tent" not in html


def test_browse_shows_bad_filters_instead_of_failing(client):
    page = client.get("/listings/?near=nowhere", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "latitude,longitude" in page.content.decode()


def test_listing_page_shows_price_deposit_lender_and_calendar(client, owner):
    listing = make_listing(owner, title="Camping set", pricing="per_day", price=35000,
                           deposit=100000)
    html = client.get(f"/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "35,000원 / day" in html and "100,000원" in html
    assert "Owner Kim" in html and 'data-testid="availability-calendar"' in html


def test_community_only_listing_page_is_404_for_outsiders(client, owner, outsider, member):
    community = community_create(actor=owner, name="Circle")
    Membership.objects.create(community=community, user=member, status="active")
    hidden = make_listing(owner, title="Members only", visibility="communities")
    hidden.communities.add(community)
    client.force_login(outsider)
    assert client.get(f"/listings/{hidden.pk}/").status_code == 404
    client.force_login(member)
    assert client.get(f"/listings/{hidden.pk}/").status_code == 200


def test_create_a_listing_with_a_photo_from_the_form(client, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member)
    response = client.post("/listings/new/", {
        "title": "전동 드릴 빌려드려요", "description": "", "kind": "item",
        "category": "power-tools", "condition": "good", "pricing": "free", "price": "0",
        "deposit": "5000", "units": "1", "visibility": "public", "district": "마포구",
        "min_hours": "1", "cancellation_policy": "flexible", "company": "",
        "photos": [image_file("JPEG", size=(800, 600))]})
    listing = Listing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/listings/{listing.pk}/"
    assert listing.photos.count() == 1 and listing.owner == member


def test_only_the_owner_opens_the_edit_page(client, owner, member):
    listing = make_listing(owner)
    client.force_login(member)
    assert client.get(f"/listings/{listing.pk}/edit/").status_code == 302
    client.post(f"/listings/{listing.pk}/edit/", {"title": "Stolen"})
    assert Listing.objects.get(pk=listing.pk).title == "Drill"
    client.force_login(owner)
    assert client.get(f"/listings/{listing.pk}/edit/").status_code == 200


def test_community_pages_join_and_pending_requests(client, owner, member):
    community_create(actor=owner, name="Asked", join_policy="approval")
    client.force_login(member)
    client.post("/communities/asked/join/")
    page = client.get("/communities/asked/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "waiting for a moderator" in page
    client.force_login(owner)
    members = client.get("/communities/asked/members/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Member Lee" in members.content.decode()
    client.post(f"/communities/asked/members/{member.pk}/approve/")
    assert Membership.objects.get(user=member).status == "active"


def test_private_community_pages_are_404_for_outsiders(client, owner, outsider):
    community_create(actor=owner, name="Secret", visibility="private")
    client.force_login(outsider)
    for path in ("/communities/secret/", "/communities/secret/members/"):
        assert client.get(path).status_code == 404
    assert "Secret" not in client.get("/communities/").content.decode()


def test_city_staff_verify_a_company_from_its_page(client, owner, staff):
    from accounts.services import company_create

    company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    client.force_login(staff)
    client.post("/companies/hub/verify/", {"verified": "true"})
    page = client.get("/companies/hub/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verified share company" in page


def test_browse_says_when_nothing_is_found(client):
    html = client.get("/listings/?q=zzzz", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 listings" in html and "Nothing found" in html
