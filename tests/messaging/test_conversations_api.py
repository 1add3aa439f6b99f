"""The conversations API (shared/API.md): conversations, messages, read
marks, the unread count and blocks."""

import pytest

from messaging import services
from messaging.models import Block, Conversation, Message
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(drill, member):
    return services.conversation_start(actor=member, listing_id=drill.pk,
                                       text="Is it free on Saturday?")


def test_a_borrower_starts_a_conversation(api_as, drill, member, owner):
    answer = api_as(member).post("/api/v1/conversations/",
                                 {"listing": drill.pk, "text": "Free on Saturday?"})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["listing"] == {"id": drill.pk, "title": drill.title}
    assert body["borrower"] == {"id": member.pk, "name": "Member Lee"}
    assert body["booking"] is None and body["unread"] == 0
    assert body["last_message"]["text"] == "Free on Saturday?"
    again = api_as(member).post("/api/v1/conversations/", {"listing": drill.pk, "text": "Hi"})
    assert again.json()["id"] == body["id"]
    [listed] = api_as(owner).get("/api/v1/conversations/").json()["results"]
    assert listed["id"] == body["id"] and listed["unread"] == 2


def test_a_party_writes_about_a_booking(api_as, requested, owner):
    answer = api_as(owner).post("/api/v1/conversations/",
                                {"booking": requested.pk, "text": "Pick up at 7?"})
    assert answer.status_code == 201
    assert answer.json()["booking"] == requested.pk


