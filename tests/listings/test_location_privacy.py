"""Issue 15, point 2: search cannot find a lender's door by triangulation.
Every distance (the radius filter, the sort and the figure shown) is
measured from the approximate point that everyone but the listing's
managers sees, and shown to half a kilometre."""

import math

import pytest

from listings.models import Listing

pytestmark = pytest.mark.django_db

# Two lenders' exact doors, ~700 m apart, in the same 0.01-degree cell,
# whose approximate point is (37.56, 126.92).
DOOR_A = (37.5563, 126.9236)
DOOR_B = (37.5598, 126.9172)
APPROXIMATE = (37.56, 126.92)
# Where a stalker might search from: next to door A, and around it.
SEARCH_POINTS = [(37.5563, 126.9236), (37.5570, 126.9230), (37.5540, 126.9260),
                 (37.5600, 126.9300), (37.5500, 126.9100)]


def haversine_km(a, b) -> float:
    dlat, dlng = math.radians(b[0] - a[0]) / 2, math.radians(b[1] - a[1]) / 2
    h = math.sin(dlat) ** 2 + math.cos(math.radians(a[0])) * math.cos(
        math.radians(b[0])) * math.sin(dlng) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.fixture
def doors(make_listing):
    return {"A": make_listing(title="Door A drill", lat=DOOR_A[0], lng=DOOR_A[1]),
            "B": make_listing(title="Door B drill", lat=DOOR_B[0], lng=DOOR_B[1])}


def cards(client, point, **params) -> dict[str, dict]:
    answer = client.get("/api/v1/listings/", {"near": f"{point[0]},{point[1]}", **params})
    assert answer.status_code == 200
    return {card["title"]: card for card in answer.json()["results"]}


def test_distances_are_those_to_the_approximate_point_to_half_a_kilometre(
        api_as, outsider, doors):
    client = api_as(outsider)
    for point in SEARCH_POINTS:
        found = cards(client, point, radius_km="5")
        expected = round(haversine_km(point, APPROXIMATE) / 0.5) * 0.5
        assert found["Door A drill"]["distance_km"] == pytest.approx(expected), point
        assert found["Door A drill"]["location"] == {
            "district": "", "lat": 37.56, "lng": 126.92, "approximate": True}


def test_searches_from_anywhere_cannot_tell_two_doors_in_one_cell_apart(
        api_as, outsider, doors):
    """Whatever points and radii one searches with, two lenders whose doors
    share an approximate point are found, measured and ordered alike: the
    answers carry nothing of the exact point."""
    client = api_as(outsider)
    for point in SEARCH_POINTS:
        for radius in ("0.1", "0.3", "0.5", "0.8", "1", "2"):
            found = cards(client, point, radius_km=radius)
            assert ("Door A drill" in found) == ("Door B drill" in found), (point, radius)
            if found:
                assert found["Door A drill"]["distance_km"] == \
                    found["Door B drill"]["distance_km"]
    # Standing on door A, a tight radius does not find it (its approximate
    # point is ~0.5 km away), as it would if measured from the door.
    assert cards(client, DOOR_A, radius_km="0.3") == {}


def test_sorting_by_distance_uses_the_approximate_point(api_as, outsider, make_listing):
    # Exact doors: "near" is 90 m from the search point but its approximate
    # point is ~1 km away; "far" is 700 m away, its approximate point close.
    near = make_listing(title="Near door", lat=37.5549, lng=126.9249)   # -> 37.55, 126.92
    far = make_listing(title="Far door", lat=37.5620, lng=126.9270)     # -> 37.56, 126.93
    answer = api_as(outsider).get("/api/v1/listings/", {
        "near": "37.5558,126.9255", "radius_km": "5", "sort": "distance"}).json()
    point = (37.5558, 126.9255)
    by_approximate = sorted(
        [near, far], key=lambda listing: haversine_km(point, (round(listing.lat, 2),
                                                              round(listing.lng, 2))))
    assert [card["title"] for card in answer["results"]] == [
        listing.title for listing in by_approximate]


def test_the_lender_still_sees_the_exact_point(api_as, owner, doors):
    [mine] = [card for card in api_as(owner).get("/api/v1/listings/").json()["results"]
              if card["title"] == "Door A drill"]
    assert mine["location"] == {"district": "", "lat": DOOR_A[0], "lng": DOOR_A[1],
                                "approximate": False}


def test_the_approximate_point_follows_every_change_of_the_exact_one(
        api_as, owner, outsider, doors):
    listing = doors["A"]
    moved = api_as(owner).patch(f"/api/v1/listings/{listing.pk}/",
                                {"location": {"lat": 37.5012, "lng": 127.0391}}, format="json")
    assert moved.status_code == 200
    seen = api_as(outsider).get(f"/api/v1/listings/{listing.pk}/").json()["location"]
    assert (seen["lat"], seen["lng"]) == (37.5, 127.04)
    assert cards(api_as(outsider), (37.5, 127.04), radius_km="0.1")["Door A drill"][
        "distance_km"] == 0
    # Even a write around the services (an admin's bulk update) keeps it.
    Listing.objects.filter(pk=listing.pk).update(lat=None, lng=None)
    listing = Listing.objects.get(pk=listing.pk)
    assert (listing.approx_lat, listing.approx_lng) == (None, None)


def test_the_page_shows_the_approximate_point_and_a_rounded_distance(
        client, outsider, doors):
    client.force_login(outsider)
    page = client.get(f"/listings/{doors['A'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "37.56, 126.92 (approximate)" in html and "37.5563" not in html
    browse = client.get("/listings/", {"near": "37.5563,126.9236", "radius_km": "5"},
                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0.5 km" in browse and "0.0 km" not in browse
