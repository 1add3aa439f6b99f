"""The payments API against localstripe: paying a booking with a card token,
declines, 3-D Secure, the booking's payments, a lender's balance, a damage
claim; and who may call each route."""

import pytest
import requests

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from payments.models import DamageClaim, LedgerEntry, Payment, PaymentOperation
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing
from tests.payments.conftest import (
    CHARGE_DECLINED_CARD,
    DECLINED_CARD,
    THREE_D_SECURE_CARD,
    card_token,
)

# The rental is confirmed, and the deposit settled, on transaction commit.
pytestmark = pytest.mark.django_db(transaction=True)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def routes(booking_id: int) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/bookings/{booking_id}"
    return [("post", f"{base}/payment/", {}),
            ("post", f"{base}/payment/confirm/", {"token": "tok_unused"}),
            ("post", f"{base}/payment/check/", {}),
            ("get", f"{base}/payments/", {}),
            ("post", f"{base}/damage-claim/", {"amount": 1000, "text": "Torn"})]


def call(client, method, url, data):
    if method == "get":
        return client.get(url, **EN)
    return client.post(url, data, format="json", **EN)


def pay(client, booking, localstripe_url, number=None):
    start = client.post(f"/api/v1/bookings/{booking.pk}/payment/", **EN)
    assert start.status_code == 200, start.content
    token = card_token(localstripe_url, number) if number else card_token(localstripe_url)
    return client.post(f"/api/v1/bookings/{booking.pk}/payment/confirm/", {"token": token},
                       format="json", **EN)


@pytest.fixture
def bystander(db):
    return make_person("bystander@example.org", "Bystander Choi")


def test_the_borrower_pays_with_a_card_token_and_the_booking_is_confirmed(
        api_as, approved, member, stripe_mode):
    client = api_as(member)
    start = client.post(f"/api/v1/bookings/{approved.pk}/payment/")
    assert start.status_code == 200
    body = start.json()
    assert body["client_secret"] and body["publishable_key"] == "pk_test_nanum"
    assert (body["amount"], body["currency"]) == (10_000, "KRW")
    assert body["status"] == "pending" and body["requires_action"] is False

    confirm = client.post(f"/api/v1/bookings/{approved.pk}/payment/confirm/",
                          {"token": card_token(stripe_mode)}, format="json")
    assert confirm.status_code == 200, confirm.content
    assert confirm.json()["status"] == "succeeded"
    assert confirm.json()["payment_id"] == body["payment_id"]
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"

    check = client.post(f"/api/v1/bookings/{approved.pk}/payment/check/")
    assert check.status_code == 200 and check.json()["status"] == "succeeded"


def test_asking_twice_answers_the_same_payment_and_one_payment_intent(
        api_as, approved, member, stripe_mode):
    client = api_as(member)
    first = client.post(f"/api/v1/bookings/{approved.pk}/payment/").json()
    second = client.post(f"/api/v1/bookings/{approved.pk}/payment/").json()
    assert second["client_secret"] == first["client_secret"]
    assert second["payment_id"] == first["payment_id"]
    assert Payment.objects.filter(booking=approved).count() == 1
    assert PaymentOperation.objects.filter(kind="authorize").count() == 1
    intents = requests.get(f"{stripe_mode}/v1/payment_intents", timeout=10,
                           auth=("sk_test_nanum", "")).json()["data"]
    assert len(intents) == 1


@pytest.mark.parametrize("number", [DECLINED_CARD, CHARGE_DECLINED_CARD])
def test_a_declined_card_is_402_and_the_booking_stays_approved_and_unpaid(
        api_as, approved, member, stripe_mode, number):
    response = pay(api_as(member), approved, stripe_mode, number)
    assert response.status_code == 402
    assert response.json()["code"] == "payment_failed"
    assert "declined" in response.json()["detail"]
    assert Booking.objects.get(pk=approved.pk).status == "approved"
    assert not LedgerEntry.objects.exists()


def test_a_card_that_asks_for_3d_secure_says_requires_action(api_as, approved, member,
                                                            stripe_mode):
    client = api_as(member)
    response = pay(client, approved, stripe_mode, THREE_D_SECURE_CARD)
    assert response.status_code == 200, response.content
    assert response.json()["requires_action"] is True
    assert response.json()["status"] == "requires_action"
    # Until the person confirms on the page, checking changes nothing.
    check = client.post(f"/api/v1/bookings/{approved.pk}/payment/check/")
    assert check.json()["requires_action"] is True
    assert Booking.objects.get(pk=approved.pk).status == "approved"


def test_the_lender_cannot_pay(api_as, approved, owner, stripe_mode):
    client = api_as(owner)
    assert client.post(f"/api/v1/bookings/{approved.pk}/payment/").status_code == 404
    confirm = client.post(f"/api/v1/bookings/{approved.pk}/payment/confirm/",
                          {"token": card_token(stripe_mode)}, format="json")
    assert confirm.status_code == 404
    assert not Payment.objects.exists()


