"""The payment pages through the Django test client, against localstripe
(`stripe_mode`): the pay page restates the quote and loads the right
Stripe.js; only the borrower pays; the receipt is for the parties; the
lender's earnings, the claim on a deposit, and the staff payout report."""

import csv
import io

import pytest

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from frontend.views import payments as payment_pages
from moderation.models import Complaint
from payments.models import DamageClaim, Payment, Payout
from tests.fixtures.bookings import make_listing
from tests.payments.conftest import DECLINED_CARD, GOOD_CARD, card_token

# The settlement runs when the transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def approved(stripe_mode, owner, member, period):
    """A tent at 10,000 won a day with a 50,000 won deposit, approved: it
    waits for the borrower's payment."""
    tent = make_listing(owner, title="4인용 텐트", pricing="per_day", price=10_000,
                        deposit=50_000, cancellation_policy="moderate")
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0],
                              end=period[1])
    return booking_act(actor=owner, booking=booking, action="approve")


def as_(client, user):
    client.force_login(user)
    return client


def pay(client, booking, localstripe_url, number=GOOD_CARD):
    """What pay.js does in card mode: the token, posted to our server."""
    return client.post(f"/bookings/{booking.pk}/pay/card/",
                       {"token": card_token(localstripe_url, number)}, **EN)


def test_the_pay_page_restates_the_quote_and_loads_localstripes_stripe_js(
        client, approved, member, stripe_mode):
    page = as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert approved.status == "approved"
    assert "10,000원" in html and "50,000원" in html  # rental (charged now), deposit
    assert "not charged now" in html
    assert "5 days" in html  # the moderate policy's summary
    assert f'src="{stripe_mode}/js.stripe.com/v3/"' in html
    assert 'data-mode="card"' in html and 'data-publishable-key="pk_test_nanum"' in html
    payment = Payment.objects.get(booking=approved, kind="rental")
    assert f'data-client-secret="{payment.client_secret}"' in html
    assert "/static/js/pay.js" in html
    # Reloading the page makes no second payment.
    assert as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN).status_code == 200
    assert Payment.objects.filter(booking=approved).count() == 1


def test_with_real_stripe_the_page_uses_stripes_own_script(settings):
    """The page's mode with real Stripe (the page itself cannot be shown
    without reaching api.stripe.com: opening it checks the PaymentIntent)."""
    settings.STRIPE_API_BASE = ""
    assert payment_pages.stripe_js_url() == "https://js.stripe.com/v3/"
    assert payment_pages.stripe_mode() == "element"
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420/"
    assert payment_pages.stripe_js_url() == "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert payment_pages.stripe_mode() == "card"


def test_only_the_borrower_sees_the_pay_page(client, approved, owner, outsider, staff):
    for person in (owner, outsider, staff):
        client.force_login(person)
        assert client.get(f"/bookings/{approved.pk}/pay/", **EN).status_code == 404
        assert client.post(f"/bookings/{approved.pk}/pay/card/", {"token": "tok_x"},
                           **EN).status_code == 404
    assert not Payment.objects.exists()


def test_paying_confirms_the_booking_and_the_booking_page_shows_it(
        client, approved, member, owner, stripe_mode):
    as_(client, member)
    detail = client.get(f"/bookings/{approved.pk}/", **EN).content.decode()
    assert f'href="/bookings/{approved.pk}/pay/"' in detail and "Pay now" in detail
    client.get(f"/bookings/{approved.pk}/pay/", **EN)
    answer = pay(client, approved, stripe_mode)
    assert answer.status_code == 200
    assert answer.json()["status"] == "succeeded" and not answer.json()["requires_action"]
    back = client.get(f"/bookings/{approved.pk}/pay/return/", **EN, follow=True)
    assert "Paid: your booking is confirmed." in back.content.decode()
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"
    detail = client.get(f"/bookings/{approved.pk}/", **EN).content.decode()
    assert 'data-testid="payment-section"' in detail and "Pay now" not in detail
    assert f'href="/bookings/{approved.pk}/receipt/"' in detail
    # The pay page now sends the borrower back to the booking.
    assert client.get(f"/bookings/{approved.pk}/pay/", **EN).status_code == 302
    # The lender sees what was paid.
    lender_view = as_(client, owner).get(f"/bookings/{approved.pk}/", **EN).content.decode()
    assert "Rental and fees" in lender_view and "Paid" in lender_view


def test_a_declined_card_answers_the_reason_and_the_booking_stays_unpaid(
        client, approved, member, stripe_mode):
    as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    answer = pay(client, approved, stripe_mode, DECLINED_CARD)
    assert answer.status_code == 402
    assert answer.json()["message"] and answer.json()["status"] != "succeeded"
    assert Booking.objects.get(pk=approved.pk).status == "approved"
    assert "Pay now" in client.get(f"/bookings/{approved.pk}/", **EN).content.decode()


