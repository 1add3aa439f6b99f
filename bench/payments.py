"""Stripe webhook throughput on PostgreSQL, over real HTTP.

localstripe runs on loopback; the production WSGI server (gunicorn, as
README's "Running at scale" has it) serves the site with STRIPE_* pointing
at it. N approved bookings get their rental PaymentIntent through our
checkout (payment_start), each then confirmed at localstripe directly, as
Stripe.js would in the browser: only the webhook tells us. Then signed
payment_intent.succeeded events for all of them, each delivered twice (a
repeat as Stripe makes after a timeout), are POSTed by a few concurrent
clients in a shuffled order. A first delivery re-reads the PaymentIntent
from localstripe and confirms the booking in one transaction; a repeat is
answered "already handled".

The baselines, in the same run with the same clients, body and server
settings: a POST to a path of the same site that answers at once (the JSON
404 under /api/v1/: the whole middleware stack, no work), and a bare Django
(one view, no middleware, no database) under gunicorn. Events handled per
second and latency p50/p95, and the webhook's figures as a ratio to each.
"""

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from tests.harness import ROOT, STRIPE_TEST_SETTINGS, free_port, localstripe_server, wait_for_port

N = int(os.environ.get("BENCH_PAYMENTS", 300))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 4))
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))


# --- a bare Django, for the baseline --------------------------------------


def bare_application():
    """gunicorn 'bench.payments:bare_application()': Django with one view."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.urls import path

    def nothing(request):
        return JsonResponse({"received": True})

    settings.configure(DEBUG=False, ALLOWED_HOSTS=["127.0.0.1"], SECRET_KEY="bench",
                       ROOT_URLCONF=sys.modules[__name__], MIDDLEWARE=[],
                       INSTALLED_APPS=[], DATABASES={})
    global urlpatterns
    urlpatterns = [path("nothing/", nothing)]
    from django.core.wsgi import get_wsgi_application
    return get_wsgi_application()


urlpatterns: list = []


# --- servers -------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(app: str, env: dict, warm_path: str, workers: int = WORKERS):
    """The app under gunicorn; its log (the site logs every gateway call)
    goes to a file, shown only when the run fails."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+", prefix="nanum-bench-gunicorn-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--limit-request-line", "8190", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        # Every worker up and its Django loaded before the clock starts.
        warm = [("{}", "")] * (workers * 25)
        deliver(f"{url}{warm_path}", warm)
        yield url
    except BaseException:
        log.seek(0)
        print(log.read()[-3000:])
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# --- the run ---------------------------------------------------------------------


def prepare(localstripe_url):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.services import user_create
    from bookings.services.booking import booking_act, booking_request
    from listings.categories import seed_categories
    from listings.models import Category, Listing, ListingUnit
    from payments.gateways import active_gateway
    from payments.services.checkout import customer_for, payment_start
    from tests.payments.conftest import card_token
    from tests.payments.webhook_kit import stripe_event

    seed_categories()
    stamp = time.time_ns()
    owner = user_create(email=f"lender-{stamp}@bench.example", password="x")
    borrower = user_create(email=f"borrower-{stamp}@bench.example", password="x")
    category = Category.objects.get(slug="camping")
    listings = Listing.objects.bulk_create(
        Listing(owner=owner, title=f"Tent {n}", category=category, pricing="per_day",
                price=10_000, deposit=0) for n in range(N))
    ListingUnit.objects.bulk_create(ListingUnit(listing=listing, label="1", position=0)
                                    for listing in listings)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    gateway = active_gateway()
    customer = customer_for(borrower, gateway)
    method, _label = gateway.save_card(customer=customer.customer_id,
                                       token=card_token(localstripe_url),
                                       idempotency_key=f"bench:{stamp}:card")
    began = time.monotonic()
    events, payment_ids, reads = [], [], []
    for n, listing in enumerate(listings):
        booking = booking_request(actor=borrower, listing_id=listing.pk, start=start,
                                  end=start + timedelta(days=1))
        booking_act(actor=owner, booking=booking, action="approve")
        payment = payment_start(actor=borrower, booking_id=booking.pk)
        intent = gateway.confirm_with(payment.intent_id, payment_method=method,
                                      idempotency_key=f"bench:{stamp}:{n}")
        assert intent.status == "succeeded", intent
        body = gateway.client.v1.payment_intents.retrieve(payment.intent_id).to_dict()
        read_began = time.perf_counter()
        gateway.retrieve(payment.intent_id)  # what a first delivery asks localstripe
        reads.append(time.perf_counter() - read_began)
        events.append(stripe_event("payment_intent.succeeded", body))
        payment_ids.append(payment.pk)
    print(f"prepared {N} approved bookings, each paid at localstripe behind our back, "
          f"in {time.monotonic() - began:.0f}s; localstripe answers the webhook's re-read "
          f"(GET payment_intents/<id>, expanded) in {statistics.median(reads) * 1000:.1f} ms "
          "median, one client")
    return events, payment_ids


