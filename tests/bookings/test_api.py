"""POST/GET /api/v1/bookings/, actions, the quote; who may see what."""

from datetime import timedelta

import pytest

from bookings.models import Booking
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def iso(moment):
    return moment.isoformat()


def test_request_answers_201_with_status_and_terms(api_as, member, drill, period):
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": iso(period[0]), "end": iso(period[1]),
        "message": "For a shelf"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "requested"
    assert body["total"] == 0 and body["currency"] == "KRW"
    assert body["actions"] == ["cancel"]
    assert [t["to_status"] for t in body["transitions"]] == ["requested"]


def test_second_request_for_the_same_time_is_409_booking_conflict(api_as, member, outsider,
                                                                  requested, drill, period):
    response = api_as(outsider).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": iso(period[0]), "end": iso(period[1])},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["code"] == "booking_conflict"
    assert "someone else has booked it" in response.json()["detail"]


def test_bad_times_are_400_with_the_field(api_as, member, drill, period):
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": iso(period[1]), "end": iso(period[0])},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert response.json()["fields"]["end"] == ["The end must be after the start."]


def test_lender_approves_and_the_booking_is_confirmed(api_as, owner, requested):
    response = api_as(owner).post(f"/api/v1/bookings/{requested.pk}/approve/", {"note": "ok"})
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert response.json()["actions"] == ["cancel", "pickup", "no_show"]


def test_wrong_side_or_wrong_state_is_409_invalid_transition(api_as, member, owner, requested):
    as_borrower = api_as(member).post(f"/api/v1/bookings/{requested.pk}/approve/")
    assert as_borrower.status_code == 409
    assert as_borrower.json()["code"] == "invalid_transition"
    too_early = api_as(owner).post(f"/api/v1/bookings/{requested.pk}/return/")
    assert too_early.status_code == 409
    unknown = api_as(owner).post(f"/api/v1/bookings/{requested.pk}/teleport/")
    assert unknown.status_code == 409


def test_outsiders_get_404_for_detail_and_actions(api_as, api, outsider, requested):
    for client in (api_as(outsider), api):
        detail = client.get(f"/api/v1/bookings/{requested.pk}/")
        assert detail.status_code in (404, 401)
        action = client.post(f"/api/v1/bookings/{requested.pk}/cancel/")
        assert action.status_code in (404, 401)
    assert api_as(outsider).get(f"/api/v1/bookings/{requested.pk}/").json()["code"] == (
        "not_found")
    assert Booking.objects.get(pk=requested.pk).status == "requested"


def test_city_staff_can_read_a_booking(api_as, staff, requested):
    assert api_as(staff).get(f"/api/v1/bookings/{requested.pk}/").status_code == 200


def test_company_staff_see_and_act_on_their_companys_bookings(api_as, owner, member, outsider,
                                                             period):
    from accounts.models import CompanyStaff, ShareCompany

    company = ShareCompany.objects.create(name="Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=outsider, role="staff")
    room = make_listing(owner, title="Room", company=company)
    booking = api_as(member).post("/api/v1/bookings/", {
        "listing": room.pk, "start": iso(period[0]), "end": iso(period[1])}).json()

    staff_client = api_as(outsider)
    assert staff_client.get(f"/api/v1/bookings/{booking['id']}/").status_code == 200
    approved = staff_client.post(f"/api/v1/bookings/{booking['id']}/approve/")
    assert approved.json()["status"] == "confirmed"


def test_my_bookings_lists_only_mine_by_role(api_as, owner, member, outsider, requested,
                                            django_assert_max_num_queries):
    other_listing = make_listing(outsider, title="Other")
    start = requested.start + timedelta(days=3)
    api_as(owner).post("/api/v1/bookings/", {
        "listing": other_listing.pk, "start": iso(start),
        "end": iso(start + timedelta(hours=2))})

    as_lender = api_as(owner).get("/api/v1/bookings/?role=lender").json()
    assert [b["id"] for b in as_lender["results"]] == [requested.pk]
    as_borrower = api_as(owner).get("/api/v1/bookings/?role=borrower").json()
    assert [b["listing"]["title"] for b in as_borrower["results"]] == ["Other"]
    assert api_as(outsider).get("/api/v1/bookings/?role=borrower").json()["count"] == 0
    assert api_as(member).get("/api/v1/bookings/").json()["count"] == 1


def test_bookings_list_has_a_fixed_query_count(api_as, owner, django_assert_max_num_queries):
    from accounts.services import user_create
    from bookings.services.booking import booking_request
    from tests.fixtures.bookings import tomorrow_at

    listing = make_listing(owner, units=30)
    for i in range(30):
        person = user_create(email=f"b{i}@example.org", password="x")
        booking_request(actor=person, listing_id=listing.pk, start=tomorrow_at(10),
                        end=tomorrow_at(12))
    client = api_as(owner)
    for size in (5, 30):
        with django_assert_max_num_queries(8):
            response = client.get(f"/api/v1/bookings/?role=lender&page_size={size}")
        assert len(response.json()["results"]) == size


def test_quote_shows_rental_deposit_total_and_policy(api, owner, period):
    tent = make_listing(owner, title="Tent", pricing="per_day", price=8000, deposit=30000,
                        cancellation_policy="moderate")
    start = period[0]
    response = api.get(f"/api/v1/listings/{tent.pk}/quote/",
                       {"start": iso(start), "end": iso(start + timedelta(hours=49))},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    quote = response.json()
    assert (quote["rental"], quote["fees"], quote["deposit"], quote["total"]) == (
        24000, 0, 30000, 54000)   # 49 hours is three started days
    assert quote["currency"] == "KRW"
    assert quote["cancellation_policy"]["name"] == "moderate"
    assert quote["cancellation_policy"]["refunds"][0] == {
        "hours_before_start": 120, "refund_percent": 100}
    assert "5 days" in quote["cancellation_policy"]["summary"]


def test_quote_of_a_community_only_listing_is_404_for_outsiders(api, owner, period):
    hidden = make_listing(owner, visibility="communities")
    response = api.get(f"/api/v1/listings/{hidden.pk}/quote/",
                       {"start": iso(period[0]), "end": iso(period[1])})
    assert response.status_code == 404


def test_a_booking_request_costs_a_fixed_number_of_queries(api_as, owner, member, period,
                                                          django_assert_num_queries):
    """Session and user (2); who the borrower is (2: memberships,
    companies); the listing with its category path, and its communities
    (2); blackouts (1); the transaction (a savepoint here, BEGIN and COMMIT
    in a request: 2) with the free unit, the booking, its first step and
    the lender's notice (4); the booking as answered, with its steps (2).
    After the commit the lender's notice is pushed (not run in a test's
    transaction). It was 26 in a request before issue 19's work."""
    listing = make_listing(owner, title="Drill", units=3)
    client = api_as(member)
    client.get("/api/v1/bookings/")  # the session, warmed
    body = {"listing": listing.pk, "start": iso(period[0]), "end": iso(period[1])}
    with django_assert_num_queries(15):
        response = client.post("/api/v1/bookings/", body)
    assert response.status_code == 201
    assert response.json()["actions"] == ["cancel"]
