"""Search speed on PostgreSQL with 100,000 listings.

Five typical searches, each run many times after a warm-up: the server time
of the whole API path (GET /api/v1/listings/: parse, search, paginate,
serialize, through Django's test client, no network) and the raw SQL time of
the same page query run on a plain cursor. Median and p95, in milliseconds.
"""

import os
import random
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.services import user_create  # noqa: E402
from community_rules.models import Community, Membership  # noqa: E402
from listings.categories import seed_categories  # noqa: E402
from listings.models import Blackout, Category, Listing, ListingUnit, OpeningHours  # noqa: E402
from listings.search import listing_search, parse_listing_query, search_tokens_for  # noqa: E402
from listings.selectors import Viewer  # noqa: E402

COUNT = int(os.environ.get("BENCH_LISTINGS", 100_000))
RUNS = int(os.environ.get("BENCH_RUNS", 50))
BATCH = 5000

KO_ITEMS = ["전동 드릴", "전동드릴", "텐트", "캠핑 의자", "유모차", "카시트", "프로젝터", "사다리",
            "공구 세트", "자전거", "보드게임", "에어프라이어", "믹서기", "카메라", "스피커",
            "망치", "톱", "잔디깎이", "접이식 테이블", "침낭", "그림책", "장난감", "다리미"]
EN_ITEMS = ["cordless drill", "tent", "camping chair", "stroller", "car seat", "projector",
            "ladder", "tool set", "road bike", "board game", "air fryer", "stand mixer",
            "camera", "speaker", "hammer", "jigsaw", "lawn mower", "folding table",
            "sleeping bag", "picture books", "toys", "iron"]
KO_WORDS = ["빌려드려요", "깨끗해요", "주말에", "동네", "이웃", "나눔", "상태 좋아요", "배터리 포함",
            "세척 완료", "가져가세요"]
EN_WORDS = ["lend", "clean", "weekend", "neighbour", "good condition", "battery included",
            "pickup in Mapo", "easy to use", "like new", "please return dry"]
DISTRICTS = ["마포구", "성북구", "성동구", "용산구", "종로구", "강남구", "서초구", "관악구"]


def generate():
    seed_categories()
    rng = random.Random(7)
    owner = user_create(email=f"bench-{time.time_ns()}@bench.example", password="x")
    member = user_create(email=f"member-{time.time_ns()}@bench.example", password="x")
    communities = [Community.objects.create(name=f"Bench {n}", slug=f"bench-{n}-{time.time_ns()}")
                   for n in range(20)]
    Membership.objects.bulk_create(
        Membership(community=c, user=member, status="active", joined_at=timezone.now())
        for c in communities[:5])
    categories = list(Category.objects.select_related("parent").filter(parent__isnull=False))
    started = time.monotonic()
    made = 0
    while made < COUNT:
        batch = []
        for _ in range(min(BATCH, COUNT - made)):
            korean = rng.random() < 0.6
            item = rng.choice(KO_ITEMS if korean else EN_ITEMS)
            words = rng.sample(KO_WORDS if korean else EN_WORDS, 3)
            pricing = rng.choice(["free", "free", "per_day", "per_hour", "per_booking"])
            listing = Listing(
                owner=owner, title=f"{item} {' '.join(words[:1])}", kind="item",
                description=" ".join(words), category=rng.choice(categories),
                district=rng.choice(DISTRICTS), lat=rng.uniform(37.45, 37.70),
                lng=rng.uniform(126.80, 127.20), pricing=pricing,
                price=0 if pricing == "free" else rng.choice([1000, 3000, 5000, 10000, 30000]),
                deposit=rng.choice([0, 0, 5000, 10000]),
                visibility="communities" if rng.random() < 0.1 else "public")
            listing.search_tokens = search_tokens_for(listing)
            batch.append(listing)
        Listing.objects.bulk_create(batch)
        units, hours, blackouts, shares = [], [], [], []
        for listing in batch:
            for n in range(rng.randint(1, 3)):
                units.append(ListingUnit(listing=listing, label=str(n + 1), position=n))
            if rng.random() < 0.3:
                listing.has_opening_hours = True
                for weekday in range(7):
                    hours.append(OpeningHours(listing=listing, weekday=weekday,
                                              opens="09:00", closes="20:00"))
            if rng.random() < 0.1:
                start = timezone.now() + timedelta(days=rng.randint(0, 30))
                blackouts.append(Blackout(listing=listing, starts_at=start,
                                          ends_at=start + timedelta(days=2)))
            if listing.visibility == "communities":
                shares.append(Listing.communities.through(
                    listing_id=listing.pk, community_id=rng.choice(communities).pk))
        Listing.objects.filter(pk__in=[x.pk for x in batch if x.has_opening_hours]).update(
            has_opening_hours=True)
        ListingUnit.objects.bulk_create(units)
        OpeningHours.objects.bulk_create(hours)
        Blackout.objects.bulk_create(blackouts)
        Listing.communities.through.objects.bulk_create(shares)
        made += len(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {made:,} listings in {time.monotonic() - started:.0f}s")
    return member


def next_saturday():
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 or 7
    day = today + timedelta(days=days)
    start = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10))
    return start, start + timedelta(hours=8)


def searches():
    start, end = next_saturday()
    return [
        ("text: drill", {"q": "drill"}),
        ("text + distance: tent near Mapo, 3 km", {"q": "tent", "near": "37.55,126.92",
                                                    "radius_km": "3"}),
        ("category + availability: camping, Sat 10-18",
         {"category": "camping", "available_from": start.isoformat(),
          "available_to": end.isoformat()}),
        ("free only", {"free": "true"}),
        ("Korean two-syllable: 드릴", {"q": "드릴"}),
    ]


def measure(fn):
    for _ in range(3):
        fn()
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    member = generate()
    client = Client()
    client.force_login(member)
    viewer = Viewer.of(member)
    print(f"\n{'search':<46} {'server median':>13} {'p95':>7} {'SQL median':>11} {'p95':>7} "
          f"{'results':>8}")
    worst = 0.0
    for title, params in searches():
        def server(params=params):
            response = client.get("/api/v1/listings/", params)
            assert response.status_code == 200, response.content[:300]
            return response

        count = server().json()["count"]
        page = listing_search(viewer=viewer, query=parse_listing_query(params))[:20]
        sql, sql_params = page.query.sql_with_params()

        def raw(sql=sql, sql_params=sql_params):
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                cursor.fetchall()

        server_median, server_p95 = measure(server)
        sql_median, sql_p95 = measure(raw)
        worst = max(worst, server_p95)
        print(f"{title:<46} {server_median:>10.1f} ms {server_p95:>4.1f} ms "
              f"{sql_median:>8.1f} ms {sql_p95:>4.1f} ms {count:>8,}")
    print(f"\nworst server p95: {worst:.1f} ms (target: under 50 ms)")


if __name__ == "__main__":
    main()
