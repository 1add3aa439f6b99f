from datetime import timedelta

import pytest

from accounts.models import CompanyStaff, ShareCompany
from community_rules.models import Membership
from listings.models import Listing
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(owner):
    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=owner)
    return company


# --- categories -----------------------------------------------------------------

def test_categories_tree_in_the_callers_language(api):
    tree = api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert [c["slug"] for c in tree] == [
        "tools", "kitchen", "kids", "sports-outdoors", "electronics", "books-media",
        "party-events", "mobility", "spaces", "services"]
    assert tree[0]["name"] == "공구"
    assert tree[0]["children"][0] == {"slug": "power-tools", "name": "전동 공구",
                                      "children": []}
    english = api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["name"] == "Tools" and english[0]["children"][0]["name"] == "Power tools"


# --- create -----------------------------------------------------------------------

def test_create_a_listing_through_the_api(api_as, owner, community):
    response = api_as(owner).post("/api/v1/listings/", {
        "title": "전동 드릴 빌려드려요", "description": "배터리 두 개", "kind": "item",
        "category": "power-tools", "pricing": "per_day", "price": 3000, "deposit": 10000,
        "currency": "KRW", "units": 2, "visibility": "communities",
        "communities": ["mapo-circle"], "location": {"district": "마포구", "lat": 37.5563,
                                                     "lng": 126.9236},
        "instant_booking": False, "max_duration_hours": 72, "condition": "good",
        "opening_hours": [{"weekday": 5, "opens": "10:00", "closes": "18:00"}]},
        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == Listing.objects.get().pk
    assert body["status"] == "active" and body["units"] == 2
    assert (body["price"], body["deposit"], body["currency"]) == (3000, 10000, "KRW")
    assert body["category"] == {"slug": "power-tools", "name": "Power tools"}
    assert body["location"] == {"district": "마포구", "lat": 37.5563, "lng": 126.9236,
                                "approximate": False}
    assert body["communities"] == [{"slug": "mapo-circle", "name": "Mapo Circle"}]
    assert body["owner"] == {"id": owner.pk, "display_name": "Owner Kim"}
    assert body["company"] is None and body["owner_community"] is None
    assert body["opening_hours"] == [{"weekday": 5, "opens": "10:00", "closes": "18:00"}]
    assert body["min_duration_hours"] == 1 and body["max_duration_hours"] == 72
    assert body["can_edit"] is True and body["photos"] == []


def test_company_staff_create_for_their_company_and_others_are_refused(
        api_as, owner, member, hub):
    made = api_as(owner).post("/api/v1/listings/", {
        "title": "Meeting room", "kind": "space", "category": "meeting-rooms",
        "pricing": "per_hour", "price": 15000, "company": "hub"}, format="json")
    assert made.status_code == 201
    assert made.json()["company"] == {"slug": "hub", "name": "Hub", "verified": False,
                                       "designated": False}
    refused = api_as(member).post("/api/v1/listings/", {
        "title": "Not mine", "category": "meeting-rooms", "company": "hub"},
        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json()["fields"]["company"] == ["Only the company's staff can list for it."]


def test_moderators_list_the_community_inventory(api_as, owner, community):
    made = api_as(owner).post("/api/v1/listings/", {
        "title": "Ladder", "category": "ladders", "owner_community": "mapo-circle"},
        format="json")
    assert made.json()["owner_community"] == {"slug": "mapo-circle", "name": "Mapo Circle"}


def test_validation_errors_name_the_fields(api_as, owner, categories):
    response = api_as(owner).post("/api/v1/listings/", {
        "title": "Free but priced", "category": "power-tools", "pricing": "free",
        "price": 500}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert response.json()["fields"]["price"] == ["A free listing has no price."]
    odd = api_as(owner).post("/api/v1/listings/", {
        "title": "Boat", "category": "power-tools", "kind": "boat"})
    assert odd.status_code == 400 and "kind" in odd.json()["fields"]
    assert not Listing.objects.exists()


def test_anonymous_people_cannot_create(api, categories):
    response = api.post("/api/v1/listings/", {"title": "x", "category": "power-tools"})
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


# --- read -----------------------------------------------------------------------------

def test_others_see_an_approximate_point_and_the_lender_the_exact_one(api_as, api, owner,
                                                                      member, make_listing):
    listing = make_listing(district="마포구", lat=37.556312, lng=126.923612)
    approximate = {"district": "마포구", "lat": 37.56, "lng": 126.92, "approximate": True}
    for client in (api, api_as(member)):
        seen = client.get(f"/api/v1/listings/{listing.pk}/").json()
        assert seen["location"] == approximate and seen["can_edit"] is False
        [card] = client.get("/api/v1/listings/").json()["results"]
        assert card["location"] == approximate
    mine = api_as(owner).get(f"/api/v1/listings/{listing.pk}/").json()
    assert mine["location"] == {"district": "마포구", "lat": 37.556312, "lng": 126.923612,
                                "approximate": False}


def test_community_only_listings_are_404_to_outsiders(api_as, api, member, outsider,
                                                      community, make_listing):
    hidden = make_listing(title="Members only", visibility="communities",
                          communities=["mapo-circle"])
    for client in (api, api_as(outsider)):
        response = client.get(f"/api/v1/listings/{hidden.pk}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert client.get("/api/v1/listings/").json()["results"] == []
        assert client.get(f"/api/v1/listings/{hidden.pk}/availability/", {
            "from": "2026-01-01T00:00:00+09:00",
            "to": "2026-01-02T00:00:00+09:00"}).status_code == 404
    seen = api_as(member).get(f"/api/v1/listings/{hidden.pk}/")
    assert seen.status_code == 200
    assert seen.json()["communities"] == [{"slug": "mapo-circle", "name": "Mapo Circle"}]
    assert [r["id"] for r in api_as(member).get("/api/v1/listings/").json()["results"]] == [
        hidden.pk]


def test_drafts_are_seen_only_by_those_who_manage_them(api_as, api, owner, member,
                                                       make_listing):
    draft = make_listing(status="draft")
    assert api_as(member).get(f"/api/v1/listings/{draft.pk}/").status_code == 404
    assert api_as(owner).get(f"/api/v1/listings/{draft.pk}/").json()["status"] == "draft"


# --- change ---------------------------------------------------------------------------

def test_only_the_lender_patches_or_deletes(api_as, owner, member, outsider, community,
                                            make_listing):
    listing = make_listing()
    hidden = make_listing(title="Hidden", visibility="communities",
                          communities=["mapo-circle"])
    refused = api_as(member).patch(f"/api/v1/listings/{listing.pk}/", {"title": "x"},
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and refused.json() == {
        "code": "forbidden", "detail": "Only the lender can change this listing."}
    assert api_as(outsider).patch(f"/api/v1/listings/{hidden.pk}/",
                                  {"title": "x"}).status_code == 404
    assert api_as(member).delete(f"/api/v1/listings/{listing.pk}/").status_code == 403
    assert api_as(outsider).delete(f"/api/v1/listings/{hidden.pk}/").status_code == 404
    assert Listing.objects.get(pk=listing.pk).title == "Drill"
    changed = api_as(owner).patch(f"/api/v1/listings/{listing.pk}/", {
        "title": "Better", "units": 3, "location": {"lat": 37.5, "lng": 127.0},
        "min_duration_hours": 2}, format="json")
    assert changed.status_code == 200
    body = changed.json()
    assert (body["title"], body["units"], body["min_duration_hours"]) == ("Better", 3, 2)
    assert (body["location"]["lat"], body["location"]["lng"]) == (37.5, 127.0)


def test_company_staff_patch_company_listings(api_as, owner, member, hub, make_listing):
    listing = make_listing(company="hub")
    assert api_as(member).patch(f"/api/v1/listings/{listing.pk}/",
                                {"title": "x"}).status_code == 403
    CompanyStaff.objects.create(company=hub, user=member)
    response = api_as(member).patch(f"/api/v1/listings/{listing.pk}/", {"title": "By staff"})
    assert response.status_code == 200 and response.json()["can_edit"] is True


def test_moderators_patch_the_community_inventory(api_as, owner, member, community,
                                                  make_listing):
    listing = make_listing(owner_community="mapo-circle")
    assert api_as(member).patch(f"/api/v1/listings/{listing.pk}/",
                                {"title": "x"}).status_code == 403
    Membership.objects.filter(user=member).update(role="moderator")
    assert api_as(member).patch(f"/api/v1/listings/{listing.pk}/",
                                {"title": "y"}).status_code == 200


def test_delete_archives_and_hides_it_from_the_list(api_as, api, owner, member, make_listing):
    listing = make_listing()
    assert [r["id"] for r in api.get("/api/v1/listings/").json()["results"]] == [listing.pk]
    assert api_as(owner).delete(f"/api/v1/listings/{listing.pk}/").status_code == 204
    assert Listing.objects.get(pk=listing.pk).status == "archived"
    for client in (api, api_as(member), api_as(owner)):
        assert client.get("/api/v1/listings/").json()["results"] == []
    assert api_as(member).get(f"/api/v1/listings/{listing.pk}/").status_code == 404
    assert api_as(owner).get(f"/api/v1/listings/{listing.pk}/").json()["status"] == "archived"


# --- the list ---------------------------------------------------------------------------

def test_search_endpoint_filters_and_paginates(api, make_listing):
    for n in range(3):
        make_listing(title=f"Tent {n}", pricing="per_day", price=1000 * (n + 1))
    make_listing(title="전동 드릴")
    page = api.get("/api/v1/listings/", {"q": "tent", "sort": "price", "page_size": 2}).json()
    assert page["count"] == 3 and page["next"] and page["previous"] is None
    assert [r["price"] for r in page["results"]] == [1000, 2000]
    korean = api.get("/api/v1/listings/", {"q": "드릴"}).json()
    assert [r["title"] for r in korean["results"]] == ["전동 드릴"]
    bad = api.get("/api/v1/listings/", {"near": "nowhere"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "near" in bad.json()["fields"]


def test_cards_carry_distance_when_asked_near_a_point(api, make_listing):
    make_listing(lat=37.5563, lng=126.9236)
    [card] = api.get("/api/v1/listings/", {"near": "37.5563,126.9236"}).json()["results"]
    # From the approximate point (37.56, 126.92), about 0.52 km away, to 0.5 km.
    assert card["distance_km"] == 0.5
    assert set(card) >= {"id", "title", "kind", "category", "pricing", "price", "deposit",
                         "currency", "location", "company", "thumbnail_url", "distance_km",
                         "status"}


@pytest.mark.parametrize("params", [{}, {"near": "37.55,126.92", "radius_km": "50"}])
def test_the_listings_endpoint_uses_a_fixed_number_of_queries(
        api_as, owner, member, hub, community, media, make_listing, params,
        django_assert_max_num_queries):
    from listings.services.photo import listing_photo_add

    for n in range(50):
        listing = make_listing(title=f"Thing {n}", lat=37.55, lng=126.92,
                               company="hub" if n % 3 == 0 else None,
                               communities=["mapo-circle"] if n % 2 else [],
                               visibility="communities" if n % 4 == 1 else "public")
        if n % 10 == 0:
            listing_photo_add(actor=owner, listing=listing, image=image_file())
    client = api_as(member)
    for size in (5, 50):
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/listings/", {"page_size": size, **params})
        results = response.json()["results"]
        assert len(results) == size
    assert any(r["thumbnail_url"] for r in results)


# --- photos and availability --------------------------------------------------------------

def test_photo_upload_through_the_api(api_as, owner, member, media, make_listing):
    listing = make_listing()
    response = api_as(owner).post(f"/api/v1/listings/{listing.pk}/photos/",
                                  {"image": image_file("PNG")}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert body["position"] == 0 and body["id"] == listing.photos.get().pk
    photo_id = body["id"]
    assert body["url"] == f"/photos/listing/{photo_id}/full/"
    assert body["thumbnail_url"] == f"/photos/listing/{photo_id}/thumb/"
    detail = api_as(owner).get(f"/api/v1/listings/{listing.pk}/").json()
    assert detail["photos"] == [body]
    assert api_as(member).post(f"/api/v1/listings/{listing.pk}/photos/",
                               {"image": image_file("PNG")},
                               format="multipart").status_code == 403
    bad = api_as(owner).post(f"/api/v1/listings/{listing.pk}/photos/",
                             {"image": image_file("GIF")}, format="multipart",
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "image" in bad.json()["fields"]
    assert listing.photos.count() == 1


def test_availability_endpoint(api, owner, requested, drill):
    response = api.get(f"/api/v1/listings/{drill.pk}/availability/", {
        "from": requested.start.isoformat(), "to": (requested.end).isoformat()})
    assert response.status_code == 200
    [unit] = response.json()["units"]
    # Others learn only that it is taken, not by what (issue 15).
    assert unit["free"] == [] and unit["taken"][0][2] == "unavailable"
    around = api.get(f"/api/v1/listings/{drill.pk}/availability/", {
        "from": (requested.start - timedelta(hours=2)).isoformat(),
        "to": requested.end.isoformat()}).json()
    assert len(around["units"][0]["free"]) == 1


@pytest.mark.parametrize("params,field", [
    ({"from": "2026-01-01T00:00:00+09:00", "to": "2026-06-01T00:00:00+09:00"}, "to"),
    ({"from": "2026-01-02T00:00:00+09:00", "to": "2026-01-01T00:00:00+09:00"}, "to"),
    ({"from": "soon", "to": "2026-01-01T00:00:00+09:00"}, "from"),
    ({"to": "2026-01-01T00:00:00+09:00"}, "from"),
])
def test_availability_needs_a_range_of_at_most_90_days(api, drill, params, field):
    response = api.get(f"/api/v1/listings/{drill.pk}/availability/", params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_search_counts_exactly_up_to_the_cap_then_says_so(api, make_listing, monkeypatch):
    from marketplace.api import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 3)
    for n in range(3):
        make_listing(title=f"Tent {n}")
    exact = api.get("/api/v1/listings/", {"q": "tent"}).json()
    assert (exact["count"], exact["count_is_capped"]) == (3, False)
    make_listing(title="Tent 3")
    capped = api.get("/api/v1/listings/", {"q": "tent", "page_size": 2}).json()
    assert (capped["count"], capped["count_is_capped"]) == (4, True)
    assert len(capped["results"]) == 2 and capped["next"]


def test_the_openapi_document_describes_the_listings_api(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/v1/categories/", "/api/v1/listings/", "/api/v1/listings/{listing_id}/",
                 "/api/v1/listings/{listing_id}/photos/",
                 "/api/v1/listings/{listing_id}/availability/"):
        assert path in paths
    listed = {p["name"] for p in paths["/api/v1/listings/"]["get"]["parameters"]}
    assert listed >= {"q", "kind", "category", "community", "company", "free", "max_price",
                      "near", "radius_km", "available_from", "available_to",
                      "verified_company", "sort", "page"}
    assert set(paths["/api/v1/listings/{listing_id}/"]) >= {"get", "patch", "delete"}
