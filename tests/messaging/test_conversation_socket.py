"""`/ws/conversations/<id>/` through the real router (marketplace.asgi), on
a real Redis channel layer and a transactional database: who may open it,
what travels both ways, the abuse limits, frames that make no sense, and
the socket closing on someone who loses the right to it."""

import asyncio

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import CompanyStaff
from accounts.services import company_create, company_staff_remove
from community_rules.models import Community, Membership
from community_rules.services import member_ban, member_remove, member_suspend, membership_change
from listings.services.listing import listing_update
from marketplace.asgi import application
from messaging import services, socket_rights
from messaging.models import MAX_MESSAGE_LENGTH, Block, Conversation, Message, Notification
from messaging.notification_services import notifications_mark_all_read
from messaging.services import RATE_LIMIT, RATE_WINDOW
from tests.accounts.staff import staff_add
from tests.conftest import PASSWORD
from tests.fixtures.bookings import make_listing

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://testserver")
ENGLISH = (b"accept-language", b"en")
CLOSE_NOT_AUTHENTICATED, CLOSE_NOT_ALLOWED, CLOSE_NOT_FOUND = 4401, 4403, 4404


_opened: list[WebsocketCommunicator] = []


@pytest_asyncio.fixture(autouse=True)
async def _every_socket_shut():
    """Each socket a test opened is disconnected at its end, those the
    server refused or closed too: their consumers stop (no receive left
    waiting on Redis when the test's event loop closes), and one that
    crashed fails the test."""
    yield
    opened = list(_opened)
    _opened.clear()
    for communicator in opened:
        await communicator.disconnect(timeout=5)


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def app_token_for(user) -> str:
    response = Client().post("/_allauth/app/v1/auth/login",
                             {"email": user.email, "password": PASSWORD},
                             content_type="application/json")
    return response.json()["meta"]["session_token"]


async def connect(user, conversation_id: int, *, headers=None, query: str = ""):
    """(communicator, connected, close code) for `user` (None: nobody) on
    the conversation's socket, as a browser: own Origin, session cookie,
    English."""
    if headers is None:
        headers = [ORIGIN, ENGLISH]
        if user is not None:
            headers.append((b"cookie", await sync_to_async(session_cookie_for)(user)))
    communicator = WebsocketCommunicator(
        application, f"/ws/conversations/{conversation_id}/{query}", headers=headers)
    _opened.append(communicator)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def connected(user, conversation_id: int) -> WebsocketCommunicator:
    communicator, ok, code = await connect(user, conversation_id)
    assert ok, f"{user} was refused ({code})"
    return communicator


async def closed_with(communicator) -> int | None:
    """The code the server closed the socket with (None: it sent something
    else first)."""
    output = await communicator.receive_output(timeout=5)
    return output.get("code") if output["type"] == "websocket.close" else None


async def drained(communicator) -> list[dict]:
    """Every frame the socket has been sent, until it is quiet a moment."""
    frames = []
    while not await communicator.receive_nothing(timeout=0.2):
        frames.append(await communicator.receive_json_from())
    return frames


start = database_sync_to_async(
    lambda actor, listing, text="Is it free on Saturday?":
    services.conversation_start(actor=actor, listing_id=listing.pk, text=text))


@database_sync_to_async
def texts(conversation) -> list[str]:
    return list(Message.objects.filter(conversation=conversation).order_by("pk")
                .values_list("text", flat=True))


@pytest.fixture
def chat(drill, member):
    """The borrower's question about the owner's drill."""
    return services.conversation_start(actor=member, listing_id=drill.pk,
                                       text="Is it free on Saturday?")


# --- who may open it -----------------------------------------------------------


async def test_an_anonymous_socket_is_refused(redis_layer, chat):
    _communicator, ok, code = await connect(None, chat.pk)
    assert (ok, code) == (False, CLOSE_NOT_AUTHENTICATED)


