"""Retries and double clicks move money once.

localstripe ignores idempotency keys, so these tests put a small test
double in the stripe library's own HTTP-client hook
(`payments.gateways.stripe.Gateway.http_client`): `StripeIdempotency`
forwards every request to localstripe but replays Stripe's idempotency
behaviour in front of it (same key and same parameters: the stored
response, without calling localstripe again; same key, other parameters:
400 idempotency_error). It can also lose the answer to a request that
localstripe carried out (the connection drops on the way back), which is
when a retry under the same key matters. Everything else is localstripe.
"""

import json
import re

import pytest
import stripe

from bookings.services.booking import booking_act
from payments.gateways.stripe import Gateway
from payments.models import Payment, PaymentOperation
from payments.services import settlement
from payments.services.checkout import payment_pay_with_card, payment_start
from tests.payments.conftest import card_token
from tests.payments.test_flow import (
    assert_books_balanced,
    charges_of,
    pay,
    returned_booking,
    stripe_get,
)

pytestmark = pytest.mark.django_db(transaction=True)

OUR_KEY = re.compile(r"^(booking:\d+:[a-z0-9:_-]+|user:\d+:customer)$", re.I)


class StripeIdempotency(stripe.RequestsClient):
    """A test double in front of localstripe that keeps Stripe's idempotency
    promise (see the module docstring). `posts` lists (path, key) of every
    POST our code sent; `forwarded` those that reached localstripe."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stored: dict[str, tuple] = {}
        self.posts: list[tuple[str, str]] = []
        self.forwarded: list[str] = []
        self.lose: set[str] = set()  # path endings whose next answer is lost

    def request(self, method, url, headers, post_data=None):
        path = url.split("?")[0].split("127.0.0.1", 1)[-1].split("/", 1)[-1]
        path = "/" + path.split("/", 1)[-1] if path[:1].isdigit() else "/" + path
        key = (headers or {}).get("Idempotency-Key")
        if method == "post":
            self.posts.append((path, key))
        if key and key in self.stored:
            seen_url, seen_data, answer = self.stored[key]
            if (seen_url, seen_data) == (url, post_data):
                return answer
            body = {"error": {"type": "idempotency_error", "message": (
                "Keys for idempotent requests can only be used with the same parameters "
                "they were first used with.")}}
            return json.dumps(body).encode(), 400, {}
        answer = super().request(method, url, headers, post_data)
        if method == "post":
            self.forwarded.append(path)
        if key and method == "post" and answer[1] < 500:
            self.stored[key] = (url, post_data, answer)
        ending = next((e for e in self.lose if path.endswith(e)), None)
        if ending is not None:
            self.lose.discard(ending)
            raise stripe.APIConnectionError("the answer was lost on the way back")
        return answer


@pytest.fixture
def double(monkeypatch, stripe_mode):
    client = StripeIdempotency(timeout=10)
    monkeypatch.setattr(Gateway, "http_client", client)
    return client


def assert_every_post_keyed(double) -> None:
    assert double.posts
    for path, key in double.posts:
        assert key and OUR_KEY.match(key), (path, key)


def test_the_double_keeps_stripes_idempotency_promise(double, stripe_mode):
    client = stripe.StripeClient("sk_test_nanum", http_client=double,
                                 base_addresses={"api": stripe_mode})
    one = client.v1.customers.create({"email": "a@example.org"}, {"idempotency_key": "k1"})
    again = client.v1.customers.create({"email": "a@example.org"}, {"idempotency_key": "k1"})
    assert one.id == again.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "b@example.org"}, {"idempotency_key": "k1"})


def test_a_double_click_on_pay_charges_once(double, approved, member, stripe_mode):
    token = card_token(stripe_mode)
    double.lose.add("/confirm")  # the first click's answer never arrives
    with pytest.raises(Exception):  # noqa: B017 - PaymentFailed, the service is away
        payment_pay_with_card(actor=member, booking_id=approved.pk, token=token)
    again = payment_pay_with_card(actor=member, booking_id=approved.pk, token=token)
    third = payment_pay_with_card(actor=member, booking_id=approved.pk, token=token)
    assert again.status == third.status == "succeeded"
    approved.refresh_from_db()
    assert approved.status == "confirmed"
    assert [c["amount"] for c in charges_of(stripe_mode, member)
            if c["status"] == "succeeded"] == [10_000]
    assert double.forwarded.count(f"/v1/payment_intents/{again.intent_id}/confirm") == 1
    assert_every_post_keyed(double)
    assert_books_balanced()


def test_a_retried_capture_captures_once(double, approved, member, owner, stripe_mode):
    pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    booking = returned_booking(approved, owner)
    settlement.damage_claim_make(actor=owner, booking=booking, amount=20_000, text="Dent.")
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    double.lose.add("/capture")
    settlement.dispute_settle(booking=booking, awarded=20_000)  # capture on commit, lost
    deposit.refresh_from_db()
    assert deposit.status == "authorized"  # we did not hear back
    operation = PaymentOperation.objects.get(idempotency_key=f"booking:{booking.pk}:deposit-capture")
    assert operation.status == "failed"
    settlement.settle_due()
    settlement.settle_due()
    deposit.refresh_from_db()
    assert deposit.status == "succeeded" and deposit.captured == 20_000
    assert double.forwarded.count(f"/v1/payment_intents/{deposit.intent_id}/capture") == 1
    [held] = [c for c in charges_of(stripe_mode, member) if c["amount"] == 50_000]
    assert held["amount"] - held["amount_refunded"] == 20_000
    assert (f"/v1/payment_intents/{deposit.intent_id}/capture",
            f"booking:{booking.pk}:deposit-capture") in double.posts
    assert_every_post_keyed(double)
    assert_books_balanced()


def test_a_retried_refund_refunds_once(double, approved, member, owner, stripe_mode):
    payment = pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    double.lose.add("/v1/refunds")
    booking_act(actor=owner, booking=approved, action="cancel")  # refund on commit, lost
    payment.refresh_from_db()
    assert payment.refunded == 0
    settlement.settle_due()
    settlement.settle_due()
    payment.refresh_from_db()
    assert payment.refunded == 10_000
    refunds = stripe_get(stripe_mode, "/v1/refunds", limit=100)["data"]
    assert [r["amount"] for r in refunds] == [10_000]
    key = f"booking:{approved.pk}:refund-cancelled"
    assert [k for p, k in double.posts if p == "/v1/refunds"] == [key, key]
    assert double.forwarded.count("/v1/refunds") == 1
    assert_every_post_keyed(double)
    assert_books_balanced()


def test_payment_start_twice_makes_one_intent(double, approved, member, stripe_mode):
    first = payment_start(actor=member, booking_id=approved.pk)
    second = payment_start(actor=member, booking_id=approved.pk)
    assert first.pk == second.pk and first.intent_id == second.intent_id
    assert double.forwarded.count("/v1/payment_intents") == 1
    assert_every_post_keyed(double)
