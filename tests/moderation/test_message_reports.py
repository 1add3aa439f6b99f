"""Reporting a message (issue 17, point 4): a participant of its
conversation may; it goes to the queue of the community the booking was
made through, else to city staff's; those who handle it read the text.
To anyone else the message is not there."""

import pytest

from bookings.services.booking import booking_request
from community_rules.models import Community, Membership, Sanction
from marketplace.errors import NotFound
from messaging import services as messaging
from moderation.models import Report
from moderation.services import report_create, report_handle
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member, outsider):
    """A community `owner` runs, `member` and the lender `outsider` in it."""
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    Membership.objects.create(community=community, user=outsider, status="active")
    return community


@pytest.fixture
def rude(library, member, outsider):
    """A message `outsider` wrote about a booking `member` made through the library."""
    ladder = make_listing(outsider, title="Ladder")
    ladder.communities.add(library)
    booking = booking_request(actor=member, listing_id=ladder.pk, start=tomorrow_at(10),
                              end=tomorrow_at(14), community=library.slug)
    conversation = messaging.conversation_start(actor=member, booking_id=booking.pk,
                                                text="When can I pick it up?")
    return messaging.message_send(actor=outsider, conversation=conversation,
                                  text="Whenever, you pest.")


def _report(api_as, person, message):
    return api_as(person).post("/api/v1/reports/", {
        "target_type": "message", "target_id": message.pk, "reason": "Insulting"})


def test_a_participant_reports_a_message_to_the_communitys_queue(api_as, rude, member,
                                                                 owner, library):
    answer = _report(api_as, member, rude)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["community"] == "library"
    queue = api_as(owner).get("/api/v1/reports/", {"community": "library"}).json()
    [seen] = [r for r in queue if r["target_type"] == "message"]
    assert seen["message"]["text"] == "Whenever, you pest."
    assert seen["message"]["sender"]["id"] == rude.sender_id


def test_the_moderators_can_warn_the_writer(rude, member, owner, outsider, library):
    report = report_create(actor=member, target_type="message", target_id=rude.pk,
                           reason="Insulting")
    report_handle(actor=owner, report=report, outcome="warn")
    assert Sanction.objects.get(community=library).user == outsider


def test_a_message_outside_any_community_goes_to_city_staff(api_as, drill, member, owner,
                                                            staff):
    conversation = messaging.conversation_start(actor=member, listing_id=drill.pk,
                                                text="Hello")
    message = messaging.message_send(actor=owner, conversation=conversation, text="Go away")
    assert _report(api_as, member, message).json()["community"] is None
    queue = api_as(staff).get("/api/v1/reports/").json()
    assert [r["message"]["text"] for r in queue if r["target_type"] == "message"] == [
        "Go away"]


def test_an_outsider_cannot_report_a_message(api_as, rude, owner, staff):
    # owner moderates the community, but is not in the conversation.
    for person in (owner, staff):
        assert _report(api_as, person, rude).status_code == 404
    with pytest.raises(NotFound):
        report_create(actor=owner, target_type="message", target_id=rude.pk, reason="x")
    assert not Report.objects.exists()


def test_a_missing_message_is_404(api_as, member):
    answer = api_as(member).post("/api/v1/reports/", {
        "target_type": "message", "target_id": 999999, "reason": "Insulting"})
    assert answer.status_code == 404
