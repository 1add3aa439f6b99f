"""Moderation holds (issue 14, point 4): a listing hidden from a report
queue is on hold; only a moderator of that community or city staff lifts
it, its lender cannot simply put it back up, and its managers see why."""

import html as html_text

import pytest
from django.db import IntegrityError, transaction

from bookings.services.booking import booking_request
from community_rules.models import Community, Membership, ModerationLog
from listings.models import Listing
from listings.search import listing_search, parse_listing_query
from listings.selectors import Viewer
from listings.services.listing import listing_hide, listing_unhide, listing_update
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from moderation.services import report_create, report_handle
from tests.conftest import make_person
from tests.fixtures.bookings import tomorrow_at

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HELD_MESSAGE = ("This listing is on hold: the moderators of Mapo Circle hid it (“Counterfeit "
                "brand”). Only they or city staff can lift the hold; until then it cannot be "
                "made active.")


@pytest.fixture
def ladder(make_listing, member, community):
    """`member` lends a ladder in Mapo Circle, which `owner` moderates."""
    return make_listing(actor=member, title="Ladder", visibility="communities",
                        communities=["mapo-circle"])


@pytest.fixture
def held(ladder, owner, member, community):
    """The ladder, hidden by `owner` from Mapo Circle's report queue."""
    report = report_create(actor=owner, target_type="listing", target_id=ladder.pk,
                           reason="Counterfeit brand")
    report_handle(actor=owner, report=report, outcome="hide_listing")
    ladder.refresh_from_db()
    return ladder


def test_hiding_from_the_queue_puts_the_listing_on_hold(held, owner, community):
    assert held.status == "paused" and held.is_held
    assert (held.held_by, held.held_in, held.held_reason) == (owner, community,
                                                              "Counterfeit brand")
    entry = ModerationLog.objects.get(action="listing_hidden")
    assert (entry.community, entry.actor, entry.reason) == (community, owner,
                                                            "Counterfeit brand")


def test_the_lender_cannot_put_a_hidden_listing_back_up(held, member):
    with pytest.raises(ValidationFailed) as refused:
        listing_update(actor=member, listing=held, status="active")
    assert refused.value.extra["fields"] == {"status": [HELD_MESSAGE]}
    held.refresh_from_db()
    assert held.status == "paused"
    # Other changes go through: the lender may fix what was wrong.
    listing_update(actor=member, listing=held, title="Ladder (genuine)")
    held.refresh_from_db()
    assert (held.title, held.status, held.is_held) == ("Ladder (genuine)", "paused", True)


def test_the_api_refuses_it_too_and_shows_the_hold_to_the_lender_only(api_as, held, member,
                                                                      owner, outsider):
    url = f"/api/v1/listings/{held.pk}/"
    refused = api_as(member).patch(url, {"status": "active"}, format="json", **EN)
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"status": [HELD_MESSAGE]}
    hold = api_as(member).get(url, **EN).json()["hold"]
    assert hold["reason"] == "Counterfeit brand"
    assert hold["community"] == {"slug": "mapo-circle", "name": "Mapo Circle"}
    assert hold["lifted_by"] == "moderators" and hold["detail"] == HELD_MESSAGE
    for stranger in (owner, outsider):
        assert api_as(stranger).get(url, **EN).status_code == 404


def test_a_held_listing_is_out_of_search_and_bookings(held, member, owner, outsider):
    query = parse_listing_query({})
    for viewer in (owner, outsider):
        assert held not in listing_search(viewer=Viewer.of(viewer), query=query)
    with pytest.raises(NotFound):  # to everyone but its managers it is not there
        booking_request(actor=owner, listing_id=held.pk, start=tomorrow_at(10),
                        end=tomorrow_at(14), community="mapo-circle")


def test_only_a_moderator_of_that_community_or_city_staff_lifts_the_hold(held, member,
                                                                         owner, outsider,
                                                                         staff, community):
    other = Community.objects.create(name="Other", slug="other")
    Membership.objects.create(community=other, user=outsider, role="owner", status="active")
    for person in (member, outsider):
        with pytest.raises(Forbidden) as refused:
            listing_unhide(actor=person, listing=held)
        assert str(refused.value.message) == (
            "Only the moderators of Mapo Circle or city staff can lift this hold.")
    lifted = listing_unhide(actor=owner, listing=held, reason="Receipt shown")
    assert (lifted.status, lifted.is_held, lifted.held_in) == ("active", False, None)
    assert ModerationLog.objects.filter(action="listing_unhidden", actor=owner,
                                        reason="Receipt shown").exists()
    with pytest.raises(Conflict, match="not on hold"):
        listing_unhide(actor=owner, listing=lifted)
    listing_hide(actor=owner, listing=lifted, reason="Again", community=community)
    assert listing_unhide(actor=staff, listing=lifted).status == "active"


