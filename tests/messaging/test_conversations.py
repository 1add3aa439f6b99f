"""Conversations, messages, read marks and blocks (issue 17, point 1):
through the services, as the API, the pages and the sockets call them."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

from accounts.services import company_create, company_staff_remove
from bookings.services.booking import booking_request
from community_rules.models import Community, Membership
from listings.models import Listing
from marketplace import channel_layers
from marketplace.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from messaging import selectors, services
from messaging.groups import conversation_group
from messaging.models import (
    MAX_MESSAGE_LENGTH,
    Block,
    Conversation,
    ConversationRead,
    Message,
    Notification,
)
from messaging.notifications import notification_text
from tests.accounts.staff import staff_add
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


def start(actor, listing, text="Is it free on Saturday?"):
    return services.conversation_start(actor=actor, listing_id=listing.pk, text=text)


@pytest.fixture(autouse=True)
def memory_layer(settings):
    """What the services push is read back here in event loops of its own
    (each async_to_sync runs a new one), which the in-memory layer allows;
    Redis's Pub/Sub layer delivers only to a loop already listening. Delivery
    over Redis is tested through real sockets (test_conversation_socket.py,
    test_two_processes.py)."""
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict]:
    """Everything the channel was sent, until it has been quiet a moment.
    Once per channel: the Redis layer binds a channel's buffer to the event
    loop of its first receive, and each async_to_sync runs a new loop."""
    layer = get_channel_layer()

    async def drain():
        events = []
        while True:
            try:
                event = await asyncio.wait_for(layer.receive(channel), timeout=0.3)
            except TimeoutError:
                return events
            events.append(event["payload"])

    return async_to_sync(drain)()


# --- starting and reusing ----------------------------------------------------

def test_a_borrower_starts_a_conversation_about_a_listing(drill, member, owner):
    conversation = start(member, drill)
    assert (conversation.listing, conversation.borrower, conversation.booking) == (
        drill, member, None)
    assert selectors.participant_ids(conversation) == {member.pk, owner.pk}
    assert [m.text for m in selectors.messages_page(conversation=conversation)] == [
        "Is it free on Saturday?"]


def test_writing_again_about_the_listing_reuses_the_conversation(drill, member):
    first = start(member, drill)
    again = start(member, drill, "And on Sunday?")
    assert again.pk == first.pk
    assert Conversation.objects.count() == 1
    assert first.messages.count() == 2


def test_nobody_writes_to_themselves_about_their_own_listing(drill, owner):
    with pytest.raises(Forbidden):
        start(owner, drill)
    assert not Conversation.objects.exists()


def test_a_listing_the_person_cannot_see_is_not_found(drill, member):
    Listing.objects.filter(pk=drill.pk).update(status=Listing.Status.PAUSED)
    with pytest.raises(NotFound):
        start(member, drill)


def test_a_listing_or_a_booking_must_be_named(member):
    with pytest.raises(ValidationFailed):
        services.conversation_start(actor=member, text="Hello")


def test_the_open_conversation_is_carried_over_to_the_booking(drill, member, owner, period):
    before = start(member, drill)
    booking = booking_request(actor=member, listing_id=drill.pk, start=period[0],
                              end=period[1])
    about_booking = services.conversation_start(actor=owner, booking_id=booking.pk,
                                                text="Pick it up at 7?")
    assert about_booking.pk == before.pk
    assert about_booking.booking == booking
    assert [m.text for m in selectors.messages_page(conversation=about_booking)] == [
        "Is it free on Saturday?", "Pick it up at 7?"]
    # A later booking has a conversation of its own, and so does a new
    # question about the listing.
    later = booking_request(actor=member, listing_id=drill.pk, start=tomorrow_at(10, 5),
                            end=tomorrow_at(12, 5))
    assert services.conversation_for_booking(later).pk not in (before.pk,)
    assert start(member, drill, "Another question").pk not in (
        before.pk, services.conversation_for_booking(later).pk)


def test_a_booking_made_before_the_question_gets_its_own_conversation(drill, member,
                                                                      requested):
    question = start(member, drill)
    assert services.conversation_for_booking(requested).pk != question.pk
    question.refresh_from_db()
    assert question.booking is None


def test_only_the_parties_write_about_a_booking(requested, outsider, staff):
    for person in (outsider, staff):  # city staff see bookings, but take no part
        with pytest.raises(NotFound):
            services.conversation_start(actor=person, booking_id=requested.pk, text="Hi")


# --- participants ------------------------------------------------------------

@pytest.fixture
def company_room(owner, outsider):
    """A share company's room; `outsider` is on its staff with `owner`."""
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=company, email=outsider.email)
    return make_listing(owner, title="Meeting room", company=company)