async def test_a_foreign_origin_is_refused_even_for_a_participant(redis_layer, chat, member):
    cookie = await sync_to_async(session_cookie_for)(member)
    for origin in (b"https://evil.example", b"null"):
        _communicator, ok, _code = await connect(
            member, chat.pk, headers=[(b"origin", origin), (b"cookie", cookie)])
        assert not ok, origin


async def test_someone_who_takes_no_part_is_refused_as_for_nothing(redis_layer, chat, outsider,
                                                                   staff):
    # City staff see bookings, but not conversations; a conversation that
    # does not exist answers the same.
    for person, conversation_id in ((outsider, chat.pk), (staff, chat.pk),
                                    (outsider, chat.pk + 1000)):
        _communicator, ok, code = await connect(person, conversation_id)
        assert (ok, code) == (False, CLOSE_NOT_FOUND), person


async def test_the_participants_are_accepted_by_cookie_or_app_token(redis_layer, chat, member,
                                                                    owner):
    for person in (member, owner):
        communicator = await connected(person, chat.pk)
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
    # An app sends no Origin, only its token.
    token = await sync_to_async(app_token_for)(owner)
    communicator, ok, _code = await connect(owner, chat.pk, headers=[], query=f"?token={token}")
    assert ok
    await communicator.disconnect()
    _communicator, ok, _code = await connect(owner, chat.pk, headers=[], query="?token=bogus")
    assert not ok


# --- messages, typing, read marks ----------------------------------------------------


async def test_a_message_sent_over_the_socket_reaches_both_sides_and_is_stored_once(
        redis_layer, chat, member, owner):
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)

    await borrower.send_json_to({"type": "message", "text": "  Can I pick it up at 7?  "})
    for communicator in (lender, borrower):
        event = await communicator.receive_json_from(timeout=5)
        assert event["type"] == "message" and event["conversation"] == chat.pk
        assert (event["message"]["text"], event["message"]["sender"]) == (
            "Can I pick it up at 7?", {"id": member.pk, "name": "Member Lee"})
        assert await communicator.receive_nothing(timeout=0.3)
    assert await texts(chat) == ["Is it free on Saturday?", "Can I pick it up at 7?"]
    stored = await database_sync_to_async(Message.objects.get)(text="Can I pick it up at 7?")
    assert stored.pk == event["message"]["id"] and stored.sender_id == member.pk

    # And back the other way.
    await lender.send_json_to({"type": "message", "text": "Yes, after 7."})
    assert (await borrower.receive_json_from(timeout=5))["message"]["text"] == "Yes, after 7."
    assert (await lender.receive_json_from(timeout=5))["message"]["sender"]["id"] == owner.pk
    for communicator in (borrower, lender):
        await communicator.disconnect()


async def test_a_message_posted_through_the_api_reaches_the_open_sockets(redis_layer, chat,
                                                                         member, owner):
    lender = await connected(owner, chat.pk)
    borrower = await connected(member, chat.pk)

    def post():
        client = APIClient()
        client.force_login(member)
        return client.post(f"/api/v1/conversations/{chat.pk}/messages/",
                           {"text": "Sent from the app"}, format="json")

    response = await sync_to_async(post)()
    assert response.status_code == 201
    for communicator in (lender, borrower):
        event = await communicator.receive_json_from(timeout=5)
        assert event["type"] == "message"
        assert event["message"]["id"] == response.json()["id"]
        assert event["message"]["text"] == "Sent from the app"
    assert await texts(chat) == ["Is it free on Saturday?", "Sent from the app"]
    for communicator in (lender, borrower):
        await communicator.disconnect()


async def test_typing_reaches_the_other_side_only(redis_layer, chat, member, owner):
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)

    await borrower.send_json_to({"type": "typing"})
    assert await lender.receive_json_from(timeout=5) == {
        "type": "typing", "conversation": chat.pk, "user": member.pk, "name": "Member Lee"}
    assert await borrower.receive_nothing(timeout=0.3)
    assert await texts(chat) == ["Is it free on Saturday?"]  # nothing stored
    for communicator in (borrower, lender):
        await communicator.disconnect()


