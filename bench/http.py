"""Pages and API calls as real traffic (issue 19): wrk against gunicorn.

The search bench's city (BENCH_LISTINGS listings, 100,000 by default) in
PostgreSQL; the site under gunicorn with BENCH_HTTP_WORKERS sync workers
(2), DEBUG off, throttles raised out of the way; the smallest Django JSON
view (bench.payments.bare_application) served the same way. For each path
wrk (-t2 -c32, BENCH_SECONDS each) drives bare Django, then the path, one
after the other, so each ratio compares two runs a few seconds apart on
this noisy machine. Prints requests per second, p99 and the ratio, with
the issue's target.

Then the detail, the listing page and the two searches again with each
request at its own address (one more query word nobody reads): answers
made afresh, not kept (marketplace/page_cache.py), with no target.

The booking request is POST /api/v1/bookings/ by one signed-in person
(an app session token) over many listings and days, at random: two
requests for the same unit and time may meet (409). Afterwards every 201
must be a booking in the database and no answer a 5xx: nothing lost under
contention. Exits non-zero when that fails or a GET answers other than 200.
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from urllib.parse import quote, urlencode

from bench.payments import gunicorn

SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", 2))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 32))

TARGETS = {
    "GET /api/v1/listings/{id}/": 0.30,
    "GET /listings/{id}/ (page)": 0.15,
    "GET / (home page)": 0.30,
    "GET /api/v1/listings/?q=drill": 0.15,
    "GET /api/v1/listings/?q=드릴": 0.15,
    "GET /api/v1/listings/?q=tent, 3 km": 0.15,
    "GET /api/v1/listings/ free next Saturday": 0.15,
    "GET /listings/?q=드릴 (browse page)": 0.10,
    "POST /api/v1/bookings/ (signed in)": 0.05,
}
# Each request its own address: no kept answer (marketplace/page_cache.py),
# no target; what a search nobody made in the last seconds costs.
FRESH = ["GET /api/v1/listings/{id}/", "GET /listings/{id}/ (page)",
         "GET /api/v1/listings/?q=drill", "GET /listings/?q=드릴 (browse page)"]

STATUSES_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\\n", code, n)) end
end
"""


def fresh_script(sign: str) -> str:
    """wrk's Lua: each request its own address (one more query word nobody
    reads), so no kept answer serves it: what an answer made afresh costs."""
    return STATUSES_LUA + f"""
local n = 0
local seed = tonumber(tostring({{}}):sub(8), 16)
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "{sign}fresh=" .. seed .. "-" .. n)
end
"""


def wrk(url: str, script: str = STATUSES_LUA) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency",
                          "--timeout", "10s",
                          "-s", file.name, url], capture_output=True, text=True, check=True)
    os.unlink(file.name)
    text = out.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    statuses = {int(code): int(n) for code, n in re.findall(r"status (\d+) (\d+)", text)}
    return {"rate": rate, "p99": float(p99.group(1)) * scale, "statuses": statuses}


def booking_script(token: str, listing_ids: list[int], first_day) -> str:
    """wrk's Lua: each request a booking of a random listing on a random day
    between 40 and 340 days ahead, 10:00 to 10:00 the next day."""
    ids = ",".join(str(i) for i in listing_ids)
    return STATUSES_LUA + f"""
local ids = {{{ids}}}
local first = {int(first_day.timestamp())}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Session-Token"] = "{token}"
math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))
function request()
  local day = first + math.random(0, 300) * 86400
  local body = string.format(
    '{{"listing": %d, "start": "%s", "end": "%s"}}', ids[math.random(#ids)],
    os.date("!%Y-%m-%dT%H:%M:%SZ", day), os.date("!%Y-%m-%dT%H:%M:%SZ", day + 86400))
  return wrk.format(nil, "/api/v1/bookings/", nil, body)
end
"""


