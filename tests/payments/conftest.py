"""Payments tests: bookings with a price and a deposit, paid through
localstripe (`stripe_mode`), and cards as localstripe's fake Stripe.js makes
them (a token from POST /v1/tokens with the publishable key)."""

import pytest
import requests

from bookings.services.booking import booking_act, booking_request
from tests.fixtures.bookings import make_listing

GOOD_CARD = "4242424242424242"
# Refused when saved on the Customer (localstripe's decline test card).
DECLINED_CARD = "4000000000000002"
# Saved, but every charge on it is declined.
CHARGE_DECLINED_CARD = "4000000000000341"
# Asks for 3-D Secure.
THREE_D_SECURE_CARD = "4000002500003155"


def card_token(localstripe_url: str, number: str = GOOD_CARD) -> str:
    answer = requests.post(f"{localstripe_url}/v1/tokens", timeout=10, data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030",
        "card[cvc]": "123", "key": "pk_test_nanum"})
    answer.raise_for_status()
    return answer.json()["id"]


@pytest.fixture
def tent(owner):
    """A tent at 10,000 won a day with a 50,000 won deposit, approved by hand."""
    return make_listing(owner, title="4인용 텐트", pricing="per_day", price=10_000,
                        deposit=50_000)


@pytest.fixture
def approved(stripe_mode, tent, member, owner, period):
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0],
                              end=period[1])
    return booking_act(actor=owner, booking=booking, action="approve")