async def test_a_read_mark_reaches_the_other_side(redis_layer, chat, member, owner):
    question = await database_sync_to_async(Message.objects.get)(conversation=chat)
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)

    await lender.send_json_to({"type": "read", "message": question.pk})
    assert await borrower.receive_json_from(timeout=5) == {
        "type": "read", "conversation": chat.pk, "user": owner.pk, "message": question.pk}
    # Read again: the mark does not move, nobody is told.
    await lender.send_json_to({"type": "read"})
    assert await borrower.receive_nothing(timeout=0.3)
    for communicator in (borrower, lender):
        await communicator.disconnect()


# --- abuse limits -------------------------------------------------------------------


async def test_the_rate_limit_answers_an_error_frame_and_stores_nothing(redis_layer, chat,
                                                                        member, owner):
    assert (RATE_LIMIT, RATE_WINDOW) == (20, 10)  # issue 17: 20 messages per 10 seconds
    borrower = await connected(member, chat.pk)
    # The question that started the conversation counted already.
    for n in range(2, RATE_LIMIT + 1):
        await borrower.send_json_to({"type": "message", "text": f"Message {n}"})
        assert (await borrower.receive_json_from(timeout=5))["message"]["text"] == f"Message {n}"

    await borrower.send_json_to({"type": "message", "text": "One too many"})
    error = await borrower.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "rate_limited")
    assert "too fast" in error["detail"]
    assert len(await texts(chat)) == RATE_LIMIT
    assert "One too many" not in await texts(chat)
    # The socket stays open: typing still goes through to the other side.
    lender = await connected(owner, chat.pk)
    await borrower.send_json_to({"type": "typing"})
    assert (await lender.receive_json_from(timeout=5))["type"] == "typing"
    for communicator in (borrower, lender):
        await communicator.disconnect()


async def test_a_blocked_person_cannot_write(redis_layer, chat, member, owner):
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)
    # The block stands, though the push that closes the socket never came
    # (the channel layer was down when it was made).
    await database_sync_to_async(Block.objects.create)(blocker=owner, blocked=member)

    await borrower.send_json_to({"type": "message", "text": "Hello?"})
    error = await borrower.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "forbidden")
    assert "blocked you" in error["detail"]
    await borrower.send_json_to({"type": "typing"})
    assert (await borrower.receive_json_from(timeout=5))["code"] == "forbidden"
    # Neither does the one who blocked.
    await lender.send_json_to({"type": "message", "text": "Go away"})
    assert (await lender.receive_json_from(timeout=5))["code"] == "forbidden"
    assert await lender.receive_nothing(timeout=0.3)
    assert await texts(chat) == ["Is it free on Saturday?"]
    for communicator in (borrower, lender):
        await communicator.disconnect()


async def test_blocking_closes_the_blocked_persons_socket_and_keeps_it_closed(
        redis_layer, chat, member, owner):
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)

    def block():
        client = APIClient()
        client.force_login(owner)
        return client.post("/api/v1/blocks/", {"user": member.pk}, format="json")

    assert (await sync_to_async(block)()).status_code == 201
    assert await closed_with(borrower) == CLOSE_NOT_ALLOWED
    # The blocker's socket stays open; the blocked one cannot come back.
    assert await lender.receive_nothing(timeout=0.3)
    _communicator, ok, code = await connect(member, chat.pk)
    assert (ok, code) == (False, CLOSE_NOT_ALLOWED)
    await lender.disconnect()

    # Once the block is lifted, they may open it again.
    await database_sync_to_async(services.block_remove)(actor=owner, user_id=member.pk)
    borrower = await connected(member, chat.pk)
    await borrower.disconnect()


