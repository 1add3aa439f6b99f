"""Search: every filter and sort, the same answers on SQLite and PostgreSQL
(the harness runs this file on both), Korean and English text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CompanyStaff, ShareCompany
from bookings.services.booking import booking_request
from community_rules.models import Community, Membership
from listings.models import Category
from listings.search import listing_search, parse_listing_query, search_tokens_for
from listings.selectors import Viewer
from listings.services.listing import listing_update
from marketplace.errors import ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

MAPO = (37.5563, 126.9236)
GANGNAM = (37.4979, 127.0276)


@pytest.fixture
def corpus(owner, outsider):
    """A small city of listings."""
    company = ShareCompany.objects.create(name="Share Hub", slug="hub",
                                          registration_number="220-81-62517",
                                          verified_at=timezone.now())
    unverified = ShareCompany.objects.create(name="New Co", slug="newco",
                                             registration_number="105-87-30120")
    for lender in (company, unverified):
        CompanyStaff.objects.create(company=lender, user=owner, role="admin")
    circle = Community.objects.create(name="Circle", slug="circle")
    cat = Category.objects.get
    make = make_listing
    made = {
        "drill": make(owner, title="전동 드릴 빌려드려요", lat=MAPO[0], lng=MAPO[1],
                      description="배터리 두 개"),
        "compound": make(owner, title="전동드릴 세트", lat=MAPO[0] + 0.01, lng=MAPO[1]),
        "driver": make(owner, title="드라이버 세트", category=cat(slug="hand-tools")),
        "projector": make(owner, title="Portable Projector", kind="item",
                          category=cat(slug="projectors"), pricing="per_day", price=10000,
                          lat=GANGNAM[0], lng=GANGNAM[1]),
        "drills": make(owner, title="Two cordless drills", pricing="per_day", price=3000),
        "tent": make(owner, title="Family tent", category=cat(slug="camping"),
                     pricing="per_day", price=8000, company=company,
                     lat=MAPO[0] + 0.02, lng=MAPO[1] + 0.02),
        "room": make(owner, title="Meeting room", kind="space",
                     category=cat(slug="meeting-rooms"), pricing="per_hour", price=12000,
                     company=unverified),
        "members": make(owner, title="Members-only ladder", visibility="communities",
                        category=cat(slug="ladders")),
        "draft": make(owner, title="Draft drill", status="draft"),
    }
    made["members"].communities.add(circle)
    return made


def titles(viewer_user, **params):
    query = parse_listing_query(params)
    return {listing.title for listing in listing_search(viewer=Viewer.of(viewer_user),
                                                        query=query)}


def test_a_two_syllable_korean_word_finds_spaced_and_compound_words(corpus, outsider):
    # ... and the English drill too (listings/vocabulary.csv: 드릴/drill)
    assert titles(outsider, q="드릴") == {"전동 드릴 빌려드려요", "전동드릴 세트",
                                        "Two cordless drills"}


def test_korean_search_has_no_false_friends(corpus, outsider):
    assert "드라이버 세트" not in titles(outsider, q="드릴")
    assert titles(outsider, q="드라이버") == {"드라이버 세트"}


def test_korean_words_in_the_description_and_category_count(corpus, outsider):
    assert titles(outsider, q="배터리") == {"전동 드릴 빌려드려요"}
    assert "Family tent" in titles(outsider, q="캠핑")   # the category's Korean name


def test_partial_english_words_and_plurals(corpus, outsider):
    assert titles(outsider, q="proj") == {"Portable Projector"}
    assert titles(outsider, q="ject") == {"Portable Projector"}   # inside the title
    # ... and the Korean ones (드릴/drill)
    drills = {"Two cordless drills", "전동 드릴 빌려드려요", "전동드릴 세트"}
    assert titles(outsider, q="drill") == drills
    assert titles(outsider, q="drills") == drills
    assert titles(outsider, q="PROJECTOR portable") == {"Portable Projector"}


def test_every_word_must_match(corpus, outsider):
    assert titles(outsider, q="family room") == set()


def test_community_only_listings_are_hidden_from_non_members(corpus, outsider, member):
    assert "Members-only ladder" not in titles(outsider, q="ladder")
    assert "Members-only ladder" not in titles(outsider)
    Membership.objects.create(community=Community.objects.get(slug="circle"), user=member,
                              status="active")
    assert "Members-only ladder" in titles(member, q="ladder")


def test_drafts_never_appear_in_search(corpus, owner):
    assert "Draft drill" not in titles(owner, q="drill")


def test_kind_category_company_and_verified_filters(corpus, outsider):
    assert titles(outsider, kind="space") == {"Meeting room"}
    assert titles(outsider, category="spaces") == {"Meeting room"}   # includes children
    assert titles(outsider, category="camping") == {"Family tent"}
    assert titles(outsider, company="newco") == {"Meeting room"}
    assert titles(outsider, verified_company="true") == {"Family tent"}


def test_free_and_max_price(corpus, outsider):
    free = titles(outsider, free="true")
    assert "Family tent" not in free and "전동 드릴 빌려드려요" in free
    cheap = titles(outsider, max_price="5000")
    assert "Two cordless drills" in cheap and "전동 드릴 빌려드려요" in cheap
    assert "Portable Projector" not in cheap and "Family tent" not in cheap


def test_community_filter(corpus, member, outsider):
    circle = Community.objects.get(slug="circle")
    Membership.objects.create(community=circle, user=member, status="active")
    assert titles(member, community="circle") == {"Members-only ladder"}
    circle.visibility = "private"
    circle.save()
    assert titles(outsider, community="circle") == set()


def test_distance_filter_and_sort(corpus, outsider):
    near = f"{MAPO[0]},{MAPO[1]}"
    assert titles(outsider, near=near, radius_km="2") == {
        "전동 드릴 빌려드려요", "전동드릴 세트"}
    assert titles(outsider, near=near, radius_km="4") == {
        "전동 드릴 빌려드려요", "전동드릴 세트", "Family tent"}
    ordered = listing_search(viewer=Viewer.of(outsider), query=parse_listing_query(
        {"near": near, "radius_km": "20", "sort": "distance"}))
    distances = [round(listing.distance_km, 1) for listing in ordered]
    assert distances == sorted(distances)
    assert [listing.title for listing in ordered][-1] == "Portable Projector"
    # Mapo to Gangnam (~11.2 km), between their approximate points, to 0.5 km.
    assert ordered[len(distances) - 1].distance_km in (11.0, 11.5)


def test_sort_by_price_and_newest(corpus, outsider):
    by_price = [listing.price for listing in listing_search(
        viewer=Viewer.of(outsider), query=parse_listing_query({"sort": "price"}))]
    assert by_price == sorted(by_price)
    newest = list(listing_search(viewer=Viewer.of(outsider),
                                 query=parse_listing_query({})))
    assert newest[0].created_at >= newest[-1].created_at


def test_available_between_respects_units_bookings_hours_and_blackouts(corpus, outsider,
                                                                       member):
    start, end = tomorrow_at(10, 2), tomorrow_at(16, 2)
    window = {"available_from": start.isoformat(), "available_to": end.isoformat()}
    drill = corpus["drill"]
    assert "전동 드릴 빌려드려요" in titles(outsider, **window)
    booking_request(actor=member, listing_id=drill.pk, start=start, end=end)
    assert "전동 드릴 빌려드려요" not in titles(outsider, **window)   # its one unit is held

    tent = corpus["tent"]
    tent.units.create(label="2", position=1)
    booking_request(actor=member, listing_id=tent.pk, start=start, end=end)
    assert "Family tent" in titles(outsider, **window)   # the second unit is free

    room = corpus["room"]
    day = start.weekday()
    morning = {"weekday": day, "opens": "09:00", "closes": "12:00"}
    listing_update(actor=room.owner, listing=room, opening_hours=[morning])
    assert "Meeting room" not in titles(outsider, **window)   # closed at 16:00
    listing_update(actor=room.owner, listing=room, opening_hours=[
        morning, {"weekday": day, "opens": "12:00", "closes": "18:00"}])
    assert "Meeting room" in titles(outsider, **window)

    projector = corpus["projector"]
    projector.blackouts.create(starts_at=start - timedelta(hours=1),
                               ends_at=start + timedelta(hours=1))
    assert "Portable Projector" not in titles(outsider, **window)


@pytest.mark.parametrize("params,field", [
    ({"kind": "boat"}, "kind"),
    ({"sort": "random"}, "sort"),
    ({"max_price": "-1"}, "max_price"),
    ({"near": "somewhere"}, "near"),
    ({"radius_km": "3"}, "radius_km"),
    ({"near": "37.5,126.9", "radius_km": "500"}, "radius_km"),
    ({"sort": "distance"}, "sort"),
    ({"available_from": "2026-01-02T10:00"}, "available_to"),
    ({"available_from": "2026-01-02T10:00", "available_to": "2026-01-01T10:00"},
     "available_to"),
    ({"available_from": "not a date", "available_to": "2026-01-01T10:00"},
     "available_from"),
])
def test_bad_filters_are_refused_naming_the_field(params, field):
    with pytest.raises(ValidationFailed) as refused:
        parse_listing_query(params)
    assert field in refused.value.extra["fields"]


def test_tokens_hold_hangul_grams_and_stems(owner):
    listing = make_listing(owner, title="전동드릴 Drills")
    tokens = search_tokens_for(listing).split()
    assert {"전동드릴", "전동", "동드", "드릴", "drills", "drill"} <= set(tokens)


@pytest.mark.parametrize("value", ["9999-12-31", "0999-01-01T10:00", "tomorrow"])
def test_a_search_date_out_of_range_or_unreadable_is_a_400_naming_the_field(api_as, outsider,
                                                                           value):
    answer = api_as(outsider).get("/api/v1/listings/", {
        "available_from": "2027-01-01T10:00+09:00", "available_to": value},
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["available_to"]


def test_the_search_api_refuses_a_moment_without_an_offset(api_as, outsider):
    answer = api_as(outsider).get("/api/v1/listings/", {
        "available_from": "2027-05-01T10:00", "available_to": "2027-05-02T10:00"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"available_from", "available_to"}


def test_the_browse_page_reads_a_moment_without_an_offset_in_seoul(client):
    page = client.get("/listings/", {"available_from": "2027-05-01T10:00",
                                     "available_to": "2027-05-02T10:00"})
    assert page.status_code == 200
