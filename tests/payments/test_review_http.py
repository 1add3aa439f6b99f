"""A hostile review of the payments HTTP surface, from outside: the API,
Stripe's webhook and the payment pages, with bad input, other people's
bookings, the wrong method, no CSRF token and Korean speakers. Every answer
is a clear refusal in the person's language that changes nothing; never a
500, never someone else's data.

Against localstripe (`stripe_mode`). The webhook events are signed here
with the endpoint's secret the way Stripe signs (tests/payments/webhook_kit):
localstripe cannot be made to send malformed events."""

import csv
import io
import json
import re
import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import profile_update
from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from payments.models import DamageClaim, Payment, Payout, WebhookEvent
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing
from tests.payments.conftest import CHARGE_DECLINED_CARD, GOOD_CARD, card_token
from tests.payments.webhook_kit import signature, signed, stripe_event

pytestmark = pytest.mark.django_db(transaction=True)

KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HANGUL = re.compile("[\uac00-\ud7a3]")
WEBHOOK = "/payments/stripe/webhook/"
SECRET = "whsec_test_nanum"


def korean(text: str) -> bool:
    return bool(HANGUL.search(text or ""))


def browser(user=None, **options) -> Client:
    """A test client that answers a 500 as a response instead of raising."""
    client = Client(raise_request_exception=False, **options)
    if user is not None:
        client.force_login(user)
    return client


def api_client(user=None, **options) -> APIClient:
    client = APIClient(raise_request_exception=False, **options)
    if user is not None:
        client.force_login(user)
    return client


def paid(client: Client, booking, localstripe_url, number=GOOD_CARD):
    """What pay.js does in card mode: open the page, post the token."""
    client.get(f"/bookings/{booking.pk}/pay/", **EN)
    return client.post(f"/bookings/{booking.pk}/pay/card/",
                       {"token": card_token(localstripe_url, number)}, **EN)


def unpaid(booking) -> bool:
    return (Booking.objects.get(pk=booking.pk).status == "approved"
            and not Payment.objects.filter(booking=booking, status="succeeded").exists())


@pytest.fixture
def returned(approved, member, owner, stripe_mode):
    """The tent paid, picked up (deposit held) and returned."""
    assert paid(browser(member), approved, stripe_mode).status_code == 200
    booking = booking_act(actor=owner, booking=Booking.objects.get(pk=approved.pk),
                          action="pickup")
    return booking_act(actor=owner, booking=booking, action="return")


# --- the API: bad input --------------------------------------------------------


@pytest.mark.parametrize("token", [
    123, 4.5, True, None, ["tok_x"], {"id": "tok_x"}, "", "x" * 10_000, "pm_card_visa",
    "tok_" + "junk", "tok_" + "z" * 250,
])
def test_a_bad_card_token_is_refused_in_korean_and_charges_nothing(approved, member, token):
    client = api_client(member)
    response = client.post(f"/api/v1/bookings/{approved.pk}/payment/confirm/",
                           {"token": token}, format="json", **KO)
    assert response.status_code in (400, 402), response.content
    assert korean(response.json()["detail"]), response.json()
    assert unpaid(approved)


@pytest.mark.parametrize("token", ["tok_abc\r\nX-Injected: 1", "tok_\u00e9\u00e8", "tok_카드"])
def test_a_token_with_control_or_non_ascii_characters_is_refused_not_a_500(
        approved, member, token):
    """The token goes into the Idempotency-Key header of the card call
    (checkout.payment_pay_with_card): a newline or a non-Latin-1 letter
    there must be a refusal, not a crash in the HTTP client."""
    for body, kind in (({"token": token}, "json"), ({"token": token}, "multipart")):
        response = api_client(member).post(
            f"/api/v1/bookings/{approved.pk}/payment/confirm/", body, format=kind, **KO)
        assert response.status_code in (400, 402), response.content
        assert korean(response.json()["detail"])
    page = browser(member).post(f"/bookings/{approved.pk}/pay/card/", {"token": token}, **KO)
    assert page.status_code in (400, 402), page.content
    assert korean(page.json()["message"])
    assert unpaid(approved)