async def test_a_block_both_ways_keeps_both_out_whoever_blocked_first(
        redis_layer, chat, member, owner):
    await database_sync_to_async(services.block_create)(actor=member, user_id=owner.pk)
    await database_sync_to_async(services.block_create)(actor=owner, user_id=member.pk)
    for person in (member, owner):
        _communicator, ok, code = await connect(person, chat.pk)
        assert (ok, code) == (False, CLOSE_NOT_ALLOWED), person


async def test_a_message_on_an_open_socket_names_the_listing_as_it_is_now(
        redis_layer, chat, drill, member, owner):
    borrower = await connected(member, chat.pk)
    await database_sync_to_async(notifications_mark_all_read)(actor=owner)  # the question seen
    await database_sync_to_async(listing_update)(actor=owner, listing=drill,
                                                 title="Cordless drill, two batteries")
    await borrower.send_json_to({"type": "message", "text": "Still free on Saturday?"})
    assert (await borrower.receive_json_from(timeout=5))["type"] == "message"
    told = await database_sync_to_async(
        lambda: Notification.objects.filter(user=owner).latest("pk").data)()
    assert told["listing_title"] == "Cordless drill, two batteries"


async def test_a_socket_whose_conversation_is_gone_is_closed(redis_layer, chat, member):
    borrower = await connected(member, chat.pk)
    await database_sync_to_async(lambda: Conversation.objects.filter(pk=chat.pk).delete())()
    await borrower.send_json_to({"type": "message", "text": "Hello?"})
    assert await closed_with(borrower) == CLOSE_NOT_ALLOWED


# --- losing the right to a conversation -------------------------------------------------


@pytest.fixture
def company_room(owner, outsider):
    """A share company's room; `outsider` is on its staff with `owner`."""
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=company, email=outsider.email)
    return make_listing(owner, title="Meeting room", company=company)


async def test_leaving_the_company_closes_the_socket_on_its_conversations(
        redis_layer, company_room, member, owner, outsider):
    chat = await start(member, company_room)
    colleague = await connected(outsider, chat.pk)
    admin = await connected(owner, chat.pk)
    borrower = await connected(member, chat.pk)

    await database_sync_to_async(company_staff_remove)(
        actor=owner, company=company_room.company, user=outsider)
    assert await closed_with(colleague) == CLOSE_NOT_ALLOWED
    _communicator, ok, code = await connect(outsider, chat.pk)
    assert (ok, code) == (False, CLOSE_NOT_FOUND)
    # The others stay, and go on talking without them.
    await borrower.send_json_to({"type": "message", "text": "Still there?"})
    assert (await admin.receive_json_from(timeout=5))["message"]["text"] == "Still there?"
    for communicator in (admin, borrower):
        await communicator.disconnect()


async def test_rights_lost_without_a_word_close_the_socket_at_the_next_recheck(
        redis_layer, monkeypatch, company_room, member, owner, outsider):
    """Taken off the staff where no service tells the sockets (the admin
    site, a script): the process's re-check of its open sockets finds it."""
    monkeypatch.setattr(socket_rights, "RECHECK_SECONDS", 0.3)
    chat = await start(member, company_room)
    colleague = await connected(outsider, chat.pk)
    borrower = await connected(member, chat.pk)
    await database_sync_to_async(
        lambda: CompanyStaff.objects.filter(user=outsider).delete())()
    assert await closed_with(colleague) == CLOSE_NOT_ALLOWED
    # The borrower's socket is checked too, and stays.
    assert await borrower.receive_nothing(timeout=1)
    await borrower.send_json_to({"type": "message", "text": "Anyone?"})
    assert (await borrower.receive_json_from(timeout=5))["message"]["text"] == "Anyone?"


