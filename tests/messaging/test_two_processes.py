"""Scale (issue 17, point 6): two ASGI server processes on one real Redis
deliver to each other's sockets. A socket open on process A receives a
message posted through process B's REST API, and one sent over a socket on
A arrives at a socket on B.

Each process is a real daphne (as tests/e2e runs one) serving
marketplace.asgi with REDIS_URL set, so its channel layer is channels-redis,
and DATABASE_URL naming the test database. The test is transactional: what
it writes is committed, so the servers see it. Both databases share: the
SQLite test database is a file (WAL), which other processes open as well.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
import requests
from django.db import connection
from django.test import Client

from messaging import services
from messaging.models import Message
from tests.conftest import PASSWORD
from tests.harness import ROOT, free_port, wait_for_port

pytestmark = pytest.mark.django_db(transaction=True)

HANDSHAKE = aiohttp.ClientTimeout(total=30)


def _test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextlib.contextmanager
def _daphnes(count: int, env: dict):
    """`count` daphne processes; yields their base URLs. At the end, fails
    if one logged a Traceback or answered a 500."""
    servers = []
    try:
        for _n in range(count):
            port = free_port()
            log = open(Path(tempfile.gettempdir()) / f"nanum-asgi-{port}.log", "w+")
            process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                 "marketplace.asgi:application"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            servers.append((port, process, log))
        for port, _process, log in servers:
            try:
                wait_for_port(port, timeout=60)
            except RuntimeError:
                log.seek(0)
                pytest.fail(f"daphne on {port} did not start:\n" + log.read()[-4000:])
        yield [f"http://127.0.0.1:{port}" for port, _p, _l in servers]
    finally:
        errors = []
        for _port, process, log in servers:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.seek(0)
            errors += [f"{log.name}: {line}" for line in log
                       if "Traceback" in line or " 500 " in line]
            log.close()
        assert not errors, "A server logged errors:\n" + "".join(errors)


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, redis_url):
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               EMAIL_URL="consolemail://")
    with _daphnes(2, env) as urls:
        yield urls


def _ws(url: str) -> str:
    return "ws" + url.removeprefix("http")


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_sockets_on_one_process_hear_what_another_process_was_told(two_servers, drill,
                                                                   member, owner):
    site_a, site_b = two_servers
    chat = services.conversation_start(actor=member, listing_id=drill.pk,
                                       text="Is it free on Saturday?")
    owner_cookie = session_cookie_for(owner)  # a browser's, stored in the database
    # The borrower's app signs in on process B and uses its token there.
    login = requests.post(f"{site_b}/_allauth/app/v1/auth/login",
                          json={"email": member.email, "password": PASSWORD}, timeout=10)
    assert login.status_code == 200, login.text
    token = login.json()["meta"]["session_token"]

    async def scenario():
        async with aiohttp.ClientSession(timeout=HANDSHAKE) as http:
            # The lender's browser on A; the borrower's app on B (no Origin).
            lender = await http.ws_connect(
                f"{_ws(site_a)}/ws/conversations/{chat.pk}/",
                headers={"Origin": site_a, "Cookie": owner_cookie})
            borrower = await http.ws_connect(
                f"{_ws(site_b)}/ws/conversations/{chat.pk}/?token={token}")

            posted = await asyncio.to_thread(
                requests.post, f"{site_b}/api/v1/conversations/{chat.pk}/messages/",
                json={"text": "Can I pick it up at 7?"},
                headers={"X-Session-Token": token}, timeout=10)
            assert posted.status_code == 201, posted.text
            for socket in (lender, borrower):
                event = await socket.receive_json(timeout=10)
                assert (event["type"], event["message"]["id"], event["message"]["text"]) == (
                    "message", posted.json()["id"], "Can I pick it up at 7?")

            # And from a socket on A to the socket on B.
            await lender.send_json({"type": "message", "text": "Yes, after 7."})
            for socket in (borrower, lender):
                event = await socket.receive_json(timeout=10)
                assert (event["message"]["text"], event["message"]["sender"]["id"]) == (
                    "Yes, after 7.", owner.pk)
            await lender.send_json({"type": "typing"})
            assert (await borrower.receive_json(timeout=10))["user"] == owner.pk
            for socket in (lender, borrower):
                await socket.close()

    asyncio.run(scenario())
    assert list(Message.objects.filter(conversation=chat).order_by("pk")
                .values_list("text", flat=True)) == [
        "Is it free on Saturday?", "Can I pick it up at 7?", "Yes, after 7."]


def test_a_foreign_origin_is_refused_by_the_server(two_servers, owner):
    site_a, _site_b = two_servers
    cookie = session_cookie_for(owner)

    async def scenario():
        async with aiohttp.ClientSession(timeout=HANDSHAKE) as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{_ws(site_a)}/ws/notifications/",
                                      headers={"Origin": "https://evil.example",
                                               "Cookie": cookie})
            return refused.value.status

    assert asyncio.run(scenario()) == 403