def deliver(url: str, deliveries: list[tuple[str, str]]):
    """POSTs (body, signature) pairs with CLIENTS threads; returns the
    elapsed seconds and, per delivery, (latency s, status, outcome)."""
    import requests

    results: list = [None] * len(deliveries)
    cursor = iter(range(len(deliveries)))
    lock = threading.Lock()

    def client():
        session = requests.Session()
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            body, header = deliveries[i]
            began = time.perf_counter()
            answer = session.post(url, data=body.encode(), timeout=60, headers={
                "Content-Type": "application/json", "Stripe-Signature": header})
            elapsed = time.perf_counter() - began
            try:
                outcome = answer.json().get("outcome", "")
            except ValueError:
                outcome = answer.text[:200]
            results[i] = (elapsed, answer.status_code, outcome)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - began, results


def figures(title, elapsed, results):
    """Prints and returns (per second, p50 ms, p95 ms); no rate for a part
    of a run (elapsed None)."""
    latencies = sorted(r[0] for r in results)
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000
    rate = len(results) / elapsed if elapsed else 0.0
    codes: dict = {}
    for r in results:
        codes[r[1]] = codes.get(r[1], 0) + 1
    shown = f"{rate:>8.1f}/s" if elapsed else " " * 10
    print(f"{title:<44} {shown}  p50 {p50:>6.1f} ms  p95 {p95:>6.1f} ms  "
          f"(status {dict(sorted(codes.items()))})")
    return rate, p50, p95


def main():
    with localstripe_server() as localstripe_url:
        stripe_env = dict(STRIPE_TEST_SETTINGS, STRIPE_API_BASE=localstripe_url)
        os.environ.update(stripe_env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        import django
        django.setup()
        from django.db import connection

        from bookings.models import Booking
        from payments import ledger
        from payments.models import Payment, WebhookEvent
        from tests.payments.webhook_kit import signed

        events, payment_ids = prepare(localstripe_url)
        connection.close()
        secret = STRIPE_TEST_SETTINGS["STRIPE_WEBHOOK_SECRET"]
        rng = random.Random(16)
        deliveries = [signed(event, secret) for event in events] * 2
        rng.shuffle(deliveries)
        env = dict(os.environ, **stripe_env)
        print(f"\n{len(deliveries)} deliveries ({N} events, each twice), {CLIENTS} clients, "
              f"gunicorn -w {WORKERS}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at the start\n")
        with gunicorn("marketplace.wsgi", env, "/api/v1/bench-nothing/") as site:
            elapsed, results = deliver(f"{site}/payments/stripe/webhook/", deliveries)
            base_elapsed, base = deliver(f"{site}/api/v1/bench-nothing/", deliveries)
        with gunicorn("bench.payments:bare_application()", env, "/nothing/") as bare_site:
            bare_elapsed, bare = deliver(f"{bare_site}/nothing/", deliveries)

        first = [r for r in results if r[2] != "already handled"]
        repeats = [r for r in results if r[2] == "already handled"]
        rate, p50, p95 = figures("webhook, all deliveries", elapsed, results)
        figures("  of which first deliveries (handled)", None, first)
        figures("  of which repeats (already handled)", None, repeats)
        base_rate, base_p50, base_p95 = figures("same site, empty JSON 404 (/api/v1/...)",
                                                base_elapsed, base)
        bare_rate, bare_p50, bare_p95 = figures("bare Django view (no middleware, no DB)",
                                                bare_elapsed, bare)
        print(f"\nwebhook throughput: {rate / base_rate:.2f}x the same site's empty answer, "
              f"{rate / bare_rate:.2f}x bare Django")
        print(f"webhook p50 latency: {p50 / base_p50:.1f}x the empty answer, "
              f"{p50 / bare_p50:.1f}x bare Django")

        handled = WebhookEvent.objects.filter(type="payment_intent.succeeded").count()
        paid = Payment.objects.filter(pk__in=payment_ids, status="succeeded").count()
        confirmed = Booking.objects.filter(payments__pk__in=payment_ids,
                                           status="confirmed").count()
        errors = sum(1 for r in results if r[1] != 200)
        print(f"\nevents stored {handled} (must be {N}), payments succeeded {paid}, "
              f"bookings confirmed {confirmed}, non-200 answers {errors}, "
              f"repeats answered as handled {len(repeats)} (must be {N}), "
              f"ledger total {ledger.total()} (must be 0)")
        if handled != N or paid != N or confirmed != N or errors or len(repeats) != N or \
                ledger.total() != 0:
            print(json.dumps([r for r in results if r[1] != 200][:5]))
            raise SystemExit(1)


if __name__ == "__main__":
    main()
