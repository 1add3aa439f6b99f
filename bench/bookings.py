"""Booking throughput on PostgreSQL, through the real API.

Run 1 (spread): N clients each POST /api/v1/bookings/ for random periods
over many listings for 30 seconds: bookings created per second and latency.
Run 2 (contention): all clients ask for the same unit and period: the first
wins, every other answer is a 409 booking_conflict; conflicts answered per
second and their latency. Each client is a thread with its own database
connection, signed in with its own session.
"""

import os
import random
import statistics
import threading
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.services import user_create  # noqa: E402
from bookings.models import Booking  # noqa: E402
from listings.categories import seed_categories  # noqa: E402
from listings.models import Category, Listing, ListingUnit  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
SECONDS = float(os.environ.get("BENCH_SECONDS", 30))
LISTINGS = 300


def prepare():
    seed_categories()
    owner = user_create(email=f"lender-{time.time_ns()}@bench.example", password="x")
    category = Category.objects.get(slug="camping")
    listings = Listing.objects.bulk_create(
        Listing(owner=owner, title=f"Tent {n}", category=category, pricing="per_day",
                price=8000, deposit=10000) for n in range(LISTINGS))
    ListingUnit.objects.bulk_create(
        ListingUnit(listing=listing, label=str(u + 1), position=u)
        for listing in listings for u in range(3))
    people = [user_create(email=f"c{n}-{time.time_ns()}@bench.example", password="x")
              for n in range(CLIENTS)]
    return [listing.pk for listing in listings], people


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run(title, people, make_body, expect):
    latencies, outcomes = [], {}
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client_loop(person, seed):
        rng = random.Random(seed)
        client = signed_in(person)
        local = []
        counts = {}
        while time.monotonic() < stop_at:
            body = make_body(rng)
            began = time.perf_counter()
            response = client.post("/api/v1/bookings/", body, content_type="application/json")
            local.append(time.perf_counter() - began)
            counts[response.status_code] = counts.get(response.status_code, 0) + 1
        connection.close()
        with lock:
            latencies.extend(local)
            for code, n in counts.items():
                outcomes[code] = outcomes.get(code, 0) + n

    threads = [threading.Thread(target=client_loop, args=(p, i)) for i, p in enumerate(people)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    median = statistics.median(latencies) * 1000
    wanted = outcomes.get(expect, 0)
    print(f"{title}: {CLIENTS} clients, {elapsed:.0f}s, {len(latencies)} requests "
          f"(status counts {dict(sorted(outcomes.items()))})")
    label = "bookings created" if expect == 201 else "conflicts answered"
    print(f"  {label} per second: {wanted / elapsed:.1f}")
    print(f"  latency: median {median:.1f} ms, p95 {p95:.1f} ms")
    return outcomes


def main():
    listing_ids, people = prepare()
    base = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)

    def spread(rng):
        start = base + timedelta(hours=rng.randrange(0, 24 * 180))
        return {"listing": rng.choice(listing_ids), "start": start.isoformat(),
                "end": (start + timedelta(hours=rng.choice([2, 4, 24, 48]))).isoformat()}

    run("spread over 300 listings x 3 units", people, spread, expect=201)

    contested = Listing.objects.create(owner=Listing.objects.get(pk=listing_ids[0]).owner,
                                       title="The one drill",
                                       category=Category.objects.get(slug="power-tools"))
    ListingUnit.objects.create(listing=contested, label="1")
    start = base + timedelta(days=365)
    same = {"listing": contested.pk, "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat()}
    outcomes = run("contention: everyone wants the same unit", people, lambda rng: same,
                   expect=409)
    held = Booking.objects.filter(listing=contested, status__in=Booking.HOLDING).count()
    print(f"  holding bookings of the contested unit: {held} (must be 1)")
    if held != 1 or outcomes.get(500):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