def test_a_form_body_and_a_missing_token_are_refused_in_korean(approved, member):
    client = api_client(member)
    url = f"/api/v1/bookings/{approved.pk}/payment/confirm/"
    form = client.post(url, {"token": "tok_junk"}, **KO)  # multipart
    assert form.status_code == 402 and korean(form.json()["detail"])
    missing = client.post(url, {}, format="json", **KO)
    assert missing.status_code == 400 and "token" in missing.json()["fields"]
    assert korean(missing.json()["detail"]) and korean(missing.json()["fields"]["token"][0])
    not_json = client.post(url, "{not json", content_type="application/json", **KO)
    assert not_json.status_code == 400 and korean(not_json.json()["detail"])
    a_list = client.post(url, json.dumps(["tok_x"]), content_type="application/json", **KO)
    assert a_list.status_code == 400 and korean(a_list.json()["detail"])
    assert unpaid(approved)


@pytest.mark.parametrize("amount", [
    "lots", 1.5, -1, 0, 10**20, True, False, None, [1000], {"v": 1000}, "1e3", 60_000,
])
def test_a_bad_claim_amount_is_refused_in_korean_and_claims_nothing(returned, owner, amount):
    response = api_client(owner).post(f"/api/v1/bookings/{returned.pk}/damage-claim/",
                                      {"amount": amount, "text": "Torn"}, format="json", **KO)
    assert response.status_code == 400, (amount, response.content)
    assert korean(response.json()["detail"]), response.json()
    assert not DamageClaim.objects.exists()
    assert Booking.objects.get(pk=returned.pk).status == "returned"


def test_a_claim_with_extra_fields_and_a_huge_text_changes_nothing_it_should_not(
        returned, owner):
    url = f"/api/v1/bookings/{returned.pk}/damage-claim/"
    huge = api_client(owner).post(url, {"amount": 1000, "text": "x" * 3001}, format="json",
                                  **KO)
    assert huge.status_code == 400 and korean(huge.json()["detail"])
    assert not DamageClaim.objects.exists()
    extra = api_client(owner).post(url, {"amount": "1000", "text": "Torn", "status": "resolved",
                                         "booking": 999, "id": 5}, format="json", **KO)
    assert extra.status_code == 201
    claim = DamageClaim.objects.get()
    assert claim.status == "open" and claim.booking_id == returned.pk


def test_the_html_claim_form_refuses_a_text_the_api_refuses(returned, owner):
    """The API caps a claim's text at 3,000 characters (DamageClaim.text's
    max_length); the page's form must too, not store 10,000."""
    response = browser(owner).post(f"/bookings/{returned.pk}/claim/",
                                   {"amount": "1000", "text": "y" * 10_000}, follow=True, **KO)
    assert response.status_code == 200
    assert not DamageClaim.objects.exists()
    assert Booking.objects.get(pk=returned.pk).status == "returned"


@pytest.mark.parametrize("amount", ["", "abc", "-5", "0", "1.5", "9" * 40, "1e9", "9" * 5000])
def test_the_html_claim_form_refuses_bad_amounts_in_korean(returned, owner, amount):
    response = browser(owner).post(f"/bookings/{returned.pk}/claim/",
                                   {"amount": amount, "text": "Torn"}, follow=True, **KO)
    assert response.status_code == 200, response.content[:300]
    assert "1에서 50000 사이로 청구해 주세요." in response.content.decode()
    assert not DamageClaim.objects.exists()


# --- the API: method misuse, CSRF, who sees what ---------------------------------


def test_the_wrong_method_is_405_in_korean_everywhere(approved, member, owner):
    base = f"/api/v1/bookings/{approved.pk}"
    client = api_client(member)
    for method, url in (("get", f"{base}/payment/"), ("get", f"{base}/payment/confirm/"),
                        ("get", f"{base}/payment/check/"), ("post", f"{base}/payments/"),
                        ("put", f"{base}/payment/"), ("delete", f"{base}/payments/"),
                        ("post", "/api/v1/payments/balance/")):
        response = getattr(client, method)(url, **KO)
        assert response.status_code == 405, (method, url, response.status_code)
        assert response.json()["code"] == "method_not_allowed"
        assert korean(response.json()["detail"]), (method, url, response.json())
    owners = api_client(owner)
    assert owners.get(f"{base}/damage-claim/", **KO).status_code == 405
    pages = browser(member)
    for url in (f"/bookings/{approved.pk}/pay/card/", f"/bookings/{approved.pk}/pay/check/",
                f"/bookings/{approved.pk}/claim/", f"/staff/payouts/{owner.pk}/paid/"):
        assert pages.get(url, **KO).status_code == 405, url
    assert browser().get(WEBHOOK, **KO).status_code == 405
    assert not Payment.objects.exists()


