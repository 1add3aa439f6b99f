"""The messaging pages without JavaScript: inbox, one conversation (send,
read, block), starting one from a listing or a booking, the notifications
page and the header's bell."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory, TestCase

from messaging import selectors, services
from messaging.models import Block, Conversation, Message, Notification
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def conversation(drill, member):
    # As a request commits it: the message, then what follows from it (the
    # lender's notice, the writer's read mark).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.conversation_start(actor=member, listing_id=drill.pk,
                                           text="Can I pick it up at 7?")


def signed_in(client, person):
    client.force_login(person)
    return client


def html(response) -> str:
    return response.content.decode()


# --- who may see what -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/messages/", "/messages/{c}/", "/notifications/",
                                  "/messages/new/?listing={l}"])
def test_anonymous_is_sent_to_log_in(client, conversation, drill, path):
    response = client.get(path.format(c=conversation.pk, l=drill.pk), **EN)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outsider_is_told_the_conversation_is_not_there(client, conversation, outsider):
    signed_in(client, outsider)
    assert client.get(f"/messages/{conversation.pk}/", **EN).status_code == 404
    response = client.post(f"/messages/{conversation.pk}/send/", {"text": "Hi"}, **EN)
    assert response.status_code == 404
    assert client.post(f"/messages/{conversation.pk}/block/", **EN).status_code == 404
    assert Message.objects.count() == 1
    assert not Block.objects.exists()
    assert "Can I pick it up" not in html(client.get("/messages/", **EN))


def test_a_missing_conversation_is_a_404(client, member):
    signed_in(client, member)
    assert client.get("/messages/999999/", **EN).status_code == 404


# --- the inbox ----------------------------------------------------------------------


def test_inbox_shows_the_other_side_the_last_message_and_unread_count(
        client, conversation, owner, member, drill):
    signed_in(client, owner)
    page = html(client.get("/messages/", **EN))
    assert "Member Lee" in page
    assert drill.title in page
    assert "Can I pick it up at 7?" in page
    assert 'data-testid="conversation-unread">1 unread' in page

    signed_in(client, member)
    page = html(client.get("/messages/", **EN))
    assert "Owner Kim" in page
    assert "You:" in page
    assert 'data-testid="conversation-unread"' not in page


def test_inbox_lists_newest_activity_first(client, owner, member, outsider, drill):
    from tests.fixtures.bookings import make_listing

    tent = make_listing(owner, title="Family tent")
    services.conversation_start(actor=member, listing_id=drill.pk, text="About the drill")
    services.conversation_start(actor=outsider, listing_id=tent.pk, text="About the tent")
    page = html(signed_in(client, owner).get("/messages/", **EN))
    assert page.index("About the tent") < page.index("About the drill")


def test_inbox_is_paginated(client, owner, member):
    from tests.fixtures.bookings import make_listing

    for n in range(21):
        listing = make_listing(owner, title=f"Thing {n}")
        Conversation.objects.create(listing=listing, borrower=member)
    signed_in(client, member)
    first = html(client.get("/messages/", **EN))
    assert first.count('data-testid="conversation-row"') == 20
    assert "1 / 2" in first
    assert html(client.get("/messages/?page=2", **EN)).count(
        'data-testid="conversation-row"') == 1


# --- one conversation -----------------------------------------------------------------


def test_conversation_page_shows_history_and_marks_it_read(client, conversation, owner):
    assert selectors.unread_total(user=owner) == 1
    assert Notification.objects.filter(user=owner, read_at__isnull=True).count() == 1
    response = signed_in(client, owner).get(f"/messages/{conversation.pk}/", **EN)
    assert response.status_code == 200
    page = html(response)
    assert "Can I pick it up at 7?" in page
    assert 'data-testid="conversation-with">Member Lee' in page
    assert "js/conversation.js" in page
    assert selectors.unread_total(user=owner) == 0
    # The bell's "Member Lee wrote about…" for it is read too.
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def test_sending_through_the_form_stores_the_message(client, conversation, owner, member):
    response = signed_in(client, owner).post(f"/messages/{conversation.pk}/send/",
                                             {"text": "  Yes, after 7.  "}, **EN)
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/"
    message = Message.objects.latest("pk")
    assert (message.sender, message.text) == (owner, "Yes, after 7.")
    assert "Yes, after 7." in html(signed_in(client, member).get(response["Location"], **EN))


def test_an_empty_message_is_refused_with_the_reason(client, conversation, owner):
    response = signed_in(client, owner).post(f"/messages/{conversation.pk}/send/",
                                             {"text": "   "}, follow=True, **EN)
    assert "Write a message." in html(response)
    assert Message.objects.count() == 1


def test_read_mark_under_my_last_message_once_the_other_side_read_it(
        client, conversation, owner, member):
    signed_in(client, member)
    assert 'data-testid="read-mark"' not in html(client.get(f"/messages/{conversation.pk}/"))
    signed_in(client, owner).get(f"/messages/{conversation.pk}/")
    signed_in(client, member)
    page = html(client.get(f"/messages/{conversation.pk}/", **EN))
    assert 'data-testid="read-mark">✓ Read' in page


def test_older_messages_are_a_link_away(client, conversation, owner, member):
    Message.objects.bulk_create(Message(conversation=conversation, sender=member,
                                        text=f"Message number {n}") for n in range(60))
    signed_in(client, owner)
    page = html(client.get(f"/messages/{conversation.pk}/", **EN))
    assert page.count('data-testid="message"') == 50
    assert "Message number 59" in page and "Can I pick it up" not in page
    assert 'data-testid="older-messages"' in page
    oldest_shown = Message.objects.filter(conversation=conversation).order_by("-pk")[49].pk
    older = html(client.get(f"/messages/{conversation.pk}/?before={oldest_shown}", **EN))
    assert older.count('data-testid="message"') == 11
    assert "Can I pick it up at 7?" in older
    assert "js/conversation.js" not in older


# --- starting a conversation ------------------------------------------------------------


def test_listing_page_offers_to_message_the_lender_to_others_only(client, drill, owner, member):
    assert 'data-testid="message-lender"' in html(
        signed_in(client, member).get(f"/listings/{drill.pk}/", **EN))
    assert 'data-testid="message-lender"' not in html(
        signed_in(client, owner).get(f"/listings/{drill.pk}/", **EN))


def test_starting_from_a_listing(client, drill, member):
    signed_in(client, member)
    form = client.get(f"/messages/new/?listing={drill.pk}", **EN)
    assert form.status_code == 200
    assert "Message Owner Kim" in html(form)
    response = client.post("/messages/new/", {"listing": drill.pk, "text": "Is it free Sunday?"},
                           **EN)
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/"
    assert (conversation.listing, conversation.borrower) == (drill, member)
    assert conversation.messages.get().text == "Is it free Sunday?"


def test_a_listing_the_person_cannot_see_is_not_there(client, outsider, owner):
    from tests.fixtures.bookings import make_listing

    draft = make_listing(owner, title="Unfinished", status="draft")
    signed_in(client, outsider)
    assert client.get(f"/messages/new/?listing={draft.pk}", **EN).status_code == 404
    assert client.get("/messages/new/", **EN).status_code == 404


def test_booking_page_offers_each_side_to_message_the_other(client, requested, owner, member):
    borrower_page = html(signed_in(client, member).get(f"/bookings/{requested.pk}/", **EN))
    assert 'data-testid="message-lender"' in borrower_page
    lender_page = html(signed_in(client, owner).get(f"/bookings/{requested.pk}/", **EN))
    assert 'data-testid="message-borrower"' in lender_page
    assert "Message Member Lee" in html(client.get(f"/messages/new/?booking={requested.pk}",
                                                   **EN))

    response = client.post("/messages/new/", {"booking": requested.pk, "text": "See you at 10"},
                           **EN)
    conversation = Conversation.objects.get(booking=requested)
    assert response["Location"] == f"/messages/{conversation.pk}/"
    assert conversation.messages.get().sender == owner


def test_an_outsider_cannot_write_about_a_booking(client, requested, outsider):
    signed_in(client, outsider)
    assert client.get(f"/messages/new/?booking={requested.pk}", **EN).status_code == 404
    assert client.post("/messages/new/", {"booking": requested.pk, "text": "Hi"},
                       **EN).status_code == 404
    assert not Message.objects.exists()


# --- blocking ---------------------------------------------------------------------------


def test_blocking_stops_both_sides_and_says_so_plainly(client, conversation, drill, owner,
                                                       member):
    signed_in(client, member)
    page = html(client.get(f"/messages/{conversation.pk}/", **EN))
    assert "Block Owner Kim" in page
    response = client.post(f"/messages/{conversation.pk}/block/", {"action": "block"},
                           follow=True, **EN)
    assert Block.objects.filter(blocker=member, blocked=owner).exists()
    page = html(response)
    assert "You blocked Owner Kim" in page
    assert "Unblock Owner Kim" in page
    assert 'data-testid="message-input"' not in page

    # The blocked lender is told plainly, on the page and when they try.
    signed_in(client, owner)
    page = html(client.get(f"/messages/{conversation.pk}/", **EN))
    assert "you have been blocked" in page
    response = client.post(f"/messages/{conversation.pk}/send/", {"text": "Hello?"},
                           follow=True, **EN)
    assert "You cannot message this person: they have blocked you." in html(response)
    assert Message.objects.count() == 1

    # The one who blocked cannot start a new one either, until they unblock.
    signed_in(client, member)
    response = client.post("/messages/new/", {"listing": drill.pk, "text": "Me again"}, **EN)
    assert response.status_code == 403
    assert "You have blocked this person: unblock them to message them." in html(response)
    client.post(f"/messages/{conversation.pk}/block/", {"action": "unblock"}, **EN)
    assert not Block.objects.exists()
    client.post(f"/messages/{conversation.pk}/send/", {"text": "Sorry, wrong button"}, **EN)
    assert Message.objects.count() == 2


def test_the_lender_side_blocks_the_borrower(client, conversation, owner, member):
    signed_in(client, owner)
    assert "Block Member Lee" in html(client.get(f"/messages/{conversation.pk}/", **EN))
    client.post(f"/messages/{conversation.pk}/block/", {"action": "block"}, **EN)
    assert Block.objects.filter(blocker=owner, blocked=member).exists()


# --- notifications and the bell ---------------------------------------------------------


def test_bell_shows_the_unread_count(client, conversation, owner, member):
    page = html(signed_in(client, owner).get("/", **EN))
    assert 'class="badge" data-bell-count data-testid="bell-count">1</span>' in page
    assert "js/bell.js" in page
    assert 'class="visually-hidden" data-bell-count data-testid="bell-count">0</span>' in html(
        signed_in(client, member).get("/", **EN))
    assert 'data-testid="nav-bell"' not in html(client.logout() or client.get("/", **EN))


def test_bell_costs_one_query_however_much_is_waiting(conversation, owner, member,
                                                     django_assert_max_num_queries):
    Notification.objects.bulk_create(Notification(user=owner, kind="booking_requested",
                                                  data={"listing_title": "Drill"}, url="/")
                                     for _n in range(30))
    request = RequestFactory().get("/")
    request.user = owner
    template = Template("{% load messaging_tags %}{% unread_notifications as n %}{{ n }}")
    with django_assert_max_num_queries(1):
        assert template.render(Context({"request": request})) == "31"


def test_the_header_adds_one_query_to_a_page(client, owner, member, drill,
                                             django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, owner)
    client.get("/", **EN)  # the session is warm
    with CaptureQueriesContext(connection) as before:
        client.get("/", **EN)
    assert len([q for q in before if "messaging_" in q["sql"]]) == 1
    # However many conversations and notifications wait, no more queries.
    for n in range(5):  # five conversations, each with its notice
        tool = make_listing(owner, title=f"Tool {n}")
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.conversation_start(actor=member, listing_id=tool.pk, text=f"Question {n}")
    with django_assert_max_num_queries(len(before)):
        page = html(client.get("/", **EN))
    assert 'class="badge" data-bell-count data-testid="bell-count">5</span>' in page


def test_notifications_page_lists_and_opens_them(client, conversation, owner, drill):
    signed_in(client, owner)
    page = html(client.get("/notifications/", **EN))
    assert page.count('data-testid="notification"') == 1
    assert 'data-testid="notification-unread"' in page
    notification = Notification.objects.get(user=owner)
    response = client.post(f"/notifications/{notification.pk}/open/", **EN)
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_only_the_owner_opens_a_notification(client, conversation, owner, outsider):
    notification = Notification.objects.get(user=owner)
    signed_in(client, outsider)
    assert client.post(f"/notifications/{notification.pk}/open/", **EN).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(client, conversation, owner):
    Notification.objects.create(user=owner, kind="booking_requested",
                                data={"listing_title": "Drill"}, url="/")
    signed_in(client, owner)
    response = client.post("/notifications/read-all/", follow=True, **EN)
    assert "All your notifications are marked read." in html(response)
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    assert 'class="visually-hidden" data-bell-count data-testid="bell-count">0</span>' in html(response)


def test_a_notification_pointing_elsewhere_opens_the_list(client, owner):
    notification = Notification.objects.create(user=owner, kind="booking_requested",
                                               data={}, url="https://evil.example/")
    signed_in(client, owner)
    response = client.post(f"/notifications/{notification.pk}/open/", **EN)
    assert response["Location"] == "/notifications/"


@pytest.mark.parametrize("path", ["/messages/", "/notifications/"])
def test_list_pages_cost_the_same_however_long_they_are(client, owner, member, path,
                                                       django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.fixtures.bookings import make_listing

    def add(n):
        for i in range(n):
            listing = make_listing(owner, title=f"Thing {path} {i}")
            with TestCase.captureOnCommitCallbacks(execute=True):
                services.conversation_start(actor=member, listing_id=listing.pk, text=f"Hi {i}")

    add(1)
    signed_in(client, owner)
    client.get(path, **EN)
    with CaptureQueriesContext(connection) as one:
        client.get(path, **EN)
    add(9)
    with django_assert_max_num_queries(len(one)):
        response = client.get(path, **EN)
    assert response.status_code == 200
    row = {"/messages/": 'data-testid="conversation-row"',
           "/notifications/": 'data-testid="notification"'}[path]
    assert html(response).count(row) == 10
