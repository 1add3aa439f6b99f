"""Who may open a socket without an Origin: native apps send none, so a
valid `?token=` is enough; browsers always send one, and a foreign Origin is
refused whatever else comes with it."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from marketplace import channel_layers
from marketplace.asgi import application
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def memory_layer(settings):
    """Who may connect is decided before any layer is used: the in-memory
    one, so no refused socket is left reading from Redis when the test's
    loop closes."""
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}


def app_token_for(user) -> str:
    response = Client().post("/_allauth/app/v1/auth/login",
                             {"email": user.email, "password": PASSWORD},
                             content_type="application/json")
    return response.json()["meta"]["session_token"]


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connects(path: str, headers=()) -> bool:
    communicator = WebsocketCommunicator(application, path, headers=list(headers))
    connected, _ = await communicator.connect()
    await communicator.disconnect()  # refused ones too: their consumer stops
    return connected


async def test_an_app_without_origin_connects_with_its_token(member):
    token = await sync_to_async(app_token_for)(member)
    assert await connects(f"/ws/notifications/?token={token}")


async def test_no_origin_and_no_token_is_refused_even_with_a_cookie(member):
    cookie = await sync_to_async(session_cookie_for)(member)
    assert not await connects("/ws/notifications/", headers=[(b"cookie", cookie)])


async def test_no_origin_and_a_wrong_token_is_refused(member):
    assert not await connects("/ws/notifications/?token=bogus")


async def test_a_foreign_origin_is_refused_even_with_a_valid_token(member):
    token = await sync_to_async(app_token_for)(member)
    assert not await connects(f"/ws/notifications/?token={token}",
                              headers=[(b"origin", b"https://evil.example")])
    assert not await connects(f"/ws/notifications/?token={token}",
                              headers=[(b"origin", b"null")])


async def test_the_own_origin_still_connects_with_cookie_or_token(member):
    token = await sync_to_async(app_token_for)(member)
    cookie = await sync_to_async(session_cookie_for)(member)
    origin = (b"origin", b"http://testserver")
    assert await connects(f"/ws/notifications/?token={token}", headers=[origin])
    assert await connects("/ws/notifications/", headers=[origin, (b"cookie", cookie)])