def test_the_api_checks_csrf_for_a_signed_in_browser(approved, member):
    client = api_client(member, enforce_csrf_checks=True)
    response = client.post(f"/api/v1/bookings/{approved.pk}/payment/", format="json", **KO)
    assert response.status_code == 403
    assert korean(response.json()["detail"])
    assert not Payment.objects.exists()


def test_the_payment_pages_check_csrf(approved, member, owner, staff, stripe_mode):
    borrower = browser(member, enforce_csrf_checks=True)
    token = card_token(stripe_mode)
    assert borrower.post(f"/bookings/{approved.pk}/pay/card/", {"token": token},
                         **KO).status_code == 403
    assert borrower.post(f"/bookings/{approved.pk}/pay/check/", **KO).status_code == 403
    lender = browser(owner, enforce_csrf_checks=True)
    assert lender.post(f"/bookings/{approved.pk}/claim/", {"amount": "1", "text": "x"},
                       **KO).status_code == 403
    desk = browser(staff, enforce_csrf_checks=True)
    assert desk.post(f"/staff/payouts/{owner.pk}/paid/",
                     {"amount": "1", "currency": "KRW"}, **KO).status_code == 403
    assert unpaid(approved) and not Payout.objects.exists()


def test_only_the_borrower_gets_the_client_secret(approved, member, owner, outsider, staff):
    secret = api_client(member).post(f"/api/v1/bookings/{approved.pk}/payment/",
                                     **EN).json()["client_secret"]
    assert secret
    for person in (owner, outsider, staff):
        for url in (f"/api/v1/bookings/{approved.pk}/payment/",
                    f"/api/v1/bookings/{approved.pk}/payment/check/"):
            answer = api_client(person).post(url, **KO)
            assert answer.status_code == 404 and secret not in answer.content.decode()
        listed = api_client(person).get(f"/api/v1/bookings/{approved.pk}/payments/", **KO)
        assert secret not in listed.content.decode()
        for url in (f"/bookings/{approved.pk}/", f"/bookings/{approved.pk}/pay/",
                    f"/bookings/{approved.pk}/receipt/"):
            page = browser(person).get(url, **KO)
            assert page.status_code in (200, 302, 404) and secret not in page.content.decode()


def test_someone_elses_receipt_payments_and_return_are_404_in_korean(
        approved, member, outsider, stripe_mode):
    paid(browser(member), approved, stripe_mode)
    for url in (f"/bookings/{approved.pk}/receipt/", f"/bookings/{approved.pk}/pay/return/",
                f"/bookings/{approved.pk}/pay/"):
        page = browser(outsider).get(url, **KO)
        assert page.status_code == 404, url
        assert korean(page.content.decode())
    listed = api_client(outsider).get(f"/api/v1/bookings/{approved.pk}/payments/", **KO)
    assert listed.status_code == 404 and korean(listed.json()["detail"])
    check = browser(outsider).post(f"/bookings/{approved.pk}/pay/check/", **KO)
    assert check.status_code == 404


def test_the_earnings_page_and_balance_show_only_my_own_ledger(
        approved, member, owner, stripe_mode, period):
    other = make_person("other-lender@example.org", "Other Lender Jung")
    kayak = make_listing(other, title="Kayak of another lender", pricing="per_day",
                         price=30_000, deposit=0)
    theirs = booking_act(actor=other, booking=booking_request(
        actor=member, listing_id=kayak.pk, start=period[0], end=period[1]), action="approve")
    client = browser(member)
    assert paid(client, approved, stripe_mode).status_code == 200
    assert paid(client, theirs, stripe_mode).status_code == 200
    mine = browser(owner).get("/earnings/", **KO).content.decode()
    assert "Kayak of another lender" not in mine and f"/bookings/{theirs.pk}/" not in mine
    assert api_client(owner).get("/api/v1/payments/balance/").json()[0]["owed"] < 30_000


# --- the staff payout report -----------------------------------------------------


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd",
                                  "-2+3", "@SUM(A1)"])
