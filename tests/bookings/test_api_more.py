"""The rest of the bookings API: reviews, extensions, waitlist, calendar."""

from datetime import datetime, timedelta

import pytest

from bookings.services.booking import booking_act

pytestmark = pytest.mark.django_db


def test_review_through_the_api_after_completion(api_as, owner, member, picked_up):
    early = api_as(member).post(f"/api/v1/bookings/{picked_up.pk}/reviews/", {"rating": 5})
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
    returned = booking_act(actor=owner, booking=picked_up, action="return")
    booking_act(actor=owner, booking=returned, action="complete")

    response = api_as(member).post(f"/api/v1/bookings/{picked_up.pk}/reviews/",
                                   {"rating": 5, "text": "Worked perfectly"})
    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "side": "borrower", "rating": 5,
                               "text": "Worked perfectly", "published": False}
    bad = api_as(owner).post(f"/api/v1/bookings/{picked_up.pk}/reviews/", {"rating": 0})
    assert bad.status_code == 400 and "rating" in bad.json()["fields"]
    twice = api_as(member).post(f"/api/v1/bookings/{picked_up.pk}/reviews/", {"rating": 4})
    assert twice.status_code == 409


def test_review_of_someone_elses_booking_is_404(api_as, outsider, picked_up):
    response = api_as(outsider).post(f"/api/v1/bookings/{picked_up.pk}/reviews/",
                                     {"rating": 1})
    assert response.status_code == 404


def test_extension_asked_and_approved_through_the_api(api_as, owner, member, picked_up):
    new_end = (picked_up.end + timedelta(hours=6)).isoformat()
    asked = api_as(member).post(f"/api/v1/bookings/{picked_up.pk}/extensions/",
                                {"new_end": new_end})
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    extension_id = asked.json()["id"]
    assert api_as(member).post(f"/api/v1/extensions/{extension_id}/approve/").status_code == 409
    approved = api_as(owner).post(f"/api/v1/extensions/{extension_id}/approve/")
    assert approved.json()["status"] == "approved"
    detail = api_as(member).get(f"/api/v1/bookings/{picked_up.pk}/").json()
    assert datetime.fromisoformat(detail["end"]) == picked_up.end + timedelta(hours=6)


def test_outsiders_cannot_see_or_answer_extensions(api_as, member, outsider, picked_up):
    asked = api_as(member).post(f"/api/v1/bookings/{picked_up.pk}/extensions/",
                                {"new_end": (picked_up.end + timedelta(hours=1)).isoformat()})
    response = api_as(outsider).post(f"/api/v1/extensions/{asked.json()['id']}/approve/")
    assert response.status_code == 404


def test_join_the_waitlist_and_get_the_calendar_link(api_as, outsider, requested, drill,
                                                     client):
    response = api_as(outsider).post(f"/api/v1/listings/{drill.pk}/waitlist/", {
        "start": requested.start.isoformat(), "end": requested.end.isoformat()})
    assert response.status_code == 201
    link = api_as(outsider).get("/api/v1/calendar/").json()["url"]
    assert link.startswith("http://testserver/calendar/") and link.endswith(".ics")
    assert client.get(link.replace("http://testserver", "")).status_code == 200
