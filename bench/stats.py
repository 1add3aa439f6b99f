"""The sharing-city figures on PostgreSQL, over real HTTP.

A city of BENCH_STATS_PEOPLE people, 3,000 listings in 25 districts (two
in three declaring what they cost new), 60 communities (a quarter of them
private) and BENCH_STATS_LOANS completed loans over the last year.

1. One computation of every figure (figures.selectors.city_figures),
   cold, three times: its time and its queries (the same number whatever
   the data: FIGURE_QUERIES).
2. Throughput under load: the production WSGI server (gunicorn, as
   README's "Running at scale" has it) with the Redis cache, BENCH_CLIENTS
   concurrent clients for BENCH_SECONDS each on GET /api/v1/stats/, a CSV
   download and the /stats/ page; then the same clients on a bare Django
   view (no middleware, no database) under the same gunicorn. Requests per
   second, p50 and p99, and each as a ratio to bare Django.

Exits non-zero if an answer is not 200 or the figures do not add up.
"""

import os
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta

from bench.payments import gunicorn
from tests.harness import redis_server

PEOPLE = int(os.environ.get("BENCH_STATS_PEOPLE", 5000))
LOANS = int(os.environ.get("BENCH_STATS_LOANS", 40_000))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
SECONDS = float(os.environ.get("BENCH_SECONDS", 10))


def prepare():
    from django.utils import timezone

    from accounts.models import Designation, ShareCompany, User
    from bookings.models import Booking
    from community_rules.models import Community, Membership
    from figures.districts import SEOUL
    from listings.categories import seed_categories
    from listings.models import Category, Listing, ListingUnit

    seed_categories()
    rng = random.Random(18)
    began = time.monotonic()
    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(email=f"p{n}-{stamp}@bench.example", password="!") for n in range(PEOPLE))
    today = timezone.localdate()
    companies = ShareCompany.objects.bulk_create(
        ShareCompany(name=f"Company {n}", slug=f"company-{n}-{stamp}",
                     registration_number=f"{n:03d}-{stamp % 10**8}",
                     verified_at=timezone.now() if n % 3 else None) for n in range(90))
    Designation.objects.bulk_create(
        Designation(company=c, authority="서울특별시", number=f"{stamp}-{n}",
                    field=rng.choice(["space", "goods", "mobility", "skills", "knowledge"]),
                    starts_on=today - timedelta(days=400),
                    expires_on=today + timedelta(days=rng.randint(-100, 600)))
        for n, c in enumerate(companies) if c.verified_at)
    communities = Community.objects.bulk_create(
        Community(name=f"Community {n}", slug=f"community-{n}-{stamp}",
                  district=rng.choice(SEOUL)[rng.randint(0, 1)],
                  visibility="private" if n % 4 == 0 else "public") for n in range(60))
    Membership.objects.bulk_create(
        Membership(community=community, user=user, status="active")
        for community in communities for user in rng.sample(users, rng.randint(3, 80)))
    categories = list(Category.objects.all())
    listings = Listing.objects.bulk_create(
        Listing(owner=rng.choice(users), title=f"Thing {n}", category=rng.choice(categories),
                kind=rng.choice(["item", "item", "item", "space", "service"]),
                district=rng.choice(SEOUL)[rng.randint(0, 1)],
                replacement_value=rng.choice([None, 50_000, 120_000, 300_000, 900_000]),
                company=rng.choice(companies) if n % 10 == 0 else None)
        for n in range(3000))
    units = {u.listing_id: u for u in ListingUnit.objects.bulk_create(
        ListingUnit(listing=listing, label="1", position=0) for listing in listings)}
    now = timezone.now()
    loans = []
    for _ in range(LOANS):
        listing = rng.choice(listings)
        start = now - timedelta(days=rng.uniform(1, 365))
        end = start + timedelta(hours=rng.choice([3, 24, 48, 72, 168]))
        rental = rng.choice([0, 0, 3000, 10_000, 30_000])
        loans.append(Booking(
            listing=listing, unit=units[listing.pk], borrower=rng.choice(users),
            community=rng.choice(communities) if rng.random() < 0.3 else None,
            start=start, end=end, status="completed", rental=rental, total=rental))
    Booking.objects.bulk_create(loans, batch_size=5000)
    print(f"prepared {PEOPLE:,} people, {len(listings):,} listings, {len(communities)} "
          f"communities, {LOANS:,} completed loans in {time.monotonic() - began:.0f}s")
    return datetime.now()


def compute():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from figures.selectors import FIGURE_QUERIES, city_figures

    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            figures = city_figures()
            times.append(time.perf_counter() - began)
    print(f"one computation of every figure: {statistics.median(times) * 1000:.0f} ms median "
          f"of 3 (cold, in this process), {len(queries)} queries "
          f"(FIGURE_QUERIES = {FIGURE_QUERIES})")
    return figures, len(queries) == FIGURE_QUERIES


def load(url: str):
    """CLIENTS threads GET `url` for SECONDS; (per second, p50 ms, p99 ms,
    non-200 answers)."""
    import requests

    latencies, bad = [], []
    stop_at = time.monotonic() + SECONDS
    lock = threading.Lock()

    def client():
        session = requests.Session()
        mine, wrong = [], 0
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            answer = session.get(url, timeout=30)
            mine.append(time.perf_counter() - began)
            wrong += answer.status_code != 200
        with lock:
            latencies.extend(mine)
            bad.append(wrong)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return (len(latencies) / elapsed, statistics.median(latencies) * 1000,
            latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, sum(bad))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django
    django.setup()
    from django.db import connection

    prepare()
    figures, fixed = compute()
    connection.close()
    totals = figures["totals"]
    print(f"  loans {totals['bookings_completed']:,}, days shared {totals['days_shared']:,}, "
          f"kept in pockets {totals['money_saved']:,} won, active members "
          f"{totals['active_members']:,}")
    failures = 0 if fixed and totals["bookings_completed"] == LOANS else 1

    with redis_server() as redis_url:
        env = dict(os.environ, REDIS_URL=redis_url, API_RATE_STATS="10000000/minute")
        print(f"\n{CLIENTS} clients, {SECONDS:.0f} s each, gunicorn, Redis cache, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start\n")
        results = {}
        with gunicorn("marketplace.wsgi", env, "/api/v1/bench-nothing/") as site:
            for title, path in [("GET /api/v1/stats/", "/api/v1/stats/?lang=en"),
                                ("GET /api/v1/stats/by_month.csv", "/api/v1/stats/by_month.csv"),
                                ("GET /stats/ (the page)", "/stats/")]:
                results[title] = load(f"{site}{path}")
        with gunicorn("bench.payments:bare_application()", env, "/nothing/") as bare_site:
            bare = load(f"{bare_site}/nothing/")
    print(f"{'bare Django view (no middleware, no DB)':<34} {bare[0]:>7.0f}/s  "
          f"p50 {bare[1]:>6.1f} ms  p99 {bare[2]:>6.1f} ms")
    for title, (rate, p50, p99, wrong) in results.items():
        print(f"{title:<34} {rate:>7.0f}/s  p50 {p50:>6.1f} ms  p99 {p99:>6.1f} ms   "
              f"{rate / bare[0]:.2f}x bare throughput, p50 {p50 / bare[1]:.1f}x")
        failures += wrong
    if failures:
        print(f"FAILED: {failures} (non-200 answers, or the figures did not add up)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