def test_the_payout_csv_neutralises_formulas_in_names(approved, member, owner, staff,
                                                      stripe_mode, name):
    """A lender's display name is theirs to choose; in the staff CSV a cell
    starting with = + - @ would run as a spreadsheet formula (CSV
    injection). It must come out as text (OWASP: prefixed with ')."""
    profile_update(actor=owner, display_name=name)  # what the profile page does
    assert paid(browser(member), approved, stripe_mode).status_code == 200
    download = browser(staff).get("/staff/payouts.csv", **KO)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    cell = rows[1][1]
    assert name in cell and cell[0] not in "=+-@\t\r", cell


def test_the_payout_csv_and_report_are_for_staff_only(approved, member, owner, outsider,
                                                      stripe_mode):
    assert paid(browser(member), approved, stripe_mode).status_code == 200
    for person in (None, member, owner, outsider):
        for url in ("/staff/payouts/", "/staff/payouts.csv"):
            answer = browser(person).get(url, **KO)
            assert answer.status_code == 404, (person, url)
            assert "owner@example.org" not in answer.content.decode()


@pytest.mark.parametrize("amount", ["", "abc", "1.5", "-1", "0", "9" * 40, "9" * 5000,
                                    "10000.0"])
def test_a_bad_paid_by_hand_amount_is_refused_in_korean(approved, member, owner, staff,
                                                        stripe_mode, amount):
    assert paid(browser(member), approved, stripe_mode).status_code == 200
    response = browser(staff).post(f"/staff/payouts/{owner.pk}/paid/",
                                   {"amount": amount, "currency": "KRW"}, follow=True, **KO)
    assert response.status_code == 200, response.content[:300]
    assert korean(response.content.decode())
    assert "was paid by hand" not in response.content.decode()
    assert not Payout.objects.exists()


def test_the_paid_by_hand_form_submitted_twice_pays_once(approved, member, owner, staff,
                                                         stripe_mode):
    assert paid(browser(member), approved, stripe_mode).status_code == 200
    desk = browser(staff)
    report = desk.get("/staff/payouts/", **KO)
    assert "정산 보고서" in report.content.decode()
    row = report.context["rows"][0]
    form = {"currency": row["currency"], "amount": str(row["owed"]), "state": row["state"]}
    first = desk.post(f"/staff/payouts/{owner.pk}/paid/", form, follow=True, **KO)
    assert "기록했습니다" in first.content.decode()
    second = desk.post(f"/staff/payouts/{owner.pk}/paid/", form, follow=True, **KO)
    assert second.status_code == 200
    assert Payout.objects.count() == 1
    for junk_state in ("x" * 300, "1.2.3; DROP", "../.."):
        desk.post(f"/staff/payouts/{owner.pk}/paid/", {**form, "state": junk_state}, **KO)
    assert Payout.objects.count() == 1
    assert desk.post("/staff/payouts/999999/paid/", form, **KO).status_code == 404


# --- the pages in Korean -----------------------------------------------------------


def test_a_charge_declined_then_checked_says_why_in_korean(approved, member, stripe_mode):
    """The card is saved but its charge is declined; asking again how the
    payment stands (pay/check, the return page) must explain in the
    person's language, not echo the card service's English message
    (Payment.error is Stripe's last_payment_error.message)."""
    client = browser(member)
    client.get(f"/bookings/{approved.pk}/pay/", **KO)
    declined = client.post(f"/bookings/{approved.pk}/pay/card/",
                           {"token": card_token(stripe_mode, CHARGE_DECLINED_CARD)}, **KO)
    assert declined.status_code == 402 and korean(declined.json()["message"])
    check = client.post(f"/bookings/{approved.pk}/pay/check/", **KO)
    assert check.status_code == 200 and check.json()["status"] == "failed"
    assert korean(check.json()["message"]), check.json()
    back = client.get(f"/bookings/{approved.pk}/pay/return/", follow=True, **KO)
    assert back.status_code == 200
    messages = [str(m) for m in back.context["messages"]]
    assert messages and all(korean(m) for m in messages), messages
    assert unpaid(approved)