def test_a_company_conversation_is_shared_by_its_staff(company_room, member, owner, outsider):
    conversation = start(member, company_room)
    assert selectors.participant_ids(conversation) == {member.pk, owner.pk, outsider.pk}
    assert [c.pk for c in selectors.conversation_list(user=outsider)] == [conversation.pk]
    reply = services.message_send(actor=outsider, conversation=conversation, text="Yes")
    assert reply.sender == outsider


def test_someone_who_left_the_company_no_longer_sees_its_conversations(
        company_room, member, owner, outsider):
    conversation = start(member, company_room)
    company_staff_remove(actor=owner, company=company_room.company, user=outsider)
    with pytest.raises(NotFound):
        selectors.conversation_get(conversation_id=conversation.pk, user=outsider)
    with pytest.raises(NotFound):
        services.message_send(actor=outsider, conversation=conversation, text="Still here?")
    assert list(selectors.conversation_list(user=outsider)) == []
    assert selectors.unread_total(user=outsider) == 0


def test_a_community_items_conversation_is_its_moderators(owner, member, outsider):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=outsider, role="moderator",
                              status="active")
    saw = make_listing(owner, title="Library saw", owner_community=library)
    conversation = start(member, saw)
    assert selectors.participant_ids(conversation) == {member.pk, owner.pk, outsider.pk}
    assert selectors.conversation_get(conversation_id=conversation.pk,
                                      user=outsider) == conversation


def test_outsiders_and_anonymous_do_not_find_a_conversation(drill, member, outsider,
                                                            staff):
    from django.contrib.auth.models import AnonymousUser

    conversation = start(member, drill)
    for person in (outsider, staff, AnonymousUser(), None):
        with pytest.raises(NotFound):
            selectors.conversation_get(conversation_id=conversation.pk, user=person)


# --- messages ----------------------------------------------------------------

