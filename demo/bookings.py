"""Demo bookings for `manage.py seed_demo`, in every state a booking can be
in today (approved passes straight to confirmed until online payment
arrives). Everything goes through the services; to make a lived-in history,
loans that happened are then moved into the past."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from bookings.services.review import review_create
from demo.history import lender_of, seed_history
from listings.models import Listing


def _person(email: str) -> User:
    return User.objects.get(email=email)


def _at(days: int, hour: int = 10):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _into_the_past(booking: Booking, days_ago: int, length_days: int = 1) -> None:
    start = _at(-days_ago)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(days=length_days))
    booking.transitions.update(created_at=start - timedelta(days=1))


# (borrower, listing title, days from now, length in days, community, steps)
SCRIPT = [
    ("junho@nanum.example", "전동 드릴 빌려드려요 (보쉬 18V)", 2, 2, "mapo-tool-library", []),
    ("junho@nanum.example", "임팩트 드라이버", 3, 1, "mapo-tool-library", []),
    ("junho@nanum.example", "4인용 텐트", 5, 2, None, ["decline"]),
    ("doyun@nanum.example", "Stand mixer (KitchenAid)", 3, 1, None, ["cancel"]),
    ("junho@nanum.example", "성수 공유 회의실 (8인)", 1, 0, None, []),
    ("minji@nanum.example", "Portable projector (1080p)", 4, 1, None,
     ["approve", "pickup"]),
    ("seoyeon@nanum.example", "Road bike, 54 cm frame", 6, 1, None, ["approve", "no_show"]),
    ("doyun@nanum.example", "알루미늄 사다리 2m", 8, 1, "mapo-tool-library",
     ["approve", "pickup", "return"]),
    ("junho@nanum.example", "Family tent", 9, 1, None, []),
    ("minji@nanum.example", "블루투스 스피커 (JBL)", 10, 1, None,
     ["approve", "pickup", "return", "dispute"]),
    ("junho@nanum.example", "공구 세트 (드라이버, 렌치, 망치)", 12, 2, "mapo-tool-library",
     ["approve", "pickup", "return", "complete", "reviews"]),
]


def seed_bookings() -> int:
    if Booking.objects.exists():
        return 0
    made = 0
    for email, title, days, length, community, steps in SCRIPT:
        listing = Listing.objects.filter(title=title).first()
        if listing is None:
            continue
        borrower = _person(email)
        start = _at(days)
        end = start + (timedelta(days=length) if length else timedelta(hours=2))
        booking = booking_request(actor=borrower, listing_id=listing.pk, start=start, end=end,
                                  community=community, message="데모 예약입니다.")
        lender = lender_of(listing)
        for step in steps:
            if step == "reviews":
                review_create(actor=borrower, booking=booking, rating=5,
                              text="깨끗하고 잘 작동했어요. Worked perfectly.")
                review_create(actor=lender, booking=booking, rating=5,
                              text="제때 깨끗하게 돌려주셨어요. Returned on time.")
                continue
            if step == "approve" and booking.status != "requested":
                continue  # instant booking: already approved and confirmed
            actor = borrower if step in ("cancel", "dispute") else lender
            if step == "no_show":
                # Nobody came: a no-show is marked once the start has passed.
                _into_the_past(booking, days_ago=days, length_days=max(length, 1))
                booking.refresh_from_db()
            booking = booking_act(actor=actor, booking=booking, action=step,
                                  note="데모" if step != "dispute" else "Battery was missing")
        if booking.status in ("picked_up",):
            _into_the_past(booking, days_ago=3, length_days=2)  # an overdue loan
            Booking.objects.filter(pk=booking.pk).update(is_overdue=True)
        elif booking.status in ("returned", "disputed", "completed", "no_show"):
            _into_the_past(booking, days_ago=days, length_days=max(length, 1))
        made += 1
    # One request nobody answered in time.
    expired_listing = Listing.objects.filter(title="Snowboard with bindings (155 cm)").first()
    if expired_listing:
        booking = booking_request(actor=_person("minji@nanum.example"),
                                  listing_id=expired_listing.pk, start=_at(15),
                                  end=_at(16))
        from bookings.services.jobs import expire_unanswered_requests

        if booking.status == "requested":
            Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now())
            expire_unanswered_requests()
        made += 1
    return made + seed_history()
