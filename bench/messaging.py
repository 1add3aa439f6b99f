"""Live conversation messages over WebSockets, on PostgreSQL.

1,000 sockets in 100 conversations, 10 in each, every one a participant:
each conversation is a borrower asking a share company about one of its
listings (20 companies of 4 staff, 5 listings each). Every person has two
devices (a phone and a laptop, each its own session) and keeps the
conversation open on both: the borrower's 2 sockets and the 4 staff's 2
each. A staff member is in 5 conversations, so 10 sockets.

Each conversation sends at its own pace, its participants taking turns
(from one of their devices, at random), in steps of BENCH_MESSAGE_RATES
messages a second overall (default 10 then 25, BENCH_SECONDS each) on the
same open sockets. The conversations are independent of each other, as
people are: the gaps between a conversation's messages are random
(exponential, a Poisson process) at the step's mean rate, so two
conversations meet by chance now and then, not on every round.
BENCH_ARRIVALS=steady sends instead at fixed gaps from a random start,
where conversations that happen to start close together meet again on
every round (at 25/s every 4 s). At 25/s (0.25 a conversation) a staff member sends 2.5
per 10 s (0.05 a second in each of their 5 conversations): inside the rate
limit (20 a person per 10 s; MESSAGING_RATE_LIMIT in the settings changes
it). A message's text carries a key; the client notes when it sent it, and
its delivery latency is the time to its receipt on each of the 9 other
sockets of the conversation (the sender's own socket gets it too: not
counted).

Runs, each with the same clients and pace:

1. Redis channel layer, TWO daphne processes (REDIS_URL set): each
   person's phone on one, laptop on the other, so every message crosses
   processes. The second step falls about 30 s after the sockets opened,
   when each process's re-check of all its open sockets
   (messaging/socket_rights.py, every RECHECK_SECONDS) comes due.
2. In-memory channel layer, ONE daphne process, no REDIS_URL.
3. The baseline: the same daphne(s) and layer with a bare relay consumer
   (no authentication, no database: what it receives it group_sends to its
   conversation's group), over Redis with two processes and in memory.

Then where the time goes: the consumer's per-message work timed in this
process against the same PostgreSQL and Redis (queries, transaction,
on-commit pushes), and the re-check.

BENCH_MESSAGING_RUNS names the runs to make (e.g. "redis,bare redis"); BENCH_SLOWEST=1
lists each step's 25 slowest messages by when they were sent.

Per step: messages per second (sent, fully delivered), deliveries per
second, latency p50/p99 (overall, of each message's first delivery, and per
5 s window), the daphne
processes' CPU; the site's latency as a ratio to the baseline's. Exits
non-zero when a socket cannot connect, a message is refused, or a delivery
is still missing 10 s after the step.
"""

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from tests.harness import ROOT, free_port, redis_server, wait_for_port

