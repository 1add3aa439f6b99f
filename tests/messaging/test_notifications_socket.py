"""`/ws/notifications/`: signed-in people only, own origin only, real Redis."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from marketplace import events
from marketplace.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture
def redis_layer(settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "nanum-test"},
        }
    }
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    return layer


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@database_sync_to_async
def announce(user_id, payload, *, roll_back=False):
    try:
        with transaction.atomic():
            events.send_to_user_on_commit(user_id, payload)
            if roll_back:
                raise RuntimeError("the service failed")
    except RuntimeError:
        pass


async def test_anonymous_socket_is_closed(redis_layer):
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN])
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


async def test_foreign_origin_is_refused(redis_layer, member):
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_signed_in_person_receives_what_is_sent_to_their_group(redis_layer, member,
                                                                   outsider):
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(application, "/ws/notifications/",
                                         headers=[ORIGIN, (b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected

    await announce(outsider.id, {"type": "notification", "text": "not for you"})
    await announce(member.id, {"type": "notification", "text": "rolled back"}, roll_back=True)
    await announce(member.id, {"type": "notification", "text": "Your booking is approved"})

    # Only the committed message for this person arrives.
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "notification", "text": "Your booking is approved"}
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_app_connects_with_its_session_token(redis_layer, member):
    def login_token():
        response = Client().post(
            "/_allauth/app/v1/auth/login",
            {"email": member.email, "password": "correct-horse-battery"},
            content_type="application/json",
        )
        return response.json()["meta"]["session_token"]

    token = await sync_to_async(login_token)()
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}",
                                         headers=[ORIGIN])
    connected, _ = await communicator.connect()
    assert connected
    await announce(member.id, {"type": "notification", "text": "hello app"})
    assert (await communicator.receive_json_from(timeout=5))["text"] == "hello app"
    await communicator.disconnect()


async def test_a_wrong_token_is_anonymous(redis_layer):
    communicator = WebsocketCommunicator(application, "/ws/notifications/?token=bogus",
                                         headers=[ORIGIN])
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401