def test_the_pages_speak_korean_by_header_and_by_cookie(approved, member, owner, staff,
                                                        stripe_mode):
    client = browser(member)
    receipt = client.get(f"/bookings/{approved.pk}/receipt/", **KO).content.decode()
    assert "이 예약은 온라인으로 결제된 금액이 없습니다." in receipt
    cookie = browser(member)
    cookie.cookies["django_language"] = "ko"
    by_cookie = cookie.get(f"/bookings/{approved.pk}/receipt/", **EN).content.decode()
    assert "이 예약은 온라인으로 결제된 금액이 없습니다." in by_cookie
    pay_page = client.get(f"/bookings/{approved.pk}/pay/", **KO).content.decode()
    assert '<html lang="ko">' in pay_page and "not charged now" not in pay_page
    assert paid(client, approved, stripe_mode).status_code == 200
    assert "영수증" in client.get(f"/bookings/{approved.pk}/receipt/", **KO).content.decode()
    assert "수입" in browser(owner).get("/earnings/", **KO).content.decode()
    assert "정산 보고서" in browser(staff).get("/staff/payouts/", **KO).content.decode()


def test_a_pay_card_json_body_or_no_token_is_refused_in_korean(approved, member):
    client = browser(member)
    as_json = client.post(f"/bookings/{approved.pk}/pay/card/",
                          json.dumps({"token": "tok_x"}), content_type="application/json",
                          **KO)
    assert as_json.status_code == 402 and korean(as_json.json()["message"])
    nothing = client.post(f"/bookings/{approved.pk}/pay/card/", **KO)
    assert nothing.status_code == 402
    assert nothing.json()["message"] == "카드 정보를 다시 입력해 주세요."
    assert unpaid(approved)


def test_paying_a_paid_booking_again_is_harmless(approved, member, stripe_mode):
    client = browser(member)
    assert paid(client, approved, stripe_mode).status_code == 200
    again = client.post(f"/bookings/{approved.pk}/pay/card/",
                        {"token": card_token(stripe_mode)}, **KO)
    assert again.status_code == 200 and again.json()["status"] == "succeeded"
    api_again = api_client(member).post(f"/api/v1/bookings/{approved.pk}/payment/confirm/",
                                        {"token": card_token(stripe_mode)}, format="json", **KO)
    assert api_again.status_code == 200
    assert Payment.objects.filter(booking=approved, kind="rental").count() == 1


def test_the_payment_pages_of_a_booking_that_is_not_there_are_404():
    person = make_person("someone@example.org", "Someone")
    for url in ("/bookings/999999/pay/", "/bookings/999999/receipt/",
                "/bookings/999999/pay/return/"):
        assert browser(person).get(url, **KO).status_code == 404
    for url in ("/bookings/999999/pay/card/", "/bookings/999999/pay/check/",
                "/bookings/999999/claim/"):
        assert browser(person).post(url, {"token": "tok_x"}, **KO).status_code == 404
    api = api_client(person)
    assert api.post("/api/v1/bookings/999999/payment/", **KO).status_code == 404
    assert api.get("/api/v1/bookings/99999999999999999999999/payments/",
                   **KO).status_code == 404


def test_the_payments_pages_work_offline_too(settings, owner, member, period, staff):
    """Offline gateway (no Stripe): nothing is due online; the pages answer
    without a 500 and change nothing."""
    settings.NANUM_PAYMENT_GATEWAY = "offline"
    tent = make_listing(owner, title="Offline tent", pricing="per_day", price=10_000,
                        deposit=50_000)
    booking = booking_act(actor=owner, booking=booking_request(
        actor=member, listing_id=tent.pk, start=period[0], end=period[1]), action="approve")
    client = browser(member)
    for url in (f"/bookings/{booking.pk}/pay/", f"/bookings/{booking.pk}/pay/return/",
                f"/bookings/{booking.pk}/receipt/"):
        assert client.get(url, **KO).status_code in (200, 302), url
    assert client.post(f"/bookings/{booking.pk}/pay/card/", {"token": "tok_x"},
                       **KO).status_code in (402, 409)
    assert client.post(f"/bookings/{booking.pk}/pay/check/", **KO).status_code in (404, 409)
    api = api_client(member)
    start = api.post(f"/api/v1/bookings/{booking.pk}/payment/", **KO)
    assert start.status_code == 409 and korean(start.json()["detail"])
    assert browser(owner).get("/earnings/", **KO).status_code == 200
    assert browser(staff).get("/staff/payouts/", **KO).status_code == 200
    assert browser(staff).get("/staff/payouts.csv", **KO).status_code == 200
    assert not Payment.objects.filter(status="succeeded").exists()


