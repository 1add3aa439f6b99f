"""A small sharing city whose figures are counted by hand (issue 18).

NOW is 15 June 2026, noon in Seoul. In May, Mapo has six people behind
its loans, Seocho three and Jongno two (together five); February has
four, April and January two each (together six, with lena in both). Every
expected number in the tests is worked out in the comments here."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Designation, ShareCompany
from bookings.models import Booking
from community_rules.models import Community, Membership
from listings.categories import seed_categories
from listings.models import Category, Listing
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=SEOUL)


def at(day: int, hour: int = 10, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SEOUL)


@dataclass
class City:
    people: dict
    listings: dict
    communities: dict


def loan(listing, borrower, start, end, *, status="completed", rental=0, fees=0, late_fee=0,
         community=None):
    return Booking.objects.create(
        listing=listing, unit=listing.units.first(), borrower=borrower, start=start, end=end,
        status=status, rental=rental, fees=fees, late_fee=late_fee, community=community)


@pytest.fixture
def city(db):
    people = {name: make_person(f"{name}@example.org", name.title()) for name in (
        "lena", "leo", "bora", "bin", "chul", "dami", "eun", "jin", "jae", "oh", "sam", "tae", "uri")}
    # Members: these thirteen; an account closed does not count.
    make_person("gone@example.org", "Gone", is_active=False)

    seed_categories()  # a transactional test starts without them
    camping = Category.objects.get(slug="camping")  # under sports-outdoors
    spaces = Category.objects.get(slug="spaces")
    listings = {
        # power-tools, under tools
        "drill": make_listing(people["lena"], title="Drill", district="마포구",
                              replacement_value=100_000),
        # Mapo however it is typed: one district
        "tent": make_listing(people["leo"], title="Tent", district="Mapo-gu", category=camping,
                             replacement_value=300_000),
        "room": make_listing(people["lena"], title="Room", district=" mapo ", kind="space",
                             category=spaces),
        "ladder": make_listing(people["jae"], title="Ladder", district="종로구",
                               replacement_value=80_000),
        "kettle": make_listing(people["sam"], title="Kettle", district="서초구",
                               category=Category.objects.get(slug="kitchen"),
                               replacement_value=50_000),
        # not up for sharing: neither counts as a listing
        "paused": make_listing(people["leo"], title="Paused", district="마포구",
                               status=Listing.Status.PAUSED),
        "held": make_listing(people["leo"], title="Held", district="마포구",
                             status=Listing.Status.PAUSED, status_before_hold="active",
                             held_at=NOW - timedelta(days=1)),
    }

    library = Community.objects.create(name="Mapo Library", slug="mapo-library",
                                       district="마포구")
    shed = Community.objects.create(name="Secret Shed", slug="secret-shed",
                                    visibility=Community.Visibility.PRIVATE)
    tiny = Community.objects.create(name="Tiny Circle", slug="tiny", district="종로구")
    for name in ("lena", "leo", "bora", "bin", "chul", "dami"):
        Membership.objects.create(community=library, user=people[name], status="active")
    Membership.objects.create(community=library, user=people["eun"], status="pending")
    for name in ("lena", "bora", "bin", "chul", "dami"):
        Membership.objects.create(community=shed, user=people[name], status="active")
    for name in ("jin", "jae"):
        Membership.objects.create(community=tiny, user=people[name], status="active")

    drill, tent, room, ladder = (listings[k] for k in ("drill", "tent", "room", "ladder"))
    p = people
    # May, Mapo: six people (bora, bin, chul, dami; lenders lena, leo).
    loan(drill, p["bora"], at(2), at(4), rental=6_000, community=library)  # 2 days, kept 94,000
    loan(drill, p["bin"], at(10, 9), at(10, 12), community=library)  # 1 day, kept 100,000
    # 25 hours: 2 days; paid 11,500; kept 288,500
    loan(tent, p["chul"], at(12, 9), at(13, 10), rental=10_000, fees=1_000, late_fee=500,
         community=library)
    loan(room, p["dami"], at(20), at(21), rental=20_000, community=shed)  # 1 day, no value
    # paid more than it costs new: kept nothing; 3 days
    loan(tent, p["bora"], at(25), at(28), rental=400_000, community=shed)
    # May, Jongno: two people (jin, jae); 1 day, kept 80,000
    loan(ladder, p["jin"], at(30), at(30, 18), community=tiny)
    # May, Seocho: three people (tae, uri; lender sam); 1 day and 50,000 each
    kettle = listings["kettle"]
    loan(kettle, p["tae"], at(6), at(6, 20))
    loan(kettle, p["uri"], at(8), at(8, 20))
    # February, Mapo: four people (chul, dami; lenders lena, leo); a day each,
    # kept 100,000 and 300,000
    loan(drill, p["chul"], at(3, month=2), at(4, month=2))
    loan(tent, p["dami"], at(10, month=2), at(11, month=2))
    # April: two people; 1 day, kept 100,000. Started 30 April 23:00 in
    # Seoul (14:00 UTC): an April loan.
    loan(drill, p["bin"], at(30, 23, month=4), at(1, 8))
    # January: oh's only loan, too long ago to make oh an active member.
    loan(drill, p["oh"], at(5, month=1), at(6, month=1))  # 1 day, kept 100,000
    # Not completed: counted in no loan figure.
    loan(drill, p["eun"], at(5, 10, month=6), at(6, 10, month=6), status="cancelled")
    loan(room, p["eun"], at(14, 10, month=6), at(16, 10, month=6), status="picked_up")

    verified = NOW - timedelta(days=100)
    hub = ShareCompany.objects.create(name="Hub", slug="hub", registration_number="1",
                                      verified_at=verified)
    bikes = ShareCompany.objects.create(name="Bikes", slug="bikes", registration_number="2",
                                        verified_at=verified)
    ShareCompany.objects.create(name="Unverified", slug="unverified", registration_number="3")
    Designation.objects.create(company=hub, authority="SMG", number="1", field="space",
                               starts_on=date(2026, 1, 1), expires_on=date(2026, 12, 31))
    Designation.objects.create(company=hub, authority="SMG", number="2", field="goods",
                               starts_on=date(2026, 1, 1), expires_on=date(2026, 6, 15))
    # expired yesterday
    Designation.objects.create(company=bikes, authority="SMG", number="3", field="mobility",
                               starts_on=date(2025, 6, 15), expires_on=date(2026, 6, 14))
    return City(people=people, listings=listings,
                communities={"library": library, "shed": shed, "tiny": tiny})
