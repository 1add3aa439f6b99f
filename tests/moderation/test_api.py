import pytest

from community_rules.models import Community, Membership
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def test_report_a_listing_then_the_moderator_handles_it(api_as, owner, member):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=member, status="active")
    listing = make_listing(member, title="Spam", visibility="communities")
    listing.communities.add(library)

    filed = api_as(owner).post("/api/v1/reports/", {
        "target_type": "listing", "target_id": listing.pk, "reason": "Advertising"})
    assert filed.status_code == 201 and filed.json()["community"] == "library"
    queue = api_as(owner).get("/api/v1/reports/?community=library").json()
    assert [r["id"] for r in queue] == [filed.json()["id"]]
    assert api_as(member).get("/api/v1/reports/?community=library").status_code == 403

    handled = api_as(owner).post(f"/api/v1/reports/{filed.json()['id']}/handle/",
                                 {"outcome": "dismiss", "note": "Not spam after all"})
    assert handled.json()["status"] == "dismissed"


def test_a_report_needs_a_reason_and_a_real_target(api_as, member, owner):
    listing = make_listing(owner)
    missing = api_as(member).post("/api/v1/reports/", {"target_type": "listing",
                                                       "target_id": listing.pk})
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    nothing = api_as(member).post("/api/v1/reports/", {"target_type": "listing",
                                                       "target_id": 999999, "reason": "x"})
    assert nothing.status_code == 404


def test_complaints_through_the_api(api_as, owner, member, outsider, requested):
    raised = api_as(member).post(f"/api/v1/bookings/{requested.pk}/complaints/",
                                 {"text": "No answer for days"})
    assert raised.status_code == 201 and raised.json()["tier"] == "party"
    stranger = api_as(outsider).post(f"/api/v1/bookings/{requested.pk}/complaints/",
                                     {"text": "x"})
    assert stranger.status_code == 404
    resolved = api_as(owner).post(f"/api/v1/complaints/{raised.json()['id']}/resolve/",
                                  {"outcome": "Answered and apologised"})
    assert resolved.json()["status"] == "resolved"
    assert [s["action"] for s in resolved.json()["steps"]] == ["raised", "resolved"]