# --- the webhook -------------------------------------------------------------------


def hook(body, header=None, content_type="application/json", **extra):
    if header is None:
        header = signature(body if isinstance(body, str) else body.decode(), SECRET)
    return browser().post(WEBHOOK, body, content_type=content_type,
                          HTTP_STRIPE_SIGNATURE=header, **extra)


def test_the_webhook_refuses_what_stripe_did_not_sign(stripe_mode):
    event = stripe_event("payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent"})
    body = json.dumps(event)
    assert hook(body, header="").status_code == 400
    assert hook(body, header="t=abc,v1=zz").status_code == 400
    assert hook(body, header=signature(body, "whsec_other")).status_code == 400
    old = signature(body, SECRET, at=int(time.time()) - 600)
    assert hook(body, header=old).status_code == 400  # outside the 5-minute tolerance
    assert hook(b"\xff\xfe not utf-8", header="t=1,v1=ab",
                content_type="application/octet-stream").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_json_is_400(stripe_mode):
    assert hook("not json at all", content_type="text/plain").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_huge_webhook_body_is_413(stripe_mode):
    body = json.dumps({"id": "evt_big", "type": "x", "pad": "x" * (2 * 1024 * 1024)})
    assert hook(body).status_code == 413
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("body", ["[]", "null", "\"evt\"", "42", "{}"])
def test_a_signed_body_that_is_not_an_event_object_is_400_not_500(stripe_mode, body):
    """Signed JSON that is not an object (a list, null, a string) or an
    object without an id: stripe's construct_event raises AttributeError on
    a non-object, and webhook_handle does event["id"]."""
    response = hook(body)
    assert response.status_code == 400, (body, response.status_code)
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("obj", ["a string", ["a", "list"], 7])
def test_a_signed_event_whose_data_object_is_not_an_object_is_not_a_500(stripe_mode, obj):
    event = stripe_event("payment_intent.succeeded", {})
    event["data"]["object"] = obj
    response = hook(json.dumps(event))
    assert response.status_code in (200, 400), (obj, response.status_code)


def test_a_signed_event_with_odd_metadata_or_no_data_is_not_a_500(stripe_mode):
    for obj in ({"id": "pi_unknown", "object": "payment_intent", "metadata": "booking=1"},
                {"id": "pi_unknown", "object": "payment_intent", "metadata": ["booking"]},
                {"id": {"nested": 1}, "object": "payment_intent"},
                {"object": "charge", "payment_intent": ["pi_1"]}):
        kind = "charge.refunded" if obj["object"] == "charge" else "payment_intent.succeeded"
        response = hook(json.dumps(stripe_event(kind, obj)))
        assert response.status_code in (200, 400), (obj, response.status_code)
    missing = stripe_event("payment_intent.succeeded", {})
    del missing["data"]
    assert hook(json.dumps(missing)).status_code == 200
    null_data = stripe_event("payment_intent.succeeded", {})
    null_data["data"] = None
    assert hook(json.dumps(null_data)).status_code == 200


def test_an_event_of_another_account_or_an_unknown_intent_changes_nothing(
        approved, member, stripe_mode):
    payment_id = api_client(member).post(f"/api/v1/bookings/{approved.pk}/payment/",
                                         **EN).json()["payment_id"]
    forged = stripe_event("payment_intent.succeeded", {
        "id": "pi_of_someone_else", "object": "payment_intent", "status": "succeeded",
        "amount": 10_000, "currency": "krw",
        "metadata": {"booking": str(approved.pk), "kind": "rental"}})
    forged["account"] = "acct_someone_else"
    body, header = signed(forged, SECRET)
    answer = hook(body, header=header)
    assert answer.status_code == 200
    assert Payment.objects.get(pk=payment_id).status == "pending"
    assert unpaid(approved)
    # The same event again: already handled.
    assert hook(body, header=header).json()["outcome"] == "already handled"


def test_a_very_long_event_id_is_refused_or_stored_not_a_500(stripe_mode):
    """WebhookEvent.event_id holds 255 characters: PostgreSQL refuses a
    longer one with a DataError (SQLite stores it)."""
    event = stripe_event("customer.created", {"id": "cus_x", "object": "customer"},
                         event_id="evt_" + "x" * 400)
    assert hook(json.dumps(event)).status_code in (200, 400)
