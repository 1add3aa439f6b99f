"""`/ws/notifications/`: signed-in people only, own origin only, real Redis;
what events.notify() says arrives with the unread count, and read marks
sent over the socket answer the new count."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from marketplace import events
from marketplace.asgi import application
from messaging.models import Notification

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://testserver")


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@database_sync_to_async
def announce(user_id, text, *, roll_back=False):
    try:
        with transaction.atomic():
            events.notify([user_id], "something", data={"text": text}, url="/me/")
            if roll_back:
                raise RuntimeError("the service failed")
    except RuntimeError:
        pass


async def test_anonymous_socket_is_closed(memory_layer):
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN])
    connected, code = await communicator.connect()
    await communicator.disconnect()
    assert not connected
    assert code == 4401


async def test_foreign_origin_is_refused(memory_layer, member):
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    assert not connected


async def test_signed_in_person_receives_what_is_sent_to_their_group(redis_layer, member,
                                                                   outsider):
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(application, "/ws/notifications/",
                                         headers=[ORIGIN, (b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "unread": 0}

    await announce(outsider.id, "not for you")
    await announce(member.id, "rolled back", roll_back=True)
    await announce(member.id, "Your booking is approved")

    # Only the committed notification for this person arrives, with the count.
    pushed = await communicator.receive_json_from(timeout=5)
    assert (pushed["type"], pushed["text"], pushed["url"], pushed["unread"]) == (
        "notification", "Your booking is approved", "/me/", 1)
    assert set(pushed) == {"type", "id", "kind", "text", "url", "created_at", "unread"}
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_read_marks_over_the_socket_answer_the_new_count(redis_layer, member, outsider):
    await announce(member.id, "first")
    await announce(member.id, "second")
    await announce(outsider.id, "theirs")
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(application, "/ws/notifications/",
                                         headers=[ORIGIN, (b"cookie", cookie)])
    assert (await communicator.connect())[0]
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "unread": 2}
    mine = await database_sync_to_async(
        lambda: list(Notification.objects.filter(user=member).values_list("pk", flat=True)))()
    theirs = await database_sync_to_async(
        lambda: Notification.objects.get(user=outsider).pk)()

    await communicator.send_json_to({"type": "read", "id": mine[0]})
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread", "unread": 1}
    await communicator.send_json_to({"type": "read", "id": theirs})
    assert (await communicator.receive_json_from(timeout=5))["code"] == "not_found"
    await communicator.send_json_to({"type": "read_all"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread", "unread": 0}
    await communicator.disconnect()
    assert await database_sync_to_async(
        lambda: Notification.objects.get(user=outsider).read_at)() is None


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
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await announce(member.id, "hello app")
    assert (await communicator.receive_json_from(timeout=5))["text"] == "hello app"
    await communicator.disconnect()


async def test_a_wrong_token_is_anonymous(memory_layer):
    communicator = WebsocketCommunicator(application, "/ws/notifications/?token=bogus",
                                         headers=[ORIGIN])
    connected, code = await communicator.connect()
    await communicator.disconnect()
    assert not connected
    assert code == 4401


async def test_an_approval_reaches_the_borrowers_open_socket(redis_layer, owner, member,
                                                             requested):
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = WebsocketCommunicator(application, "/ws/notifications/",
                                         headers=[ORIGIN, (b"cookie", cookie)])
    assert (await communicator.connect())[0]
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "unread": 0}

    def approve():
        client = APIClient()
        client.force_login(owner)
        # The sentence is said in the active language (no language is
        # stored per person): the request's.
        return client.post(f"/api/v1/bookings/{requested.pk}/approve/", {}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")

    assert (await sync_to_async(approve)()).status_code == 200
    pushed = await communicator.receive_json_from(timeout=5)
    assert (pushed["kind"], pushed["url"], pushed["unread"]) == (
        "booking_confirmed", f"/bookings/{requested.pk}/", 1)
    assert pushed["text"] == "The booking of “전동 드릴 빌려드려요” is confirmed."
    # The socket acknowledged it: no e-mail will repeat it.
    await communicator.receive_nothing(timeout=0.3)
    row = await database_sync_to_async(Notification.objects.get)(pk=pushed["id"])
    assert row.delivered_live and row.user_id == member.pk
    await communicator.disconnect()


async def test_no_socket_open_leaves_an_undelivered_row(redis_layer, owner, member, requested):
    def approve():
        client = APIClient()
        client.force_login(owner)
        return client.post(f"/api/v1/bookings/{requested.pk}/approve/", {}, format="json")

    assert (await sync_to_async(approve)()).status_code == 200
    row = await database_sync_to_async(Notification.objects.get)(user=member)
    assert (row.kind, row.delivered_live) == ("booking_confirmed", False)