async def test_one_socket_that_cannot_be_closed_does_not_stop_the_recheck(
        redis_layer, monkeypatch, chat, member, owner):
    """Both lose the right at once (blocks made in the admin site); closing
    the first fails (its connection already gone): the second is still
    closed, and the process goes on re-checking."""
    monkeypatch.setattr(socket_rights, "RECHECK_SECONDS", 0.3)
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)
    watched = [c for sockets in socket_rights._watched.values() for c in sockets]
    first = next(c for c in watched if c.user.pk == member.pk)

    async def gone():  # what the server raises for a connection that is gone
        raise ConnectionError("connection lost")

    monkeypatch.setattr(first, "lost_rights", gone)
    await database_sync_to_async(lambda: (Block.objects.create(blocker=member, blocked=owner),
                                          Block.objects.create(blocker=owner, blocked=member)))()
    assert await closed_with(lender) == CLOSE_NOT_ALLOWED
    # A newcomer is re-checked as before.
    newcomer = await connect(member, chat.pk)
    assert newcomer[1:] == (False, CLOSE_NOT_ALLOWED)
    await borrower.disconnect()


async def test_a_socket_whose_application_is_cancelled_is_no_longer_rechecked(
        redis_layer, chat, member):
    borrower = await connected(member, chat.pk)
    assert any(sockets for sockets in socket_rights._watched.values())
    _opened.remove(borrower)  # nothing left to disconnect
    borrower.future.cancel()  # as the server does on shutdown or a timeout
    with pytest.raises(asyncio.CancelledError):
        await borrower.future
    assert not any(sockets for sockets in socket_rights._watched.values())


@pytest.fixture
def library_saw(owner, outsider):
    """A community's own saw; `outsider` moderates the community."""
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=outsider, role="moderator",
                              status="active")
    return make_listing(owner, title="Library saw", owner_community=library)


def _demote(owner, community, moderator):
    membership_change(actor=owner, membership=community.memberships.get(user=moderator),
                      role="member")


def _remove(owner, community, moderator):
    member_remove(actor=owner, membership=community.memberships.get(user=moderator))


def _ban(owner, community, moderator):
    member_ban(actor=owner, community=community, user=moderator, reason="Rude")


def _suspend(owner, community, moderator):
    member_suspend(actor=owner, community=community, user=moderator, reason="A break")


@pytest.mark.parametrize("change", [_demote, _remove, _ban, _suspend],
                         ids=["demoted", "removed", "banned", "suspended"])
async def test_a_moderator_who_stops_moderating_is_closed_out(
        redis_layer, library_saw, member, owner, outsider, change):
    chat = await start(member, library_saw)
    moderator = await connected(outsider, chat.pk)
    other_owner = await connected(owner, chat.pk)

    await database_sync_to_async(change)(owner, library_saw.owner_community, outsider)
    assert await closed_with(moderator) == CLOSE_NOT_ALLOWED
    assert await other_owner.receive_nothing(timeout=0.3)
    _communicator, ok, code = await connect(outsider, chat.pk)
    assert (ok, code) == (False, CLOSE_NOT_FOUND)
    await other_owner.disconnect()


async def test_a_change_that_keeps_the_right_keeps_the_socket_open(redis_layer, library_saw,
                                                                   member, owner, outsider):
    chat = await start(member, library_saw)
    moderator = await connected(outsider, chat.pk)
    # Made an owner: still answers for the saw.
    await database_sync_to_async(lambda: membership_change(
        actor=owner, membership=library_saw.owner_community.memberships.get(user=outsider),
        role="owner"))()
    assert await moderator.receive_nothing(timeout=0.5)
    await moderator.send_json_to({"type": "message", "text": "Still here"})
    assert (await moderator.receive_json_from(timeout=5))["message"]["text"] == "Still here"
    await moderator.disconnect()


# --- frames that make no sense ---------------------------------------------------------


