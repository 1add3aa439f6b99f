"""A year of lending for `manage.py seed_demo`, so the sharing city's
figures (/stats/) have months to show: neighbours borrow public items
across Mapo, Seongdong, Yongsan and Gangnam, each loan through the
booking services from request to completion, then moved into its month.
Also the city's designation of the Seoul Share Hub, and its request for
a second field waiting in the city's queue."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts import designation_services
from accounts.models import ShareCompany, User
from accounts.services import user_create
from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from listings.models import Listing

# Neighbours who only borrow (no demo login: they have no password).
NEIGHBOURS = [
    ("hana.lee", "이하나", "마포구"), ("sungmin.kim", "김성민", "마포구"),
    ("yuna.park", "박유나", "서대문구"), ("taeho.choi", "최태호", "성동구"),
    ("jiwoo.jung", "정지우", "성동구"), ("Grace Han", "Grace Han", "용산구"),
    ("minho.kang", "강민호", "용산구"), ("soyeon.yoon", "윤소연", "강남구"),
    ("dohyun.lim", "임도현", "마포구"), ("Ariana Cho", "Ariana Cho", "중구"),
]

# The public items lent over the year, in turn.
LENT = [
    "임팩트 드라이버", "4인용 텐트", "Portable projector (1080p)", "블루투스 스피커 (JBL)",
    "Road bike, 54 cm frame", "보드게임 묶음 (카탄, 티켓 투 라이드)",
    "Mirrorless camera with 35mm lens", "캠핑 세트 (텐트, 타프, 의자 4개)",
    "Camping stove and cookware", "전동 킥보드 (하루 대여)", "어린이 자전거 (16인치)",
    "테니스 라켓 2개와 공", "침낭 2개 (영하 5도)", "제습기", "액션캠 (고프로 10)",
    "Stand mixer (KitchenAid)", "접이식 핸드카트", "Party lights (20 m string)",
]
MONTHS = 12


def loans_in(months_ago: int) -> int:
    """Lending grows over the year: four loans a year ago, nine last month."""
    return 4 + (MONTHS - months_ago) // 2


def _neighbours() -> list[User]:
    people = []
    for handle, name, district in NEIGHBOURS:
        email = handle.lower().replace(" ", ".") + "@neighbours.nanum.example"
        person = User.objects.filter(email=email).first()
        if person is None:
            person = user_create(email=email, password=None, display_name=name)
            person.profile.district = district
            person.profile.save(update_fields=["district"])
        people.append(person)
    return people


def lender_of(listing: Listing) -> User:
    """Who acts as the lender: a company's first staff member, a community's
    owner, or the person who lists it."""
    if listing.company_id:
        return listing.company.staff_links.first().user
    if listing.owner_community_id:
        return listing.owner_community.memberships.filter(role="owner").first().user
    return listing.owner


def _month_start(months_ago: int) -> date:
    today = timezone.localdate()
    year, month = today.year, today.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def seed_history() -> int:
    """MONTHS months of completed loans, more each month."""
    neighbours = _neighbours()
    listings = {listing.title: listing for listing in Listing.objects.filter(title__in=LENT)}
    lent = [listings[title] for title in LENT if title in listings]
    if not lent:
        return 0
    slot = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    slot += timedelta(days=45)  # free of the demo's other bookings
    made = 0
    for months_ago in range(MONTHS, 0, -1):
        first = _month_start(months_ago)
        for n in range(loans_in(months_ago)):
            listing = lent[(months_ago * 7 + n) % len(lent)]
            borrower = neighbours[(months_ago * 3 + n) % len(neighbours)]
            days = 1 + (months_ago + n) % 3
            booking = booking_request(actor=borrower, listing_id=listing.pk, start=slot,
                                      end=slot + timedelta(days=days),
                                      message="데모 대여 기록입니다.")
            lender = lender_of(listing)
            for step in ("approve", "pickup", "return", "complete"):
                if step == "approve" and booking.status != "requested":
                    continue  # instant booking
                booking = booking_act(actor=lender, booking=booking, action=step)
            start = timezone.make_aware(datetime.combine(first + timedelta(days=2 + n * 3),
                                                         time(10)))
            Booking.objects.filter(pk=booking.pk).update(
                start=start, end=start + timedelta(days=days),
                picked_up_at=start, returned_at=start + timedelta(days=days),
                completed_at=start + timedelta(days=days, hours=2))
            booking.transitions.update(created_at=start)
            made += 1
    return made


def seed_designations() -> None:
    """The Seoul Share Hub designated by the city; Green Wheels asks."""
    city = User.objects.get(email="city@nanum.example")
    hub = ShareCompany.objects.filter(slug="seoul-share-hub").first()
    if hub is not None and not hub.designations.exists():
        today = timezone.localdate()
        designation_services.designation_create(
            actor=city, company=hub, authority="서울특별시", number="2025-공유-031",
            field="space", starts_on=today - timedelta(days=200),
            expires_on=today + timedelta(days=530))
        designation_services.designation_apply(
            actor=hub.staff_links.first().user, company=hub, field="goods",
            message="캠핑·행사 장비 대여도 공유 분야로 지정해 주세요.")
