"""Each figure against the hand-counted city of conftest.py (issue 18,
point 3): the private-community rule, the small-number suppression and an
expired designation included; a fixed number of queries, whatever the
data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from figures.districts import seoul_district
from figures.selectors import FIGURE_QUERIES, city_figures, loan_days
from tests.conftest import make_person
from tests.figures.conftest import NOW, at, loan
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

HIDDEN = {"suppressed": True, "people": None, "bookings_completed": None,
          "items_reused": None, "days_shared": None, "money_saved": None}


def test_the_totals(city):
    assert city_figures(now=NOW)["totals"] == {
        "share_companies_verified": 2,  # hub and bikes; one unverified
        "share_companies_designated": 1,  # hub; bikes' designation ended yesterday
        "members": 13,  # the closed account is not one
        "active_members": 12,  # all but oh, whose only loan was in January
        "communities": 3,  # the private shed too, in the total
        "listings": 5,  # not the paused one, nor the one on hold
        "bookings_completed": 12,  # May 8, February 2, April 1, January 1
        "items_reused": 5,  # drill, tent, room, ladder, kettle
        "days_shared": 16,  # May 12, February 2, April 1, January 1
        # May 662,500; February 400,000; April 100,000; January 100,000
        "money_saved": 1_262_500,
    }


def test_companies_by_field_count_designations_valid_today(city):
    figures = city_figures(now=NOW)
    # hub holds space and goods (the goods one ends today, still valid);
    # bikes' mobility designation expired yesterday.
    assert figures["companies_by_field"] == {"space": 1, "goods": 1}
    tomorrow = city_figures(now=NOW.replace(day=16))
    assert tomorrow["companies_by_field"] == {"space": 1}
    assert tomorrow["totals"]["share_companies_designated"] == 1


def test_listings_by_kind_and_top_category(city):
    figures = city_figures(now=NOW)
    assert figures["listings_by_kind"] == {"item": 4, "space": 1}
    assert figures["listings_by_category"] == {"tools": 2, "sports-outdoors": 1, "spaces": 1,
                                               "kitchen": 1}
    assert figures["category_names"]["sports-outdoors"] == {"en": "Sports and outdoors",
                                                            "ko": "스포츠·아웃도어"}


def test_months_show_only_where_five_people_took_part(city):
    months = {row["month"]: row for row in city_figures(now=NOW)["by_month"]}
    assert list(months)[0] == "2025-07" and list(months)[-1] == "2026-06"
    assert len(months) == 12
    assert months["2026-05"] == {
        "month": "2026-05", "suppressed": False,
        # bora, bin, chul, dami, jin, tae, uri; lenders lena, leo, jae, sam
        "people": 11,
        "bookings_completed": 8, "items_reused": 5, "days_shared": 12,
        "money_saved": 662_500}  # 562,500 and the kettle's 2 x 50,000
    # Four people in February, two each in April and January: hidden.
    for month in ("2026-02", "2026-04", "2026-01"):
        assert months[month] == {"month": month, **HIDDEN}
    assert months["2026-06"] == {"month": "2026-06", **HIDDEN}  # a cancelled loan only


def test_a_hidden_month_is_not_given_away_by_subtraction(city):
    # Without February, the hidden months are behind three people (bin,
    # lena, oh): the total less May would single them out, so May hides too.
    Booking.objects.filter(start__lt=at(1, month=3), start__gte=at(1, month=2)).delete()
    months = {row["month"]: row for row in city_figures(now=NOW)["by_month"]}
    assert all(row["suppressed"] for row in months.values())


def test_districts_show_only_where_five_people_took_part(city):
    # The tent's "Mapo-gu" and the room's "mapo" are 마포구 (figures/districts.py).
    # Seocho (three people) and Jongno (two) are hidden; together they are
    # behind five, so Mapo may show.
    assert city_figures(now=NOW)["by_district"] == [
        {"district": "마포구", "suppressed": False,
         "people": 7,  # bora, bin, chul, dami, oh; lenders lena, leo
         "bookings_completed": 9, "items_reused": 3, "days_shared": 13,
         "money_saved": 1_082_500, "listings": 3},
        {"district": "서초구", **HIDDEN, "listings": None},
        {"district": "종로구", **HIDDEN, "listings": None},
    ]


def test_a_hidden_district_is_not_given_away_by_subtraction(city):
    # Seocho's loans gone, Jongno's two people would be the total less
    # Mapo's: Mapo is hidden with it.
    Booking.objects.filter(listing=city.listings["kettle"]).delete()
    rows = city_figures(now=NOW)["by_district"]
    assert [row["district"] for row in rows] == ["마포구", "서초구", "종로구"]
    assert all(row["suppressed"] for row in rows)


def test_private_communities_count_in_the_total_only(city):
    figures = city_figures(now=NOW)
    assert figures["communities"] == [
        # The pending one is not yet a member. No loans by community: they
        # would be the district's less someone's.
        {"slug": "mapo-library", "name": "Mapo Library", "district": "마포구",
         "members": 6, "suppressed": False},
        # Two members: not its size.
        {"slug": "tiny", "name": "Tiny Circle", "district": "종로구", "members": None,
         "suppressed": True},
    ]
    assert "Secret Shed" not in repr(figures) and "secret-shed" not in repr(figures)


def test_closed_accounts_are_no_members_anywhere(city):
    bora = city.people["bora"]
    bora.is_active = False
    bora.save()
    figures = city_figures(now=NOW)
    assert figures["totals"]["members"] == 12
    assert figures["totals"]["active_members"] == 11
    assert figures["communities"][0]["members"] == 5


def test_a_disputed_loan_changed_hands(city):
    disputer = make_person("disputer@example.org", "Disputer")
    loan(city.listings["drill"], disputer, at(10, month=6), at(11, month=6),
         status="disputed")
    assert city_figures(now=NOW)["totals"]["active_members"] == 13


def test_a_fifth_person_reveals_a_district(city):
    for name in ("lena", "leo", "bora"):
        loan(city.listings["ladder"], city.people[name], at(3), at(4))
    for name in ("bora", "bin"):
        loan(city.listings["kettle"], city.people[name], at(3), at(4))
    [_mapo, seocho, jongno] = city_figures(now=NOW)["by_district"]
    assert (seocho["district"], seocho["people"], seocho["bookings_completed"]) == (
        "서초구", 5, 4)
    assert (jongno["district"], jongno["people"], jongno["bookings_completed"],
            jongno["listings"]) == ("종로구", 5, 4, 1)


def test_a_loan_day_is_any_part_of_a_day():
    assert loan_days(at(1, 10), at(1, 11)) == 1
    assert loan_days(at(1, 10), at(2, 10)) == 1
    assert loan_days(at(1, 10), at(2, 11)) == 2


def test_an_empty_city_counts_nothing(db):
    figures = city_figures(now=NOW)
    assert set(figures["totals"].values()) == {0}
    assert all(row["suppressed"] for row in figures["by_month"])
    assert figures["by_district"] == figures["communities"] == []


def test_a_fixed_number_of_queries_whatever_the_data(city):
    with CaptureQueriesContext(connection) as small:
        city_figures(now=NOW)
    for n in range(30):
        loan(city.listings["tent"], city.people["bin"], at(1 + n % 27), at(2 + n % 27))
    with CaptureQueriesContext(connection) as large:
        city_figures(now=NOW)
    assert len(small) == len(large) == FIGURE_QUERIES


@pytest.mark.parametrize(("typed", "counted"), [
    ("마포구", "마포구"), ("Mapo-gu", "마포구"), ("mapo", "마포구"), ("서울시 마포구", "마포구"),
    ("서울 마포구", "마포구"), ("Seoul-si Mapo-gu", "마포구"), ("Mapo-gu, Seoul", "마포구"),
    ("Mapo‐gu", "마포구"), ("Ｍａｐｏ－ｇｕ", "마포구"), ("Jung-gu", "중구"), ("중구", "중구"),
    ("  Gangnam gu ", "강남구"), ("Bundang", None), ("Secret Shed, 12 Wausan-ro B1", None),
    ("", None), ("   ", None), ("서울", None)])
def test_seoul_districts_however_typed(typed, counted):
    assert seoul_district(typed) == counted


# --- nobody singled out by subtraction ---------------------------------------------


def two_strangers_loan(city, *, district, start, end, value=77_777, rental=1_234):
    lender = make_person(f"lender-{district.strip() or 'none'}@example.org", "Lender")
    borrower = make_person(f"borrower-{district.strip() or 'none'}@example.org", "Borrower")
    thing = make_listing(lender, title="Stranger's thing", district=district,
                         replacement_value=value)
    loan(thing, borrower, start, end, rental=rental)


def test_a_loan_in_no_district_is_not_given_away(city):
    # Seocho and Jongno gone, the hidden rows are behind nobody; a loan
    # between two strangers on a listing of no district would be the
    # totals less Mapo: Mapo hides.
    Booking.objects.filter(listing__in=[city.listings["kettle"], city.listings["ladder"]]
                           ).delete()
    two_strangers_loan(city, district="   ", start=at(3), end=at(6))
    rows = city_figures(now=NOW)["by_district"]
    assert rows and all(row["suppressed"] for row in rows)


def test_a_loan_before_the_twelve_months_is_not_given_away(city):
    # Only May's loans in the window; a loan two years ago between two
    # strangers would be the totals less May: May hides.
    Booking.objects.exclude(start__gte=at(1), start__lt=at(1, month=6)).delete()
    two_strangers_loan(city, district="마포구", start=at(3, month=5) - timedelta(days=730),
                       end=at(8, month=5) - timedelta(days=730))
    months = city_figures(now=NOW)["by_month"]
    assert all(row["suppressed"] for row in months)


def test_what_someone_typed_as_a_district_is_never_published(city):
    secret = make_listing(city.people["lena"], title="Hidden", visibility="communities",
                          district="Secret Shed, 12 Wausan-ro B1")
    secret.communities.add(city.communities["shed"])
    loan(secret, city.people["bin"], at(4), at(5), community=city.communities["shed"])
    figures = city_figures(now=NOW)
    assert "Wausan" not in repr(figures)
    assert [row["district"] for row in figures["by_district"]] == ["마포구", "서초구", "종로구"]