@pytest.mark.parametrize("body", [
    {"text": "Hi"},  # about nothing
    {"listing": 1, "booking": 1, "text": "Hi"},
    {"listing": "drill", "text": "Hi"},
    {"listing": 1, "text": ""},
    {"listing": 1, "text": "x" * 2001},
    {"listing": 1},
])
def test_bad_input_is_400(api_as, member, body):
    answer = api_as(member).post("/api/v1/conversations/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_failed"


def test_an_unseen_listing_or_someone_elses_booking_is_404(api_as, outsider, requested):
    assert api_as(outsider).post("/api/v1/conversations/", {
        "booking": requested.pk, "text": "Hi"}).status_code == 404
    assert api_as(outsider).post("/api/v1/conversations/", {
        "listing": requested.listing_id + 999, "text": "Hi"}).status_code == 404


def test_anonymous_is_asked_to_sign_in(api, conversation):
    for method, url in [("get", "/api/v1/conversations/"),
                        ("post", "/api/v1/conversations/"),
                        ("get", f"/api/v1/conversations/{conversation.pk}/messages/"),
                        ("post", f"/api/v1/conversations/{conversation.pk}/messages/"),
                        ("post", f"/api/v1/conversations/{conversation.pk}/read/"),
                        ("get", "/api/v1/messages/unread/"),
                        ("get", "/api/v1/blocks/"), ("post", "/api/v1/blocks/"),
                        ("delete", "/api/v1/blocks/1/")]:
        answer = getattr(api, method)(url, {"text": "Hi"} if method == "post" else None)
        assert answer.status_code == 401, (method, url)
        assert answer.json()["code"] == "not_authenticated"


def test_participants_read_and_write_messages(api_as, conversation, owner):
    client = api_as(owner)
    sent = client.post(f"/api/v1/conversations/{conversation.pk}/messages/",
                       {"text": "  Yes, after 7.  "})
    assert sent.status_code == 201
    assert sent.json()["text"] == "Yes, after 7."
    assert sent.json()["sender"] == {"id": owner.pk, "name": "Owner Kim"}
    page = client.get(f"/api/v1/conversations/{conversation.pk}/messages/").json()
    assert [m["text"] for m in page["results"]] == ["Is it free on Saturday?", "Yes, after 7."]
    assert page["before"] is None


def test_older_messages_come_page_by_page(api_as, conversation, member):
    Message.objects.bulk_create(Message(conversation=conversation, sender=member,
                                        text=f"m{n}") for n in range(60))
    client = api_as(member)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    newest = client.get(url).json()
    assert len(newest["results"]) == 50 and newest["results"][-1]["text"] == "m59"
    older = client.get(url, {"before": newest["before"]}).json()
    assert [m["text"] for m in older["results"]] == [
        "Is it free on Saturday?", *[f"m{n}" for n in range(10)]]
    assert older["before"] is None
    assert client.get(url, {"before": "x"}).status_code == 400


def test_outsiders_do_not_find_a_conversation(api_as, conversation, outsider, staff):
    for person in (outsider, staff):
        client = api_as(person)
        base = f"/api/v1/conversations/{conversation.pk}"
        assert client.get(f"{base}/messages/").status_code == 404
        assert client.post(f"{base}/messages/", {"text": "Hi"}).status_code == 404
        assert client.post(f"{base}/read/", {}).status_code == 404
        assert client.get("/api/v1/conversations/").json()["results"] == []
    assert conversation.messages.count() == 1


def test_a_missing_conversation_is_404(api_as, member):
    assert api_as(member).get("/api/v1/conversations/999999/messages/").status_code == 404


def test_an_empty_message_is_400(api_as, conversation, member):
    answer = api_as(member).post(f"/api/v1/conversations/{conversation.pk}/messages/",
                                 {"text": "   "})
    assert answer.status_code == 400
    assert "text" in answer.json()["fields"]


def test_the_twenty_first_message_is_429_rate_limited(api_as, conversation, member):
    client = api_as(member)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    for n in range(19):
        assert client.post(url, {"text": f"m{n}"}).status_code == 201
    refused = client.post(url, {"text": "one more"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["detail"].startswith("You are sending messages too fast")
    assert conversation.messages.count() == 20


def test_read_marks_and_the_unread_count(api_as, conversation, member, owner):
    client = api_as(owner)
    assert client.get("/api/v1/messages/unread/").json() == {"unread": 1}
    answer = client.post(f"/api/v1/conversations/{conversation.pk}/read/", {})
    assert answer.status_code == 200
    assert answer.json() == {"conversation": conversation.pk,
                             "message": conversation.messages.get().pk}
    assert client.get("/api/v1/messages/unread/").json() == {"unread": 0}
    wrong = client.post(f"/api/v1/conversations/{conversation.pk}/read/",
                        {"message": 999999})
    assert wrong.status_code == 400 and "message" in wrong.json()["fields"]


def test_blocks_are_made_listed_and_lifted(api_as, conversation, member, owner):
    client = api_as(owner)
    made = client.post("/api/v1/blocks/", {"user": member.pk})
    assert made.status_code == 201
    assert made.json()["user"] == {"id": member.pk, "name": "Member Lee"}
    assert [b["user"]["id"] for b in client.get("/api/v1/blocks/").json()["results"]] == [
        member.pk]
    refused = api_as(member).post(f"/api/v1/conversations/{conversation.pk}/messages/",
                                  {"text": "Hello?"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You cannot message this person: they have blocked you."
    assert client.delete(f"/api/v1/blocks/{member.pk}/").status_code == 204
    assert client.delete(f"/api/v1/blocks/{member.pk}/").status_code == 404
    assert not Block.objects.exists()


def test_blocking_bad_input(api_as, owner):
    client = api_as(owner)
    assert client.post("/api/v1/blocks/", {"user": owner.pk}).status_code == 400
    assert client.post("/api/v1/blocks/", {"user": "x"}).status_code == 400
    assert client.post("/api/v1/blocks/", {"user": owner.pk + 999}).status_code == 404


def test_the_inbox_pins_its_query_count(api_as, drill, owner, django_assert_num_queries):
    for n in range(5):
        services.conversation_start(actor=make_person(f"b{n}@example.org", f"B {n}"),
                                    listing_id=drill.pk, text=f"question {n}")
    client = api_as(owner)
    client.get("/api/v1/conversations/")  # the session, warmed
    # Session and user (2), who manages what (2: memberships, companies),
    # the page's count and rows (2).
    with django_assert_num_queries(6):
        answer = client.get("/api/v1/conversations/")
    assert answer.json()["count"] == 5
    assert Conversation.objects.count() == 5


def test_the_block_list_pins_its_query_count(api_as, owner, django_assert_num_queries):
    for n in range(4):
        services.block_create(actor=owner,
                              user_id=make_person(f"p{n}@example.org", f"P {n}").pk)
    client = api_as(owner)
    client.get("/api/v1/blocks/")
    # Session and user (2), the page's count and rows with names (2).
    with django_assert_num_queries(4):
        answer = client.get("/api/v1/blocks/")
    assert [b["user"]["name"] for b in answer.json()["results"]] == ["P 3", "P 2", "P 1", "P 0"]
