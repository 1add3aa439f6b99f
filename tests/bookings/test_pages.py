"""The bookings pages: request with the disclosure, my bookings, the
timeline, the lender's calendar; outsiders see nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ShareCompany
from bookings.models import Booking
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def local(moment):
    return timezone.localtime(moment).strftime(FMT)


def test_request_page_discloses_price_deposit_policy_and_company(client, owner, member,
                                                                 period):
    company = ShareCompany.objects.create(name="Seoul Share Hub", slug="hub",
                                          registration_number="220-81-62517",
                                          verified_at=timezone.now())
    tent = make_listing(owner, title="Camping set", company=company, pricing="per_day",
                        price=35000, deposit=100000, cancellation_policy="strict")
    client.force_login(member)
    page = client.get(f"/listings/{tent.pk}/book/", {"start": local(period[0]),
                                                      "end": local(period[0] + timedelta(days=2))},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "70,000원" in page                  # two days' rental
    assert "100,000원" in page                 # the deposit
    assert "170,000원" in page                 # the total
    assert "none after that" in page           # the strict policy in words
    assert "220-81-62517" in page and "Verified share company" in page


def test_live_quote_partial_follows_the_chosen_times(client, owner, member, period):
    tent = make_listing(owner, pricing="per_hour", price=5000)
    response = client.get(f"/listings/{tent.pk}/book/quote/",
                          {"start": local(period[0]),
                           "end": local(period[0] + timedelta(hours=3))},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "15,000원" in response.content.decode()


def test_posting_the_form_makes_the_booking_and_shows_its_timeline(client, member, drill,
                                                                   period):
    client.force_login(member)
    response = client.post(f"/listings/{drill.pk}/book/", {
        "start": local(period[0]), "end": local(period[1]), "message": "Thanks!"})
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/{booking.pk}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Requested" in page and "Thanks!" in page
    assert 'data-testid="action-cancel"' in page
    assert 'data-testid="action-approve"' not in page


def test_a_refused_request_shows_why_and_saves_nothing(client, member, requested, outsider,
                                                       drill, period):
    client.force_login(outsider)
    response = client.post(f"/listings/{drill.pk}/book/", {
        "start": local(period[0]), "end": local(period[1])}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "someone else has booked it" in response.content.decode()
    assert Booking.objects.count() == 1


def test_lender_approves_from_my_bookings(client, owner, requested):
    client.force_login(owner)
    page = client.get("/my/bookings/?role=lender", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert requested.listing.title in page and 'data-testid="action-approve"' in page
    client.post(f"/bookings/{requested.pk}/approve/", {"next": "/my/bookings/?role=lender"})
    assert Booking.objects.get(pk=requested.pk).status == "confirmed"


def test_outsiders_get_404_on_the_booking_page_and_its_actions(client, outsider, requested):
    client.force_login(outsider)
    assert client.get(f"/bookings/{requested.pk}/").status_code == 404
    assert client.post(f"/bookings/{requested.pk}/cancel/").status_code == 404
    assert Booking.objects.get(pk=requested.pk).status == "requested"


def test_condition_note_appears_in_the_timeline(client, owner, picked_up):
    client.force_login(owner)
    client.post(f"/bookings/{picked_up.pk}/conditions/", {
        "stage": "pickup", "condition": "as_listed", "note": "Two batteries, fully charged"})
    page = client.get(f"/bookings/{picked_up.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Two batteries, fully charged" in page


def test_lender_calendar_shows_bookings_and_the_private_feed(client, owner, member, requested,
                                                             drill):
    client.force_login(owner)
    page = client.get(f"/listings/{drill.pk}/calendar/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/calendar/" in html and ".ics" in html
    assert "Member Lee" in html
    client.force_login(member)
    assert client.get(f"/listings/{drill.pk}/calendar/").status_code == 302


def test_a_taken_period_offers_the_waitlist(client, outsider, requested, drill, period):
    from bookings.models import WaitlistEntry

    client.force_login(outsider)
    page = client.post(f"/listings/{drill.pk}/book/", {
        "start": local(period[0]), "end": local(period[1])}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="join-waitlist"' in page.content.decode()
    client.post(f"/listings/{drill.pk}/waitlist/", {"start": local(period[0]),
                                                     "end": local(period[1])})
    entry = WaitlistEntry.objects.get()
    assert (entry.user, entry.start, entry.end) == (outsider, period[0], period[1])