def test_the_receipt_is_for_the_parties_only(client, approved, member, owner, outsider,
                                             stripe_mode):
    as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    unpaid = client.get(f"/bookings/{approved.pk}/receipt/", **EN).content.decode()
    assert "Nothing was paid online for this booking." in unpaid
    pay(client, approved, stripe_mode)
    for person in (member, owner):
        receipt = as_(client, person).get(f"/bookings/{approved.pk}/receipt/", **EN)
        assert receipt.status_code == 200
        html = receipt.content.decode()
        assert "4인용 텐트" in html and "Owner Kim" in html and "Member Lee" in html
        assert "Charged: 10,000원" in html
        # The card's label is on the borrower's copy only.
        assert ("4242" in html) == (person == member)
        assert "/static/css/receipt.css" in html
    as_(client, outsider)
    assert client.get(f"/bookings/{approved.pk}/receipt/", **EN).status_code == 404


def test_the_lenders_earnings_show_what_is_owed(client, approved, member, owner,
                                                stripe_mode):
    as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    pay(client, approved, stripe_mode)
    page = as_(client, owner).get("/earnings/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "10,000원" in html and "Rental paid" in html
    assert f'href="/bookings/{approved.pk}/"' in html
    assert "Set up payouts" not in html  # no Stripe Connect here
    assert client.get("/earnings/payouts/setup/", **EN).status_code == 404
    client.logout()
    assert client.get("/earnings/", **EN).status_code == 302  # to log in


def test_staff_pay_out_by_hand_from_the_report(client, approved, member, owner, staff,
                                               outsider, stripe_mode):
    as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    pay(client, approved, stripe_mode)
    for person in (owner, outsider):
        as_(client, person)
        assert client.get("/staff/payouts/", **EN).status_code == 404
        assert client.get("/staff/payouts.csv", **EN).status_code == 404
        assert client.post(f"/staff/payouts/{owner.pk}/paid/",
                           {"currency": "KRW", "amount": "10000"}, **EN).status_code == 404
    client.logout()
    assert client.get("/staff/payouts/", **EN).status_code == 404

    as_(client, staff)
    report = client.get("/staff/payouts/", **EN)
    assert report.status_code == 200 and "Owner Kim" in report.content.decode()
    assert "10,000원" in report.content.decode()
    download = client.get("/staff/payouts.csv", **EN)
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["lender_id", "name", "email", "currency", "owed", "paid",
                       "payout_account"]
    assert rows[1] == [str(owner.pk), "Owner Kim", "owner@example.org", "KRW", "10000", "0",
                       ""]
    state = report.context["rows"][0]["state"]
    form = {"currency": "KRW", "amount": "10000", "state": state}
    marked = client.post(f"/staff/payouts/{owner.pk}/paid/", form, **EN, follow=True)
    assert "was paid by hand" in marked.content.decode()
    client.post(f"/staff/payouts/{owner.pk}/paid/", form, **EN)  # the same form again
    assert Payout.objects.get().amount == 10_000
    assert "No lender is owed anything now." in client.get(
        "/staff/payouts/", **EN).content.decode()
    earnings = as_(client, owner).get("/earnings/", **EN).content.decode()
    assert "Settled by hand" in earnings


def test_the_lender_claims_on_the_deposit_from_the_booking_page(
        client, approved, member, owner, stripe_mode):
    as_(client, member).get(f"/bookings/{approved.pk}/pay/", **EN)
    pay(client, approved, stripe_mode)
    booking = booking_act(actor=owner, booking=Booking.objects.get(pk=approved.pk),
                          action="pickup")
    booking = booking_act(actor=owner, booking=booking, action="return")
    detail = as_(client, owner).get(f"/bookings/{booking.pk}/", **EN).content.decode()
    assert "Claim on the deposit" in detail and "condition reports" in detail
    assert "Held on the card" in detail
    # The borrower has no claim form.
    assert 'data-testid="claim-amount"' not in as_(client, member).get(
        f"/bookings/{booking.pk}/", **EN).content.decode()
    refused = client.post(f"/bookings/{booking.pk}/claim/", {"amount": "1000", "text": "x"},
                          **EN, follow=True)
    assert "Only the lender can claim on the deposit." in refused.content.decode()
    assert not DamageClaim.objects.exists()

    as_(client, owner)
    too_much = client.post(f"/bookings/{booking.pk}/claim/",
                           {"amount": "60000", "text": "Torn fly sheet"}, **EN, follow=True)
    assert "Claim between 1 and 50000." in too_much.content.decode()
    assert not DamageClaim.objects.exists()
    claimed = client.post(f"/bookings/{booking.pk}/claim/",
                          {"amount": "20,000", "text": "Torn fly sheet"}, **EN, follow=True)
    assert "Your claim is sent." in claimed.content.decode()
    claim = DamageClaim.objects.get()
    assert claim.amount == 20_000 and claim.text == "Torn fly sheet"
    assert Booking.objects.get(pk=booking.pk).status == "disputed"
    assert Complaint.objects.filter(booking=booking).exists()
    assert "Damage claimed on the deposit: 20,000원" in claimed.content.decode()


def test_the_payment_pages_answer_in_korean(client, approved, member, stripe_mode):
    """The pages speak the person's language (the strings are translated
    later; here only the switch is checked)."""
    as_(client, member)
    page = client.get(f"/bookings/{approved.pk}/pay/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200 and '<html lang="ko">' in page.content.decode()
    assert client.get("/earnings/", HTTP_ACCEPT_LANGUAGE="ko").status_code == 200