def test_a_message_is_pushed_on_commit_and_told_to_the_others(
        drill, member, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(member, drill)
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(actor=owner, conversation=conversation,
                                        text="  Yes, after 7.  ")
    assert message.text == "Yes, after 7."
    events = received(channel)
    assert events == [{"type": "message", "conversation": conversation.pk, "message": {
        "id": message.pk, "sender": {"id": owner.pk, "name": "Owner Kim"},
        "text": "Yes, after 7.", "created_at": message.created_at.isoformat()}}]
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at
    told = Notification.objects.get(user=member, kind="new_message")
    assert told.url == f"/messages/{conversation.pk}/"
    assert told.data["preview"] == "Yes, after 7." and told.data["person"] == "Owner Kim"
    assert notification_text(told) == f"Owner Kim wrote about “{told.data['listing_title']}”."
    # The owner was told of the question, not of their own reply.
    assert Notification.objects.filter(user=owner, kind="new_message").count() == 1


def test_the_message_is_pushed_before_its_bookkeeping_is_written(
        drill, member, owner, django_capture_on_commit_callbacks):
    """Those waiting for the message do not wait for the inbox order, the
    writer's read mark and the bell: the push is handed over first, and
    what follows is written afterwards, in its own transaction."""
    conversation = start(member, drill)
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.message_send(actor=owner, conversation=conversation, text="At 7")
    push, bookkeeping = callbacks
    push()
    assert [e["message"]["id"] for e in received(channel)] == [message.pk]
    assert not Notification.objects.filter(user=member).exists()
    bookkeeping()
    assert Notification.objects.get(user=member).data["message"] == message.pk
    assert ConversationRead.objects.get(conversation=conversation,
                                        user=owner).last_read_message == message
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at


def test_a_message_read_before_its_bookkeeping_leaves_no_unread_notice(
        drill, member, owner, django_capture_on_commit_callbacks):
    """The lender's open page gets the message and marks it read at once,
    before the bookkeeping has run: the bell is not told of it afterwards
    (nor e-mailed in a digest)."""
    conversation = start(member, drill)
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.message_send(actor=member, conversation=conversation,
                                        text="Still free?")
    push, bookkeeping = callbacks
    push()
    owners_view = selectors.conversation_get(conversation_id=conversation.pk, user=owner)
    services.conversation_mark_read(actor=owner, conversation=owners_view,
                                    message_id=message.pk)
    bookkeeping()
    assert not Notification.objects.filter(user=owner, read_at__isnull=True,
                                           data__message=message.pk).exists()
    # The next message, unread, is news again.
    with django_capture_on_commit_callbacks(execute=True):
        later = services.message_send(actor=member, conversation=conversation, text="Hello?")
    assert Notification.objects.get(user=owner, read_at__isnull=True).data["message"] == later.pk


def test_bookkeeping_written_late_never_moves_the_inbox_back(
        drill, member, owner, django_capture_on_commit_callbacks):
    conversation = start(member, drill)
    with django_capture_on_commit_callbacks() as first:
        services.message_send(actor=owner, conversation=conversation, text="At 7")
    with django_capture_on_commit_callbacks() as second:
        later = services.message_send(actor=owner, conversation=conversation, text="Or 8")
    second[1]()
    first[1]()  # the earlier message's, written last
    conversation.refresh_from_db()
    assert conversation.last_message_at == later.created_at
    assert ConversationRead.objects.get(conversation=conversation,
                                        user=owner).last_read_message == later


def test_a_failed_bookkeeping_leaves_the_message_sent(
        drill, member, owner, django_capture_on_commit_callbacks, monkeypatch, caplog):
    """The bookkeeping failing (here the bell's check: a fault put in on
    purpose) rolls back all of it and only it; the message was stored and
    pushed, the sender is not told of an error, and it is still counted
    unread for the other side."""
    from django.db import DatabaseError

    conversation = start(member, drill)
    channel = listen(conversation_group(conversation.pk))

    def fails(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(selectors, "told_of_unread_messages", fails)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(actor=owner, conversation=conversation, text="At 7")
    assert Message.objects.filter(pk=message.pk).exists()
    assert [e["message"]["id"] for e in received(channel)] == [message.pk]
    assert not ConversationRead.objects.filter(user=owner, last_read_message=message).exists()
    assert selectors.unread_total(user=member) == 1
    assert "the database went away" in caplog.text


def test_nothing_is_pushed_for_a_refused_message(drill, member, owner,
                                                 django_capture_on_commit_callbacks):
    conversation = start(member, drill)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationFailed):
        services.message_send(actor=owner, conversation=conversation, text="   ")
    assert callbacks == []


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_MESSAGE_LENGTH + 1)])
def test_a_message_has_words_and_a_length_limit(drill, member, text):
    conversation = start(member, drill)
    with pytest.raises(ValidationFailed) as refused:
        services.message_send(actor=member, conversation=conversation, text=text)
    assert "text" in refused.value.extra["fields"]


def test_the_longest_message_is_taken(drill, member):
    conversation = start(member, drill)
    services.message_send(actor=member, conversation=conversation,
                          text="x" * MAX_MESSAGE_LENGTH)


def test_the_twenty_first_message_in_ten_seconds_is_refused(drill, member):
    conversation = start(member, drill)  # the first
    for n in range(19):
        services.message_send(actor=member, conversation=conversation, text=f"m{n}")
    with pytest.raises(RateLimited) as refused:
        services.message_send(actor=member, conversation=conversation, text="one more")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert conversation.messages.count() == 20