def test_lifting_a_hold_gives_back_the_status_the_listing_had(ladder, member, owner,
                                                              community):
    listing_update(actor=member, listing=ladder, status="paused")
    listing_hide(actor=owner, listing=ladder, reason="Spam", community=community)
    assert listing_unhide(actor=owner, listing=ladder).status == "paused"
    listing_update(actor=member, listing=ladder, status="active")  # the lender's to decide


def test_who_may_hide_a_listing(ladder, member, outsider, staff, community):
    other = Community.objects.create(name="Other", slug="other")
    Membership.objects.create(community=other, user=outsider, role="owner", status="active")
    with pytest.raises(Forbidden, match="Only the community's moderators"):
        listing_hide(actor=member, listing=ladder, reason="x", community=community)
    with pytest.raises(Forbidden, match="not shared in Other"):
        listing_hide(actor=outsider, listing=ladder, reason="x", community=other)
    with pytest.raises(Forbidden, match="Only the community's moderators"):
        listing_hide(actor=outsider, listing=ladder, reason="x", community=None)
    ladder.refresh_from_db()
    assert not ladder.is_held
    held = listing_hide(actor=staff, listing=ladder, reason="Fraud", community=None)
    assert held.is_held and held.held_in is None
    with pytest.raises(Forbidden, match="Only city staff can lift this hold"):
        listing_unhide(actor=make_person("mod@example.org"), listing=held)


def test_the_database_never_keeps_a_held_listing_active(held):
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=held.pk).update(status="active")


# --- pages ---------------------------------------------------------------------------


def test_the_lenders_page_says_why_and_the_edit_form_refuses(client, held, member):
    client.force_login(member)
    page = client.get(f"/listings/{held.pk}/", **EN).content.decode()
    assert "the moderators of Mapo Circle hid this listing (“Counterfeit brand”)" in page
    assert "Only they or city staff can lift the hold" in page
    response = client.post(f"/listings/{held.pk}/edit/", {
        "title": "Ladder", "kind": "item", "category": "power-tools", "pricing": "free",
        "price": "0", "deposit": "0", "units": "1", "visibility": "communities",
        "communities": ["mapo-circle"], "min_hours": "1", "cancellation_policy": "flexible",
        "status": "active"}, **EN)
    assert response.status_code == 200  # the form again, saying why
    assert HELD_MESSAGE in html_text.unescape(response.content.decode())
    held.refresh_from_db()
    assert held.status == "paused"


def test_the_moderators_dashboard_lists_the_hold_and_lifts_it(client, held, owner):
    client.force_login(owner)
    dashboard = client.get("/communities/mapo-circle/moderation/", **EN).content.decode()
    assert "Ladder" in dashboard and "Counterfeit brand" in dashboard
    response = client.post(f"/communities/mapo-circle/moderation/holds/{held.pk}/lift/",
                           {"reason": "Checked"}, follow=True, **EN)
    assert [str(m) for m in response.context["messages"]] == [
        "The hold on “Ladder” is lifted."]
    held.refresh_from_db()
    assert held.status == "active" and not held.is_held


def test_the_unhide_api(api_as, held, member, owner, outsider, staff):
    url = f"/api/v1/listings/{held.pk}/unhide/"
    refused = api_as(member).post(url, {}, format="json", **EN)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the moderators of Mapo Circle or city staff can lift this hold.")
    assert api_as(outsider).post(url, {}, format="json", **EN).status_code == 404
    lifted = api_as(owner).post(url, {"reason": "Fine"}, format="json", **EN)
    assert lifted.status_code == 200 and lifted.json() == {"id": held.pk, "status": "active"}
    assert api_as(staff).post(url, {}, format="json", **EN).status_code == 404


def test_an_old_hold_reason_is_kept_when_hidden_again(held, owner, community):
    again = listing_hide(actor=owner, listing=held, reason="Second report",
                         community=community)
    assert (again.held_reason, again.held_at) == ("Counterfeit brand", held.held_at)