# Messages a second overall, one step after the other on the same sockets.
RATES = [float(r) for r in os.environ.get("BENCH_MESSAGE_RATES", "10,25").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", 20))
STEADY = os.environ.get("BENCH_ARRIVALS", "poisson") == "steady"
BARE_SECONDS = float(os.environ.get("BENCH_BARE_SECONDS", 6))
COMPANIES, STAFF, LISTINGS_EACH = 20, 4, 5
DEVICES = 2
TARGET_P99_MS = 50.0
WINDOW = 5.0


# --- the baseline: a bare relay consumer ------------------------------------------


class _BareApplication:
    """daphne 'bench.messaging:bare_application': a consumer that relays
    what it receives to its conversation's group, as the site would send it,
    with no authentication and no database."""

    app = None

    async def __call__(self, scope, receive, send):
        if self.app is None:
            type(self).app = self._build()
        return await self.app(scope, receive, send)

    @staticmethod
    def _build():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        import django
        django.setup()
        from channels.generic.websocket import AsyncJsonWebsocketConsumer
        from channels.routing import ProtocolTypeRouter, URLRouter
        from django.urls import path

        class Relay(AsyncJsonWebsocketConsumer):
            async def connect(self):
                self.group = f"bare.{self.scope['url_route']['kwargs']['conversation_id']}"
                await self.channel_layer.group_add(self.group, self.channel_name)
                await self.accept()

            async def disconnect(self, code):
                await self.channel_layer.group_discard(self.group, self.channel_name)

            async def receive_json(self, content, **kwargs):
                await self.channel_layer.group_send(self.group, {"type": "notify", "payload": {
                    "type": "message", "conversation": 0, "message": {
                        "id": 0, "sender": {"id": 0, "name": ""}, "text": content.get("text"),
                        "created_at": ""}}})

            async def notify(self, event):
                await self.send_json(event["payload"])

        return ProtocolTypeRouter({"websocket": URLRouter([
            path("ws/conversations/<int:conversation_id>/", Relay.as_asgi())])})


bare_application = _BareApplication()


# --- servers ---------------------------------------------------------------------


@contextlib.contextmanager
def daphnes(count: int, env: dict, app: str = "marketplace.asgi:application"):
    """`count` daphne processes; yields their ports. Their logs are shown
    only when the run fails."""
    ports, procs, logs = [], [], []
    pids: list[int] = []
    try:
        for _ in range(count):
            port = free_port()
            log = tempfile.TemporaryFile(mode="w+", prefix="nanum-bench-daphne-")
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            ports.append(port)
            pids.append(procs[-1].pid)
            logs.append(log)
        for port in ports:
            wait_for_port(port)
        yield ports, pids
    except BaseException:
        for log in logs:
            log.seek(0)
            print(log.read()[-3000:])
        raise
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


# --- the people and their conversations ------------------------------------------------


def prepare():
    """Returns (sockets, cookie name): sockets as [(conversation id, person
    id, device index, session key)], 10 per conversation."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import CompanyStaff, ShareCompany
    from accounts.services import user_create
    from listings.categories import seed_categories
    from listings.models import Category, Listing, ListingUnit
    from messaging.models import Conversation

    seed_categories()
    stamp = time.time_ns()
    category = Category.objects.get(slug="camping")
    sessions: dict[int, list[str]] = {}

    def person(email, name):
        user = user_create(email=email, password=None, display_name=name)
        keys = []
        for _ in range(DEVICES):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            keys.append(store.session_key)
        sessions[user.pk] = keys
        return user

    listings = []
    for c in range(COMPANIES):
        staff = [person(f"staff{c}-{s}-{stamp}@bench.example", f"Staff {c}-{s}")
                 for s in range(STAFF)]
        company = ShareCompany.objects.create(
            name=f"Share hub {c}", slug=f"hub-{c}-{stamp}",
            registration_number=f"{stamp % 10**9}-{c}"[:20], verified_at=timezone.now(),
            created_by=staff[0])
        CompanyStaff.objects.bulk_create(
            CompanyStaff(company=company, user=user, role="admin" if s == 0 else "staff")
            for s, user in enumerate(staff))
        listings += Listing.objects.bulk_create(
            Listing(owner=staff[0], company=company, title=f"Room {c}-{n}", category=category,
                    pricing="per_day", price=20_000, deposit=0) for n in range(LISTINGS_EACH))
    ListingUnit.objects.bulk_create(ListingUnit(listing=listing, label="1", position=0)
                                    for listing in listings)
    staff_of = {}
    for link in CompanyStaff.objects.filter(company__listings__in=listings).values_list(
            "company__listings", "user_id"):
        staff_of.setdefault(link[0], []).append(link[1])
    sockets = []
    for n, listing in enumerate(listings):
        borrower = person(f"borrower{n}-{stamp}@bench.example", f"Borrower {n}")
        conversation = Conversation.objects.create(listing=listing, borrower=borrower)
        for user_id in [borrower.pk, *sorted(staff_of[listing.pk])]:
            for device, key in enumerate(sessions[user_id]):
                sockets.append((conversation.pk, user_id, device, key))
    return sockets, settings.SESSION_COOKIE_NAME


# --- the clients -----------------------------------------------------------------------


class Run:
    def __init__(self, title, sockets, servers, cookie_name, seconds):
        (self.ports, self.pids), self.sockets, self.title = servers, sockets, title
        self.cookie_name, self.seconds = cookie_name, seconds
        self.sent: dict[str, tuple[float, int, int]] = {}  # key: (at, conversation, socket)
        self.latencies: list[tuple[float, float]] = []  # (sent at, latency s)
        self.first: dict[str, float] = {}  # key: latency of its first delivery
        self.received: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.closed = 0
        self.lag: list[float] = []
        self.measuring = False

    def _port(self, device: int) -> int:
        return self.ports[device % len(self.ports)]

    async def _reader(self, index, ws):
        conversation = self.sockets[index][0]
        async for frame in ws:
            if frame.type.name != "TEXT":
                continue
            now = time.perf_counter()
            event = json.loads(frame.data)
            if event.get("type") == "message":
                key = (event["message"]["text"] or "").partition(" ")[2]
                sent = self.sent.get(key)
                if sent is None or sent[1] != conversation:
                    continue
                if sent[2] != index:
                    self.latencies.append((sent[0], now - sent[0]))
                    self.first.setdefault(key, now - sent[0])
                    self.received[key] = self.received.get(key, 0) + 1
            elif event.get("type") == "error":
                code = event.get("code", "?")
                self.errors[code] = self.errors.get(code, 0) + 1
        self.closed += 1

    async def _lag_probe(self, stop_at):
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await asyncio.sleep(0.01)
            if self.measuring:
                self.lag.append(time.perf_counter() - began - 0.01)

    async def _talk(self, conversation, members, wss, rate, started, stop_at, rng):
        """One conversation: `rate` messages a second on average, participants
        in turn."""
        people = sorted({self.sockets[i][1] for i in members})

        def gap():
            return 1 / rate if STEADY else rng.expovariate(rate)

        at = started + (rng.random() / rate if STEADY else gap())
        turn = rng.randrange(len(people))
        while at < stop_at:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            who = people[turn % len(people)]
            turn += 1
            index = rng.choice([i for i in members if self.sockets[i][1] == who])
            key = f"{index}-{turn}-{at:.6f}"
            self.sent[key] = (time.perf_counter(), conversation, index)
            await wss[index].send_str(json.dumps({"type": "message", "text": f"bench {key}"}))
            at += gap()

    async def run(self, aiohttp):
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            wss: dict[int, object] = {}
            gate = asyncio.Semaphore(50)

            async def connect(index):
                conversation, _user, device, key = self.sockets[index]
                port = self._port(device)
                async with gate:
                    wss[index] = await session.ws_connect(
                        f"ws://127.0.0.1:{port}/ws/conversations/{conversation}/",
                        headers={"Origin": f"http://127.0.0.1:{port}",
                                 "Cookie": f"{self.cookie_name}={key}"},
                        autoping=True, heartbeat=None, max_msg_size=0)

            began = time.perf_counter()
            results = await asyncio.gather(*(connect(i) for i in range(len(self.sockets))),
                                           return_exceptions=True)
            failures = [r for r in results if isinstance(r, BaseException)]
            connect_s = time.perf_counter() - began
            print(f"{self.title}: {len(wss)} sockets open in {connect_s:.1f}s"
                  f"{f', {len(failures)} failed: {failures[0]!r}' if failures else ''}",
                  flush=True)
            if failures:
                raise SystemExit(1)
            readers = [asyncio.create_task(self._reader(i, ws)) for i, ws in wss.items()]
            by_conversation: dict[int, list[int]] = {}
            for i, s in enumerate(self.sockets):
                by_conversation.setdefault(s[0], []).append(i)
            rng = random.Random(17)
            figures = []
            for step, overall in enumerate(RATES):
                rate = overall / len(by_conversation)
                if step == 0:  # a few seconds' warm-up at the first pace, not counted
                    warm_until = time.perf_counter() + 3
                    await asyncio.gather(*(self._talk(c, m, wss, rate, time.perf_counter(),
                                                      warm_until, rng)
                                           for c, m in by_conversation.items()))
                    await asyncio.sleep(1)
                figures.append(await self._step(overall, rate, wss, by_conversation, rng))
            for ws in wss.values():
                await ws.close()
            await asyncio.gather(*readers, return_exceptions=True)
        return figures

    async def _step(self, overall, rate, wss, by_conversation, rng):
        self.sent.clear()
        self.latencies.clear()
        self.first.clear()
        self.received.clear()
        self.errors.clear()
        self.lag.clear()
        self.measuring = True
        cpu_before = _cpu_seconds(self.pids)
        stolen_before = _machine_ticks()
        started = time.perf_counter()
        stop_at = started + self.seconds
        probe = asyncio.create_task(self._lag_probe(stop_at))
        await asyncio.gather(*(self._talk(c, m, wss, rate, started, stop_at, rng)
                               for c, m in by_conversation.items()))
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(self.pids) - cpu_before
        stolen = _stolen_share(stolen_before, _machine_ticks())
        expected = {key: len(by_conversation[c]) - 1 for key, (_, c, _i) in self.sent.items()}
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(
                self.received.get(k, 0) < n for k, n in expected.items()):
            await asyncio.sleep(0.05)
        self.measuring = False
        await probe
        missing = sum(max(0, n - self.received.get(k, 0)) for k, n in expected.items())
        print(f"  at {overall:.0f} messages/s offered, {elapsed:.0f}s:")
        print(f"  daphne CPU {cpu / elapsed * 100 / len(self.pids):.0f}% of a core each "
              f"({len(self.pids)} process{'es' if len(self.pids) > 1 else ''}), "
              f"{cpu / max(1, len(self.sent)) * 1000:.1f} ms CPU a message; "
              f"{stolen:.0f}% of the machine's CPU time taken by its host (steal)")
        return self._figures(started, elapsed, expected, missing)

    def _figures(self, started, elapsed, expected, missing):
        latencies = sorted(lat for _, lat in self.latencies)
        complete = sum(1 for k, n in expected.items() if self.received.get(k, 0) >= n)
        p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else float(
            "nan")
        worst = latencies[-1] * 1000 if latencies else float("nan")
        lag = sorted(self.lag)
        lag99 = lag[max(0, int(len(lag) * 0.99) - 1)] * 1000 if lag else 0.0
        print(f"  {len(self.sent)} messages sent in {elapsed:.1f}s ({len(self.sent) / elapsed:.1f}/s),"
              f" {complete} fully delivered ({complete / elapsed:.1f}/s); "
              f"{len(latencies)} deliveries ({len(latencies) / elapsed:.0f}/s), "
              f"{missing} missing; errors {self.errors or 'none'}")
        print(f"  delivery latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.0f} ms; "
              f"client loop lag p99 {lag99:.1f} ms; load average {os.getloadavg()[0]:.2f}")
        firsts = sorted(self.first.values())
        if firsts:  # the sender's side (its process's work, the layer) against the spread
            print(f"  first delivery of each message p50 "
                  f"{statistics.median(firsts) * 1000:.1f} ms, p99 "
                  f"{firsts[max(0, int(len(firsts) * 0.99) - 1)] * 1000:.1f} ms")
        if os.environ.get("BENCH_SLOWEST"):
            worst = sorted(self.first.items(), key=lambda kv: -kv[1])[:25]
            for key, latency in sorted(worst, key=lambda kv: self.sent[kv[0]][0]):
                at, conversation, index = self.sent[key]
                print(f"    slow: sent at {at - started:6.2f} s, first delivery "
                      f"{latency * 1000:6.1f} ms, conversation {conversation}, daphne on port "
                      f"{self._port(self.sockets[index][2])}")
        windows: dict[int, list[float]] = {}
        for at, lat in self.latencies:
            windows.setdefault(int((at - started) // WINDOW), []).append(lat)
        cells = []
        for w in sorted(windows):
            values = sorted(windows[w])
            cells.append(f"{w * WINDOW:.0f}s: {statistics.median(values) * 1000:.0f}/"
                         f"{values[max(0, int(len(values) * 0.99) - 1)] * 1000:.0f}")
        print(f"  p50/p99 ms per {WINDOW:.0f}s window: {', '.join(cells)}", flush=True)
        return {"rate": complete / elapsed, "p50": p50, "p99": p99, "missing": missing,
                "errors": sum(self.errors.values()), "sent": len(self.sent)}


def _machine_ticks() -> tuple[int, int]:
    """All CPU ticks of this machine so far, and those its hypervisor took
    for others (steal): a noisy neighbour shows there, not in our figures."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def _stolen_share(before, after) -> float:
    total, stolen = after[0] - before[0], after[1] - before[1]
    return 100 * stolen / total if total else 0.0


def _cpu_seconds(pids) -> float:
    """User and system CPU of these processes so far."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def clients(title, sockets, servers, cookie_name, seconds):
    import aiohttp
    return asyncio.run(Run(title, sockets, servers, cookie_name, seconds).run(aiohttp))


# --- where the time goes ------------------------------------------------------------------


def breakdown(sockets):
    """The consumer's work for one message, as it does it (in an event
    loop, the database part on the loop's worker pool), timed here against
    the same PostgreSQL and Redis, alone: no other sockets, no other load
    of this process."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from messaging import selectors, services, socket_rights
    from messaging.sockets import off_loop

    conversation_id = sockets[0][0]
    people = sorted({s[1] for s in sockets if s[0] == conversation_id})
    users = {u.pk: u for u in User.objects.filter(pk__in=people)}
    conversations = {pk: selectors.participant_conversation(conversation_id=conversation_id,
                                                            user=user)
                     for pk, user in users.items()}
    timings: dict[str, list[float]] = {k: [] for k in ("send", "push", "recheck")}
    counts: list[int] = []
    after_counts: list[int] = []

    def one(n):
        user = users[people[n % len(people)]]
        callbacks: list = []
        original = transaction.on_commit
        transaction.on_commit = (lambda fn, using=None, robust=False, to=callbacks:
                                 to.append(fn))
        began = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as captured:
                services.message_send(actor=user, conversation=conversations[user.pk],
                                      text=f"profile {n}")
        finally:
            transaction.on_commit = original
        sent = time.perf_counter()
        with CaptureQueriesContext(connection) as after:
            for fn in callbacks:  # what the commit runs: the push, handed to the
                fn()              # loop, then the message's bookkeeping
        timings["send"].append(sent - began)
        timings["push"].append(time.perf_counter() - sent)
        counts.append(len(captured.captured_queries))
        after_counts.append(len(after.captured_queries))

    def recheck():
        began = time.perf_counter()
        selectors.still_taking_part({(s[0], s[1]) for s in sockets})
        timings["recheck"].append(time.perf_counter() - began)

    async def measure():
        for n in range(20):
            await off_loop(one)(n)
        for _ in range(5):
            await off_loop(recheck)()
        await asyncio.sleep(0.5)  # the outbox drains

    asyncio.run(measure())
    connection.close()

    def ms(key):
        return statistics.median(timings[key]) * 1000

    print("\nper message, the consumer's database work, median of 20, this process alone "
          "(PostgreSQL with fsync):")
    print(f"  message_send, one transaction ({statistics.median(counts):.0f} queries and the "
          f"rate-limit counter in Redis)  {ms('send'):6.1f} ms")
    print(f"  on commit: the push handed to the event loop, then the bookkeeping in its own "
          f"transaction ({statistics.median(after_counts):.0f} queries: inbox order, the "
          f"writer's read mark, the bell's notice)  {ms('push'):6.1f} ms")
    print(f"  the re-check of all {len(sockets)} open sockets at once (every "
          f"{socket_rights.RECHECK_SECONDS} s, each process its own)  {ms('recheck'):6.1f} ms")


# --- the run ----------------------------------------------------------------------------------


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
          " at the start", flush=True)
    with redis_server() as redis_url:
        os.environ["REDIS_URL"] = redis_url  # this process: the profile's cache and layer
        import django
        django.setup()
        from django.db import connection

        from messaging import services

        began = time.monotonic()
        sockets, cookie_name = prepare()
        connection.close()
        people = len({s[1] for s in sockets})
        most = max(RATES) / 100 * LISTINGS_EACH / (1 + STAFF) * services.RATE_WINDOW
        print(f"prepared {len(sockets)} sockets of {people} people ({DEVICES} devices each) in "
              f"{len({s[0] for s in sockets})} conversations in {time.monotonic() - began:.0f}s; "
              f"steps of {', '.join(f'{r:.0f}' for r in RATES)} messages/s overall "
              f"({'fixed gaps' if STEADY else 'random gaps, each conversation a Poisson process'}"
              f", {SECONDS:.0f} s each); at "
              f"{max(RATES):.0f}/s a staff member sends {most:.0f} per {services.RATE_WINDOW} s "
              f"(limit {services.RATE_LIMIT})\n", flush=True)
        env_redis = dict(os.environ, REDIS_URL=redis_url)
        env_memory = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        runs = [("redis", "site, Redis layer, 2 daphne processes", 2, env_redis,
                 "marketplace.asgi:application", SECONDS),
                ("memory", "site, in-memory layer, 1 daphne process", 1, env_memory,
                 "marketplace.asgi:application", SECONDS),
                ("bare redis", "baseline: bare relay, Redis layer, 2 processes", 2, env_redis,
                 "bench.messaging:bare_application", BARE_SECONDS),
                ("bare memory", "baseline: bare relay, in-memory layer, 1 process", 1,
                 env_memory, "bench.messaging:bare_application", BARE_SECONDS)]
        chosen = os.environ.get("BENCH_MESSAGING_RUNS")  # e.g. "redis,bare redis": only those
        if chosen:
            runs = [run for run in runs if run[0] in chosen.split(",")]
        results = {}
        for key, title, count, env, app, seconds in runs:
            with daphnes(count, env, app) as servers:
                results[key] = clients(title, sockets, servers, cookie_name, seconds)
        breakdown(sockets)

    print()
    for layer in ("redis", "memory"):
        if layer not in results or f"bare {layer}" not in results:
            continue
        for rate, site, bare in zip(RATES, results[layer], results[f"bare {layer}"], strict=True):
            verdict = "meets" if site["p99"] < TARGET_P99_MS else "MISSES"
            print(f"{layer:>6} at {rate:3.0f}/s: {site['rate']:5.1f} messages/s fully delivered, "
                  f"p50 {site['p50']:7.1f} ms, p99 {site['p99']:7.1f} ms ({verdict} p99 < "
                  f"{TARGET_P99_MS:.0f} ms); bare relay p50 {bare['p50']:.1f} ms, p99 "
                  f"{bare['p99']:.1f} ms: site/bare p50 {site['p50'] / bare['p50']:.1f}x, "
                  f"p99 {site['p99'] / bare['p99']:.1f}x")
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if any(r["missing"] or r["errors"] or not r["sent"]
           for steps in results.values() for r in steps):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