def test_checking_before_any_payment_is_404(api_as, approved, member):
    response = api_as(member).post(f"/api/v1/bookings/{approved.pk}/payment/check/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_outsiders_and_bystanders_get_404_on_every_route(api_as, approved, outsider,
                                                        bystander):
    for person in (outsider, bystander):
        client = api_as(person)
        for method, url, data in routes(approved.pk):
            response = call(client, method, url, data)
            assert response.status_code == 404, (person, url)
            assert response.json()["code"] == "not_found"
    assert not Payment.objects.exists() and not DamageClaim.objects.exists()


def test_anonymous_callers_must_sign_in(api, approved):
    for method, url, data in [*routes(approved.pk), ("get", "/api/v1/payments/balance/", {})]:
        response = call(api, method, url, data)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("case", ["free", "cash", "offline"])
def test_nothing_due_online_is_409_invalid_transition(api_as, owner, member, period, settings,
                                                      localstripe_url, case, request):
    if case != "offline":
        request.getfixturevalue("stripe_mode")
    listing = make_listing(owner, title="Lantern", pricing="per_day",
                           price=0 if case == "free" else 10_000,
                           cash_at_pickup=case == "cash")
    booking = booking_request(actor=member, listing_id=listing.pk, start=period[0],
                              end=period[1])
    booking = booking_act(actor=owner, booking=booking, action="approve")
    response = api_as(member).post(f"/api/v1/bookings/{booking.pk}/payment/", **EN)
    assert response.status_code == 409
    assert response.json() == {"code": "invalid_transition",
                               "detail": "This booking is not waiting for a payment."}
    assert not Payment.objects.exists()


def test_the_parties_and_city_staff_read_the_payments_of_a_booking(
        api_as, approved, member, owner, staff, stripe_mode, django_assert_num_queries):
    pay(api_as(member), approved, stripe_mode)
    booking_act(actor=owner, booking=Booking.objects.get(pk=approved.pk), action="pickup")
    for person in (member, owner, staff):
        client = api_as(person)
        with django_assert_num_queries(9):
            response = client.get(f"/api/v1/bookings/{approved.pk}/payments/")
        assert response.status_code == 200
        rental, deposit = response.json()
        assert (rental["kind"], rental["status"], rental["amount"], rental["captured"]) == (
            "rental", "succeeded", 10_000, 10_000)
        assert rental["changes"][-1]["to_status"] == "succeeded"
        assert rental["refunds"] == [] and rental["currency"] == "KRW"
        assert (deposit["kind"], deposit["status"], deposit["amount"]) == (
            "deposit", "authorized", 50_000)
        assert deposit["captured"] == 0 and deposit["withheld"] == 0


def test_a_cancelled_payment_shows_its_refund(api_as, approved, member, stripe_mode):
    pay(api_as(member), approved, stripe_mode)
    booking_act(actor=member, booking=Booking.objects.get(pk=approved.pk), action="cancel")
    rental = api_as(member).get(f"/api/v1/bookings/{approved.pk}/payments/").json()[0]
    assert rental["refunded"] > 0
    assert [r["amount"] for r in rental["refunds"]] == [rental["refunded"]]
    assert rental["refunds"][0]["status"] == "done"


def test_the_balance_shows_what_the_lender_is_owed(api_as, approved, member, owner,
                                                   stripe_mode):
    assert api_as(owner).get("/api/v1/payments/balance/").json() == []
    pay(api_as(member), approved, stripe_mode)
    response = api_as(owner).get("/api/v1/payments/balance/")
    assert response.status_code == 200
    assert response.json() == [{"currency": "KRW", "owed": 10_000, "paid": 0}]
    assert api_as(member).get("/api/v1/payments/balance/").json() == []


@pytest.fixture
def returned(api_as, approved, member, owner, stripe_mode):
    """The tent paid, picked up (deposit held) and returned."""
    pay(api_as(member), approved, stripe_mode)
    booking = booking_act(actor=owner, booking=Booking.objects.get(pk=approved.pk),
                          action="pickup")
    return booking_act(actor=owner, booking=booking, action="return")


def test_the_lender_claims_damage_on_the_deposit(api_as, returned, owner, member):
    url = f"/api/v1/bookings/{returned.pk}/damage-claim/"
    too_much = api_as(owner).post(url, {"amount": 60_000, "text": "Torn"}, format="json", **EN)
    assert too_much.status_code == 400 and "amount" in too_much.json()["fields"]
    by_borrower = api_as(member).post(url, {"amount": 20_000, "text": "Torn"}, format="json")
    assert by_borrower.status_code == 403
    assert not DamageClaim.objects.exists()

    response = api_as(owner).post(url, {"amount": 20_000, "text": "Torn fly sheet"},
                                  format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == 20_000 and response.json()["status"] == "open"
    assert Booking.objects.get(pk=returned.pk).status == "disputed"
    again = api_as(owner).post(url, {"amount": 1_000, "text": "And a pole"}, format="json")
    assert again.status_code == 409
    assert DamageClaim.objects.count() == 1


def test_a_damage_claim_needs_a_whole_amount_and_words(api_as, approved, owner):
    url = f"/api/v1/bookings/{approved.pk}/damage-claim/"
    for body in ({"text": "Torn"}, {"amount": "lots", "text": "Torn"}, {"amount": 1000}):
        response = api_as(owner).post(url, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "validation_failed"