def test_the_rate_limit_counts_each_person_apart(drill, member, owner):
    conversation = start(member, drill)
    for n in range(19):
        services.message_send(actor=member, conversation=conversation, text=f"m{n}")
    services.message_send(actor=owner, conversation=conversation, text="Slow down")


def test_a_rate_window_left_without_expiry_still_ends(drill, member, monkeypatch):
    """The window's key can be made afresh with no expiry (it expired between
    the cache's existence check and its increment): the first message
    counted in it gives it one again."""
    conversation = start(member, drill)
    monkeypatch.setattr(services, "RATE_WINDOW", 1)
    key = f"messaging:sent:{member.pk}"
    cache.set(key, 0, timeout=None)  # as such an increment leaves it, less one
    services.message_send(actor=member, conversation=conversation, text="counted as the first")
    time.sleep(1.2)
    assert cache.get(key) is None


def test_two_first_read_marks_at_once_keep_the_further_one(drill, member, owner, monkeypatch):
    """The mark is made by another request between this one's update (no
    mark yet) and its insert, for an older message: this one still moves
    it forward."""
    conversation = start(member, drill)
    first = conversation.messages.get()
    second = services.message_send(actor=member, conversation=conversation, text="Hello?")
    real_get_or_create = ConversationRead.objects.get_or_create

    def made_meanwhile(**kwargs):
        ConversationRead.objects.create(conversation=conversation, user=owner,
                                        last_read_message=first)
        return real_get_or_create(**kwargs)

    monkeypatch.setattr(ConversationRead.objects, "get_or_create", made_meanwhile)
    assert services.conversation_mark_read(actor=owner, conversation=conversation,
                                           message_id=second.pk) == second.pk


def test_an_outsider_cannot_write(drill, member, outsider):
    conversation = start(member, drill)
    with pytest.raises(NotFound):
        services.message_send(actor=outsider, conversation=conversation, text="Hi")


def test_messages_page_back_in_fifties(drill, member, owner, settings):
    conversation = start(member, drill, "m0")
    Message.objects.bulk_create(Message(conversation=conversation, sender=owner,
                                        text=f"m{n}") for n in range(1, 60))
    newest = selectors.messages_page(conversation=conversation)
    assert [m.text for m in newest] == [f"m{n}" for n in range(10, 60)]
    older = selectors.messages_page(conversation=conversation, before_id=newest[0].pk)
    assert [m.text for m in older] == [f"m{n}" for n in range(10)]


# --- blocks ------------------------------------------------------------------

def test_a_blocked_person_cannot_start_a_conversation(drill, member, owner):
    services.block_create(actor=owner, user_id=member.pk)
    with pytest.raises(Forbidden) as refused:
        start(member, drill)
    assert str(refused.value.message) == (
        "You cannot message this person: they have blocked you.")
    assert not Conversation.objects.exists()


def test_the_blocker_cannot_start_one_either(drill, member, owner, period):
    booking = booking_request(actor=member, listing_id=drill.pk, start=period[0],
                              end=period[1])
    services.block_create(actor=member, user_id=owner.pk)
    with pytest.raises(Forbidden) as refused:
        start(member, drill)
    assert "You have blocked this person" in str(refused.value.message)
    with pytest.raises(Forbidden):
        services.conversation_start(actor=owner, booking_id=booking.pk, text="Hello?")


def test_a_block_stops_writing_in_a_shared_conversation_both_ways(
        drill, member, owner, django_capture_on_commit_callbacks):
    conversation = start(member, drill)
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.block_create(actor=owner, user_id=member.pk)
    assert received(channel) == [{"type": "access_revoked",
                                  "conversation": conversation.pk, "user": member.pk}]
    for person in (member, owner):
        with pytest.raises(Forbidden):
            services.message_send(actor=person, conversation=conversation, text="Hello?")
        with pytest.raises(Forbidden):
            services.typing_announce(actor=person, conversation=conversation)
    assert conversation.messages.count() == 1


