"""What a person is told while away is in their own language: the one they
last used the site in, not that of whoever caused it. And reading a
conversation clears its messages from the bell."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from accounts.models import User
from marketplace import channel_layers
from messaging.models import Notification
from messaging.notifications import deliver
from messaging.selectors import conversation_get
from messaging.services import conversation_mark_read, conversation_start, message_send
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_language_a_person_picks_or_signs_in_with_is_remembered(client, member):
    client.force_login(member)
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert User.objects.get(pk=member.pk).language == "ko"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=member.pk).language == "en"
    client.logout()
    client.post("/accounts/login/", {"login": member.email, "password": PASSWORD},
                HTTP_ACCEPT_LANGUAGE="ko")
    assert User.objects.get(pk=member.pk).language == "ko"


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    # The language is the point here, not the transport (the Redis layer
    # has its own tests): one in-memory layer the test can listen on.
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}


def _listen(user_id):
    """A channel in the person's socket group: what their sockets get."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user_id}", channel)

    def received() -> list[str]:
        texts = []
        while True:
            try:
                event = async_to_sync(asyncio.wait_for)(layer.receive(channel), 0.5)
            except TimeoutError:
                return texts
            texts.append(event["payload"].get("text"))
    return received


def test_a_push_speaks_the_recipients_language(api_as, owner, member, requested,
                                               django_capture_on_commit_callbacks):
    User.objects.filter(pk=member.pk).update(language="en")
    received = _listen(member.pk)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_as(owner).post(f"/api/v1/bookings/{requested.pk}/approve/",
                                    HTTP_ACCEPT_LANGUAGE="ko")
    assert answer.status_code == 200
    # The lender works in Korean; the borrower is told in English.
    assert received() == ["The booking of “전동 드릴 빌려드려요” is confirmed."]
    User.objects.filter(pk=member.pk).update(language="ko")
    deliver(list(Notification.objects.filter(user=member)))
    assert received() == ["“전동 드릴 빌려드려요” 예약이 확정되었습니다."]


def test_reading_a_conversation_clears_its_messages_from_the_bell(owner, member, drill,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversation_start(actor=member, listing_id=drill.pk,
                                          text="Can I pick it up at 7?")
        message_send(actor=member, conversation=conversation, text="Or 8?")
    unread = Notification.objects.filter(user=owner, kind="new_message", read_at__isnull=True)
    # One notice for the conversation, not one a message.
    assert unread.count() == 1
    conversation = conversation_get(conversation_id=conversation.pk, user=owner)
    conversation_mark_read(actor=owner, conversation=conversation)
    assert unread.count() == 0
    # Once read, the next message is news again.
    with django_capture_on_commit_callbacks(execute=True):
        message_send(actor=member, conversation=conversation, text="Or 9?")
    assert unread.get().data["preview"] == "Or 9?"
    assert not Notification.objects.filter(user=member, read_at__isnull=False).exists()
