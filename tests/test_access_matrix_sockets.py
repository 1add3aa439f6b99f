"""The access-control matrix's sockets (tests/test_access_matrix.py has the
rows, WEBSOCKET_MATRIX): each socket that names an object, opened as each
role, browser and app alike.

In a module of their own: the matrix's module-wide world is held open in
one transaction for all of that module's tests, and these need a world
of their own, committed, that other threads can read.
"""

import pytest
from django.test import override_settings

from tests.access_world import build_world
from tests.test_access_matrix import ROLES, WEBSOCKET_MATRIX

# The matrix module's world cannot serve sockets: it lives in a transaction that
# is never committed, and a consumer reads through database_sync_to_async,
# on another thread with its own connection (which sees none of it), and
# which calls close_old_connections() first (which, on the test's own
# thread, would close the connection in the middle of that transaction).
# So each socket cell builds the same world in a transactional test: it is
# committed, every thread sees it, and it is flushed afterwards.

SOCKET_ORIGIN = (b"origin", b"http://testserver")

SOCKET_CELLS = [(route, role, code)
                for route, spec in WEBSOCKET_MATRIX.items()
                for role, code in zip(ROLES, spec["roles"].split(), strict=True)]


def socket_matches(code: str, connected: bool, close_code) -> bool:
    if code == "OK":
        return connected
    if code == "HIDE":  # as for a conversation that does not exist
        return not connected and close_code == 4404
    if code == "ANON":  # refused before anything is looked up
        return not connected and close_code in (4401, 4404)
    raise AssertionError(f"unknown socket code {code}")


@pytest.fixture
def committed_world(transactional_db, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path, NANUM_PROTECTED_MEDIA=""):
        yield build_world()


def _socket_credentials(person):
    """How a browser (session cookie) and an app (token, no Origin) come."""
    from django.test import Client

    from tests.conftest import PASSWORD

    if person is None:
        return [("browser", [SOCKET_ORIGIN], "")]
    browser = Client()
    browser.force_login(person)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    login = Client().post("/_allauth/app/v1/auth/login",
                          {"email": person.email, "password": PASSWORD},
                          content_type="application/json")
    token = login.json()["meta"]["session_token"]
    return [("browser", [SOCKET_ORIGIN, (b"cookie", cookie)], ""),
            ("app", [], f"?token={token}")]


@pytest.mark.parametrize(("route", "role", "code"), SOCKET_CELLS,
                         ids=[f"ws:{r}|{p}" for r, p, _c in SOCKET_CELLS])
def test_socket_access(committed_world, route, role, code):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from marketplace.asgi import application

    path = WEBSOCKET_MATRIX[route]["url"].format(**committed_world.ids)
    assert resolve_socket(path) == route, (route, path)

    async def attempt(headers, query):
        communicator = WebsocketCommunicator(application, path + query, headers=headers)
        connected, close_code = await communicator.connect(timeout=5)
        # Refused ones too: their consumer stops before the loop closes.
        await communicator.disconnect(timeout=5)
        return connected, close_code

    for way, headers, query in _socket_credentials(committed_world.people[role]):
        connected, close_code = async_to_sync(attempt)(headers, query)
        assert socket_matches(code, connected, close_code), (
            f"{path} as {role} ({way}): expected {code}, got "
            f"{'accepted' if connected else f'refused ({close_code})'}")


def resolve_socket(path: str) -> str | None:
    """The websocket pattern a path reaches (messaging.routing)."""
    from messaging.routing import websocket_urlpatterns

    for entry in websocket_urlpatterns:
        if entry.pattern.match(path.lstrip("/")):
            return str(entry.pattern)
    return None