def prepare():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bench.search import generate, next_saturday
    from listings.models import Listing

    member = generate()
    rng = random.Random(19)
    public = list(Listing.objects.filter(visibility="public", status="active",
                                         has_opening_hours=False)
                  .values_list("pk", flat=True)[:20000])
    bookable = rng.sample(public, min(2000, len(public)))
    detail = public[len(public) // 2]
    start, end = next_saturday()
    saturday = urlencode({"free": "true", "available_from": start.isoformat(),
                          "available_to": end.isoformat()})
    first_day = (timezone.now() + timedelta(days=40)).replace(
        hour=1, minute=0, second=0, microsecond=0)  # 10:00 in Seoul
    connection.close()
    return member.email, detail, bookable, saturday, first_day


def double_booked() -> int:
    """Holding bookings of one unit that overlap: must be none."""
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.unit_id = b.unit_id AND a.id < b.id
             AND a.start < b."end" AND b.start < a."end"
             WHERE a.status IN ('requested', 'approved', 'confirmed', 'picked_up')
               AND b.status IN ('requested', 'approved', 'confirmed', 'picked_up')""")
        return cursor.fetchone()[0]


def session_token(site: str, email: str) -> str:
    import requests

    answer = requests.post(f"{site}/_allauth/app/v1/auth/login",
                           json={"email": email, "password": "x"}, timeout=30)
    answer.raise_for_status()
    return answer.json()["meta"]["session_token"]


def main():
    email, detail, bookable, saturday, first_day = prepare()
    from bookings.models import Booking

    env = dict(os.environ, API_RATE_ANON="100000000/minute", API_RATE_USER="100000000/minute",
               API_RATE_STATS="100000000/minute", RATE_LIMIT_LOGIN_FAILED="1000/m/ip")
    paths = [
        ("GET /api/v1/listings/{id}/", f"/api/v1/listings/{detail}/"),
        ("GET /listings/{id}/ (page)", f"/listings/{detail}/"),
        ("GET /api/v1/listings/?q=drill", "/api/v1/listings/?q=drill"),
        ("GET /api/v1/listings/?q=드릴", "/api/v1/listings/?q=" + quote("드릴")),
        ("GET /api/v1/listings/?q=tent, 3 km",
         "/api/v1/listings/?q=tent&near=37.55,126.92&radius_km=3"),
        ("GET /api/v1/listings/ free next Saturday", f"/api/v1/listings/?{saturday}"),
        ("GET /listings/?q=드릴 (browse page)", "/listings/?q=" + quote("드릴")),
        ("GET / (home page)", "/"),
    ]
    print(f"\nwrk -t2 -c{CONNECTIONS} -d{SECONDS}s; gunicorn -w {WORKERS} (sync), DEBUG off; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'path':<56} {'req/s':>8} {'p99 ms':>8} {'bare req/s':>11} {'ratio':>6} "
          f"{'target':>7}")
    failures = []
    with gunicorn("bench.payments:bare_application()", env, "/nothing/",
                  workers=WORKERS) as bare, \
            gunicorn("marketplace.wsgi", env, "/api/v1/bench-nothing/", workers=WORKERS) as site:
        token = session_token(site, email)
        before = Booking.objects.count()
        runs = [(title, site + path, STATUSES_LUA) for title, path in paths]
        runs += [(f"{title}, made afresh", site + path,
                  fresh_script("&" if "?" in path else "?"))
                 for title, path in paths if title in FRESH]
        runs.append(("POST /api/v1/bookings/ (signed in)", site + "/api/v1/bookings/",
                     booking_script(token, bookable, first_day)))
        for title, url, script in runs:
            base = wrk(bare + "/nothing/")
            result = wrk(url, script)
            ratio = result["rate"] / base["rate"]
            target = TARGETS.get(title)
            verdict = ("" if target is None
                       else f"{'>=' if ratio >= target else '< '}{target:.2f}")
            print(f"{title:<56} {result['rate']:>8.0f} {result['p99']:>8.1f} "
                  f"{base['rate']:>11.0f} {ratio:>6.3f} {verdict}", flush=True)
            statuses = result["statuses"]
            if title.startswith("POST"):
                made = Booking.objects.count() - before
                created = statuses.get(201, 0)
                print(f"  answers {json.dumps(statuses, sort_keys=True)}; bookings made {made} "
                      f"(wrk stops with up to {CONNECTIONS} requests in flight); "
                      f"units held twice {double_booked()}")
                # Every 201 is a booking; at most the requests still in flight
                # when wrk stopped made one it did not read.
                if not created <= made <= created + CONNECTIONS or double_booked() or any(
                        code >= 500 for code in statuses):
                    failures.append(f"{title}: lost or failed ({statuses}, made {made})")
            elif set(statuses) - {200}:
                failures.append(f"{title}: answers {statuses}")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
