"""The borrower pays an approved booking with a test card on the pay page (a
good card, a declined one, one that asks for 3-D Secure), 360 px wide:
localstripe's fake Stripe.js (its Card Element) in Chromium, our server
confirming the PaymentIntent at localstripe, and localstripe's webhook
delivered to the same live server (`live_stripe_site`)."""

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from payments.models import LedgerEntry, Payment
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, run_job
from tests.fixtures.bookings import make_listing
from tests.harness import STRIPE_TEST_SETTINGS
from tests.payments.conftest import DECLINED_CARD, GOOD_CARD, THREE_D_SECURE_CARD


@pytest.fixture
def stripe_page(browser, live_stripe_site, transactional_db, settings, localstripe_url):
    """`stripe_page()` opens a page on the live server that pays through
    localstripe; this process's settings match the server's, so bookings
    made here wait for an online payment too. Fails if the page needed
    anything the Content-Security-Policy refused."""
    from listings.categories import seed_categories

    for name, value in STRIPE_TEST_SETTINGS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = localstripe_url
    seed_categories()
    contexts, refused = [], []

    def watch(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{message.page.url if message.page else ''}: {message.text}")

    def make():
        context = browser.new_context(base_url=live_stripe_site, locale="en-US",
                                      viewport={"width": 360, "height": 780})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not refused, "The browser refused parts of pages:\n" + "\n".join(refused)


@pytest.fixture
def approved(owner, member, period):
    tent = make_listing(owner, title="Family tent", pricing="per_day", price=10_000,
                        deposit=50_000, cancellation_policy="moderate")

    def request_and_approve():
        booking = booking_request(actor=member, listing_id=tent.pk, start=period[0],
                                  end=period[1])
        return booking_act(actor=owner, booking=booking, action="approve")

    # Off Playwright's event-loop thread: the services notify over channels.
    booking = run_job(request_and_approve)
    assert booking.status == "approved"
    return booking


def type_card(page, number: str) -> None:
    """Into localstripe's fake Card Element (its inputs have placeholders)."""
    card = page.get_by_test_id("card-element")
    card.get_by_placeholder("number", exact=True).fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")  # it prefixes "20"
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("12345")


def test_the_borrower_pays_with_a_test_card_and_the_booking_is_confirmed(
        stripe_page, approved, member):
    page = stripe_page()
    log_in(page, member.email, PASSWORD)
    page.goto(f"/bookings/{approved.pk}/")
    expect(page.get_by_test_id("booking-status")).to_have_text("Approved")
    page.get_by_test_id("pay-now").click()

    expect(page.get_by_test_id("pay-total")).to_contain_text("10,000원")
    expect(page.get_by_test_id("pay-deposit")).to_contain_text("50,000원")
    expect(page.get_by_test_id("pay-deposit")).to_contain_text("not charged now")
    expect(page.get_by_test_id("pay-policy")).to_contain_text("5 days")
    type_card(page, GOOD_CARD)
    page.get_by_test_id("pay-button").click()

    page.wait_for_url(f"**/bookings/{approved.pk}/")
    expect(page.locator(".messages")).to_contain_text("Paid: your booking is confirmed.")
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")
    expect(page.get_by_test_id("payment-section")).to_contain_text("Paid")
    page.get_by_test_id("receipt-link").click()
    expect(page.get_by_test_id("receipt")).to_contain_text("Charged: 10,000원")
    expect(page.get_by_test_id("receipt-card")).to_contain_text("4242")
    payment = Payment.objects.get(booking=approved)
    assert payment.status == "succeeded" and payment.captured == 10_000
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"


def test_a_declined_card_is_told_and_the_booking_still_awaits_payment(
        stripe_page, approved, member):
    page = stripe_page()
    log_in(page, member.email, PASSWORD)
    page.goto(f"/bookings/{approved.pk}/pay/")
    type_card(page, DECLINED_CARD)
    page.get_by_test_id("pay-button").click()

    error = page.get_by_test_id("pay-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("declined")
    expect(page.get_by_test_id("pay-button")).to_be_enabled()
    page.goto(f"/bookings/{approved.pk}/")
    expect(page.get_by_test_id("booking-status")).to_have_text("Approved")
    expect(page.get_by_test_id("pay-now")).to_be_visible()
    assert Booking.objects.get(pk=approved.pk).status == "approved"
    assert not LedgerEntry.objects.exists()


def test_a_card_that_asks_for_3d_secure_is_confirmed_in_the_page(
        stripe_page, approved, member):
    page = stripe_page()
    log_in(page, member.email, PASSWORD)
    page.goto(f"/bookings/{approved.pk}/pay/")
    type_card(page, THREE_D_SECURE_CARD)
    page.get_by_test_id("pay-button").click()
    # localstripe's stand-in for the bank's 3-D Secure window.
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url(f"**/bookings/{approved.pk}/")
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")
    assert Payment.objects.get(booking=approved).status == "succeeded"