async def test_malformed_frames_answer_an_error_and_the_socket_stays_usable(
        redis_layer, chat, member, owner):
    borrower = await connected(member, chat.pk)
    lender = await connected(owner, chat.pk)
    frames = [
        {"text_data": "not json"},
        {"text_data": "[" * 5000 + "]" * 5000},  # nested deeper than the parser goes
        {"text_data": "[1, 2]"},
        {"text_data": '"message"'},
        {"text_data": "null"},
        {"bytes_data": b"\x00\x01binary"},
        {"text_data": '{"type": "dance"}'},
        {"text_data": '{"text": "no type"}'},
        {"text_data": '{"type": ["message"]}'},
        {"text_data": '{"type": "message"}'},
        {"text_data": '{"type": "message", "text": 5}'},
        {"text_data": '{"type": "message", "text": {"nested": "object"}}'},
        {"text_data": '{"type": "message", "text": "   "}'},
        {"text_data": '{"type": "message", "text": "%s"}' % ("x" * (MAX_MESSAGE_LENGTH + 1))},
        {"text_data": '{"type": "message", "text": "%s"}' % ("x" * 1_000_000)},
    ]
    for frame in frames:
        await borrower.send_to(**frame)
        answer = await borrower.receive_json_from(timeout=5)
        assert answer["type"] == "error", (str(frame)[:80], answer)
        assert answer["code"] in ("not_supported", "validation_failed", "too_large"), answer
    # Read marks naming no message of this conversation: refused, or taken
    # as "up to the newest"; never a crash.
    for message in ('"abc"', "true", "-1", "0", str(10**30), "1.5", "99999999"):
        await lender.send_to(text_data=f'{{"type": "read", "message": {message}}}')
        for answer in await drained(lender):
            assert answer["type"] == "read" or answer["code"] == "validation_failed", answer
    await drained(borrower)

    assert await texts(chat) == ["Is it free on Saturday?"]
    await borrower.send_json_to({"type": "message", "text": "Sorry, my app is broken"})
    assert (await lender.receive_json_from(timeout=5))["message"]["text"] == (
        "Sorry, my app is broken")
    assert (await borrower.receive_json_from(timeout=5))["type"] == "message"
    for communicator in (borrower, lender):
        await communicator.disconnect()


async def test_error_frames_speak_the_sockets_language(redis_layer, chat, member):
    cookie = await sync_to_async(session_cookie_for)(member)
    # The language cookie first, as for pages; else the browser's language.
    for headers, expected in (
            ([ORIGIN, (b"cookie", cookie), (b"accept-language", b"ko-KR,ko;q=0.9")], "ko"),
            ([ORIGIN, (b"cookie", cookie + b"; django_language=ko"), ENGLISH], "ko"),
            ([ORIGIN, (b"cookie", cookie), ENGLISH], "en")):
        communicator, ok, _code = await connect(member, chat.pk, headers=headers)
        assert ok
        await communicator.send_json_to({"type": "message", "text": ""})
        error = await communicator.receive_json_from(timeout=5)
        assert error["fields"]["text"] == [
            "메시지를 적어 주세요." if expected == "ko" else "Write a message."], headers
        await communicator.disconnect()


async def test_a_socket_that_crashes_leaves_its_groups(memory_layer, chat, member, monkeypatch):
    """A crash skips disconnect: the socket still leaves its conversation's
    group (else its process would keep a subscription and a queue for a
    socket that is gone)."""
    from channels.layers import get_channel_layer

    from messaging import conversation_socket
    from messaging.groups import conversation_group

    async def crash(*args, **kwargs):
        raise RuntimeError("a bug in the consumer")

    borrower = await connected(member, chat.pk)
    group = conversation_group(chat.pk)
    assert get_channel_layer().groups.get(group)
    monkeypatch.setattr(conversation_socket, "_act", crash)
    await borrower.send_json_to({"type": "message", "text": "At 7?"})
    with pytest.raises(RuntimeError, match="a bug in the consumer"):
        await borrower.receive_output(timeout=5)
    _opened.remove(borrower)
    assert not get_channel_layer().groups.get(group)