def test_lifting_a_block_lets_them_write_again(drill, member, owner):
    conversation = start(member, drill)
    services.block_create(actor=owner, user_id=member.pk)
    services.block_create(actor=owner, user_id=member.pk)  # twice is once
    assert Block.objects.count() == 1
    assert [b.blocked for b in selectors.block_list(user=owner)] == [member]
    services.block_remove(actor=owner, user_id=member.pk)
    services.message_send(actor=member, conversation=conversation, text="Thanks")
    with pytest.raises(NotFound):
        services.block_remove(actor=owner, user_id=member.pk)


def test_nobody_blocks_themselves_or_someone_missing(owner):
    with pytest.raises(ValidationFailed):
        services.block_create(actor=owner, user_id=owner.pk)
    with pytest.raises(NotFound):
        services.block_create(actor=owner, user_id=owner.pk + 999)


def test_a_block_of_one_staff_member_stops_the_companys_conversation(company_room, member,
                                                                     outsider):
    conversation = start(member, company_room)
    services.block_create(actor=outsider, user_id=member.pk)
    with pytest.raises(Forbidden):
        services.message_send(actor=member, conversation=conversation, text="Hello?")


# --- read marks and unread counts -------------------------------------------

def test_unread_counts_what_others_wrote_after_the_read_mark(
        drill, member, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(member, drill)
    assert selectors.unread_total(user=owner) == 1
    assert selectors.unread_total(user=member) == 0
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.message_send(actor=owner, conversation=conversation, text="Yes")
        services.message_send(actor=owner, conversation=conversation, text="After 7")
    # Writing reads what came before.
    assert selectors.unread_total(user=owner) == 0
    assert selectors.unread_total(user=member) == 2
    services.conversation_mark_read(actor=member, conversation=conversation,
                                    message_id=reply.pk)
    assert selectors.unread_total(user=member) == 1
    [listed] = selectors.conversation_list(user=member)
    assert listed.unread == 1 and listed.last_message_text == "After 7"
    services.conversation_mark_read(actor=member, conversation=conversation)
    assert selectors.unread_total(user=member) == 0


def test_a_read_mark_only_moves_forward(drill, member, owner,
                                        django_capture_on_commit_callbacks):
    conversation = start(member, drill)
    first = conversation.messages.get()
    second = services.message_send(actor=member, conversation=conversation, text="Hello?")
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        at = services.conversation_mark_read(actor=owner, conversation=conversation,
                                             message_id=second.pk)
    assert at == second.pk
    assert received(channel) == [{"type": "read", "conversation": conversation.pk,
                                  "user": owner.pk, "message": second.pk}]
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        at = services.conversation_mark_read(actor=owner, conversation=conversation,
                                             message_id=first.pk)
    assert at == second.pk
    assert received(channel) == []
    assert selectors.read_marks(conversation=conversation)[owner.pk] == second.pk


def test_a_read_mark_names_a_message_of_the_conversation(drill, member, owner):
    conversation = start(member, drill)
    other = start(make_person("third@example.org", "Third"), drill)
    with pytest.raises(ValidationFailed):
        services.conversation_mark_read(actor=owner, conversation=conversation,
                                        message_id=other.messages.get().pk)


def test_typing_is_announced_and_not_stored(drill, member, owner,
                                            django_capture_on_commit_callbacks):
    conversation = start(member, drill)
    channel = listen(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.typing_announce(actor=owner, conversation=conversation)
    assert received(channel) == [{"type": "typing", "conversation": conversation.pk,
                                  "user": owner.pk, "name": "Owner Kim"}]
    assert conversation.messages.count() == 1


def test_the_inbox_is_newest_first_in_a_fixed_number_of_queries(
        drill, member, owner, django_assert_num_queries):
    for n in range(4):
        borrower = make_person(f"b{n}@example.org", f"Borrower {n}")
        start(borrower, drill, f"question {n}")
    start(member, drill, "latest")
    # Who manages what (2: memberships, companies), then the rows with
    # their unread counts and last messages (1).
    with django_assert_num_queries(3):
        listed = list(selectors.conversation_list(user=owner))
    assert [c.last_message_text for c in listed] == [
        "latest", "question 3", "question 2", "question 1", "question 0"]
    assert [c.unread for c in listed] == [1] * 5
