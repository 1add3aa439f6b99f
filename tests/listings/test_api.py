import pytest

from listings.models import Listing
from tests.fixtures.bookings import make_listing
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


def test_categories_tree_in_the_callers_language(api):
    tree = api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert [c["slug"] for c in tree] == [
        "tools", "kitchen", "kids", "sports-outdoors", "electronics", "books-media",
        "party-events", "mobility", "spaces", "services"]
    assert tree[0]["name"] == "공구"
    assert tree[0]["children"][0] == {"slug": "power-tools", "name": "전동 공구",
                                      "children": []}


def test_create_a_listing_through_the_api(api_as, owner, community):
    response = api_as(owner).post("/api/v1/listings/", {
        "title": "전동 드릴 빌려드려요", "description": "배터리 두 개", "kind": "item",
        "category": "power-tools", "pricing": "per_day", "price": 3000, "deposit": 10000,
        "currency": "KRW", "units": 2, "visibility": "communities",
        "communities": ["mapo-circle"], "location": {"district": "마포구", "lat": 37.5563,
                                                     "lng": 126.9236},
        "instant_booking": False, "max_duration_hours": 72,
        "opening_hours": [{"weekday": 5, "opens": "10:00", "closes": "18:00"}]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and body["units"] == 2
    assert body["location"] == {"district": "마포구", "lat": 37.5563, "lng": 126.9236,
                                "approximate": False}
    assert body["communities"] == [{"slug": "mapo-circle", "name": "Mapo Circle"}]
    assert body["max_duration_hours"] == 72 and body["can_edit"] is True


def test_validation_errors_name_the_fields(api_as, owner, categories):
    response = api_as(owner).post("/api/v1/listings/", {
        "title": "Free but priced", "category": "power-tools", "pricing": "free",
        "price": 500}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["price"] == ["A free listing has no price."]
    assert not Listing.objects.exists()


def test_others_see_an_approximate_point(api_as, owner, member):
    listing = make_listing(owner, lat=37.556312, lng=126.923612)
    seen = api_as(member).get(f"/api/v1/listings/{listing.pk}/").json()
    assert seen["location"] == {"district": "", "lat": 37.56, "lng": 126.92,
                                "approximate": True}
    assert seen["can_edit"] is False


def test_community_only_listings_are_404_to_outsiders(api_as, api, owner, member, outsider,
                                                      community):
    hidden = make_listing(owner, title="Members only", visibility="communities")
    hidden.communities.add(community)
    for client in (api, api_as(outsider)):
        response = client.get(f"/api/v1/listings/{hidden.pk}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert hidden.pk not in [r["id"] for r in client.get("/api/v1/listings/").json()[
            "results"]]
    assert api_as(member).get(f"/api/v1/listings/{hidden.pk}/").status_code == 200


def test_only_the_lender_patches_or_deletes(api_as, owner, member, outsider, community):
    listing = make_listing(owner)
    hidden = make_listing(owner, title="Hidden", visibility="communities")
    hidden.communities.add(community)
    assert api_as(member).patch(f"/api/v1/listings/{listing.pk}/",
                                {"title": "x"}).status_code == 403
    assert api_as(outsider).patch(f"/api/v1/listings/{hidden.pk}/",
                                  {"title": "x"}).status_code == 404
    assert api_as(member).delete(f"/api/v1/listings/{listing.pk}/").status_code == 403
    changed = api_as(owner).patch(f"/api/v1/listings/{listing.pk}/", {"title": "Better"})
    assert changed.json()["title"] == "Better"
    assert api_as(owner).delete(f"/api/v1/listings/{listing.pk}/").status_code == 204
    assert Listing.objects.get(pk=listing.pk).status == "archived"
    assert api_as(member).get(f"/api/v1/listings/{listing.pk}/").status_code == 404


def test_search_endpoint_filters_and_paginates(api, owner, categories):
    for n in range(3):
        make_listing(owner, title=f"Tent {n}", pricing="per_day", price=1000 * (n + 1))
    make_listing(owner, title="전동 드릴")
    page = api.get("/api/v1/listings/", {"q": "tent", "sort": "price", "page_size": 2}).json()
    assert page["count"] == 3 and page["next"] and page["previous"] is None
    assert [r["price"] for r in page["results"]] == [1000, 2000]
    korean = api.get("/api/v1/listings/", {"q": "드릴"}).json()
    assert [r["title"] for r in korean["results"]] == ["전동 드릴"]
    bad = api.get("/api/v1/listings/", {"near": "nowhere"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "near" in bad.json()["fields"]


def test_the_listings_endpoint_uses_a_fixed_number_of_queries(api_as, owner, member, media,
                                                             django_assert_max_num_queries):
    for n in range(50):
        listing = make_listing(owner, title=f"Thing {n}")
        if n % 10 == 0:
            from listings.services.photo import listing_photo_add

            listing_photo_add(actor=owner, listing=listing, image=image_file())
    client = api_as(member)
    for size in (5, 50):
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/listings/", {"page_size": size})
        assert len(response.json()["results"]) == size


def test_photo_upload_through_the_api(api_as, owner, media):
    listing = make_listing(owner)
    response = api_as(owner).post(f"/api/v1/listings/{listing.pk}/photos/",
                                  {"image": image_file("PNG")}, format="multipart")
    assert response.status_code == 201
    assert response.json()["thumbnail_url"].startswith("/media/listings/thumbs/")
    bad = api_as(owner).post(f"/api/v1/listings/{listing.pk}/photos/",
                             {"image": image_file("GIF")}, format="multipart",
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "image" in bad.json()["fields"]


def test_availability_endpoint(api, owner, requested, drill):
    response = api.get(f"/api/v1/listings/{drill.pk}/availability/", {
        "from": requested.start.isoformat(), "to": (requested.end).isoformat()})
    assert response.status_code == 200
    [unit] = response.json()["units"]
    assert unit["free"] == [] and unit["taken"][0][2] == "booked"
    too_long = api.get(f"/api/v1/listings/{drill.pk}/availability/", {
        "from": "2026-01-01T00:00:00+09:00", "to": "2026-06-01T00:00:00+09:00"})
    assert too_long.status_code == 400


def test_search_counts_exactly_up_to_the_cap_then_says_so(api, owner, categories,
                                                          monkeypatch):
    from marketplace.api import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 3)
    for n in range(3):
        make_listing(owner, title=f"Tent {n}")
    exact = api.get("/api/v1/listings/", {"q": "tent"}).json()
    assert (exact["count"], exact["count_is_capped"]) == (3, False)
    make_listing(owner, title="Tent 3")
    capped = api.get("/api/v1/listings/", {"q": "tent", "page_size": 2}).json()
    assert (capped["count"], capped["count_is_capped"]) == (4, True)
    assert len(capped["results"]) == 2 and capped["next"]
