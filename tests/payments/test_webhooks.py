"""Stripe's webhook, POST /payments/stripe/webhook/, against localstripe.

The payments here are confirmed at the gateway directly (the stripe client
saving a card and confirming the PaymentIntent), which is what Stripe.js
does in the person's browser with real Stripe: our checkout does not hear
of it, the booking stays approved and our Payment pending, so only the
webhook can bring them forward. That is the case the webhook is for (the
person paid and closed the tab before the return page).

localstripe sends only payment_intent.succeeded and payment_failed (and
events we do not act on, like customer.created); the other event types
(amount_capturable_updated, canceled, charge.refunded) are built here from
Stripe's documented shapes around the real objects read back from
localstripe, and signed here with HMAC-SHA256 the way Stripe signs
(`t=<ts>,v1=<hex>` over f"{ts}.{payload}"), with the same secret.
"""

import random
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.test import Client

from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from payments import ledger
from payments.gateways import active_gateway
from payments.models import LedgerEntry, Payment, PaymentChange, WebhookEvent
from payments.services import settlement
from payments.services.checkout import payment_pay_with_card
from tests.fixtures.threads import run_at_once
from tests.harness import free_port
from tests.payments.conftest import CHARGE_DECLINED_CARD, card_token
from tests.payments.webhook_kit import intent_body, pay_at_gateway, signed, stripe_event

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/payments/stripe/webhook/"


# --- helpers ----------------------------------------------------------------


def post(event: dict, secret: str, client: Client | None = None):
    body, header = signed(event, secret)
    return (client or Client()).post(URL, body, content_type="application/json",
                                     HTTP_STRIPE_SIGNATURE=header)


def charge_body(intent_id: str) -> dict:
    pi = active_gateway().client.v1.payment_intents.retrieve(
        intent_id, {"expand": ["latest_charge"]})
    return pi["latest_charge"].to_dict()


def book(tent, member, owner, period, days_later: int):
    start, end = (t + timedelta(days=3 * days_later) for t in period)
    booking = booking_request(actor=member, listing_id=tent.pk, start=start, end=end)
    return booking_act(actor=owner, booking=booking, action="approve")


def postings(payment) -> list[str]:
    return sorted(set(LedgerEntry.objects.filter(payment=payment)
                      .values_list("reason", flat=True)))


# --- delivered by localstripe --------------------------------------------


def test_localstripe_delivers_succeeded_and_the_booking_is_confirmed(
        live_server, settings, approved, member, stripe_mode):
    """localstripe itself signs and POSTs payment_intent.succeeded to the
    live server (in this process, so the overridden settings apply). Our
    checkout never hears of the payment (it is confirmed at the gateway
    directly), so the booking confirmed proves the webhook did it.

    localstripe keeps its webhooks across DELETE /_config/data: afterwards
    the same id is pointed at a closed loopback port, where its later
    deliveries fail and are only logged by localstripe."""
    hook = f"{stripe_mode}/_config/webhooks/nanum-webhook-tests"
    requests.post(hook, timeout=10, data={
        "url": f"{live_server.url}{URL}",
        "secret": settings.STRIPE_WEBHOOK_SECRET}).raise_for_status()
    try:
        payment = pay_at_gateway(approved, member, stripe_mode)
        assert payment.status == "pending"
        deadline = time.monotonic() + 10
        event = None
        while time.monotonic() < deadline and event is None:
            # Only this payment's: a delivery of an earlier test's event
            # (localstripe sends 1 s late) may arrive too, and is ignored.
            event = WebhookEvent.objects.filter(type="payment_intent.succeeded",
                                                outcome__startswith=f"payment {payment.pk}:"
                                                ).first()
            time.sleep(0.1)
    finally:
        requests.post(hook, timeout=10, data={
            "url": f"http://127.0.0.1:{free_port()}/", "secret": "whsec_nobody"})
    assert event is not None, "localstripe's payment_intent.succeeded did not arrive"
    assert event.outcome == f"payment {payment.pk}: pending -> succeeded"
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.captured == 10_000
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"
    change = PaymentChange.objects.get(payment=payment, to_status="succeeded")
    assert change.cause == f"webhook {event.event_id} payment_intent.succeeded"
    assert ledger.total() == 0


# --- refusals -----------------------------------------------------------------


def test_bad_or_missing_signature_is_refused_and_changes_nothing(approved, member,
                                                                  stripe_mode, settings):
    payment = pay_at_gateway(approved, member, stripe_mode)
    event = stripe_event("payment_intent.succeeded", intent_body(payment.intent_id))
    forged = post(event, "whsec_someone_else")
    assert forged.status_code == 400
    assert forged.json()["code"] == "validation_failed"
    body, header = signed(event, settings.STRIPE_WEBHOOK_SECRET)
    tampered = Client().post(URL, body.replace("succeeded", "canceled"),
                             content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert tampered.status_code == 400
    unsigned = Client().post(URL, body, content_type="application/json")
    assert unsigned.status_code == 400 and unsigned.json()["code"] == "validation_failed"
    assert Client().get(URL).status_code == 405
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert Booking.objects.get(pk=approved.pk).status == "approved"
    assert not LedgerEntry.objects.exists()


def test_without_a_webhook_secret_the_endpoint_is_not_there(approved, member, stripe_mode,
                                                            settings):
    payment = pay_at_gateway(approved, member, stripe_mode)
    event = stripe_event("payment_intent.succeeded", intent_body(payment.intent_id))
    secret = settings.STRIPE_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post(event, secret).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_gateway_out_of_reach_answers_503_and_stores_nothing(approved, member, stripe_mode,
                                                             settings):
    """The event is re-read from Stripe; with Stripe unreachable (a closed
    port) the answer is 503, so Stripe delivers it again, and the event is
    not stored: the next delivery is handled."""
    payment = pay_at_gateway(approved, member, stripe_mode)
    event = stripe_event("payment_intent.succeeded", intent_body(payment.intent_id))
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    away = post(event, settings.STRIPE_WEBHOOK_SECRET)
    assert away.status_code == 503 and away.json()["code"] == "unavailable"
    assert not WebhookEvent.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    settings.STRIPE_API_BASE = stripe_mode
    assert post(event, settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


# --- repeats, order, concurrency ---------------------------------------------


def test_same_event_three_times_is_handled_once(approved, member, stripe_mode, settings):
    payment = pay_at_gateway(approved, member, stripe_mode)
    event = stripe_event("payment_intent.succeeded", intent_body(payment.intent_id))
    answers = [post(event, settings.STRIPE_WEBHOOK_SECRET) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["outcome"] for a in answers] == [
        f"payment {payment.pk}: pending -> succeeded", "already handled", "already handled"]
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"
    assert PaymentChange.objects.filter(payment=payment, cause__startswith="webhook").count() == 1
    assert LedgerEntry.objects.filter(payment=payment).values("posting").distinct().count() == 1
    assert ledger.total() == 0


def test_event_for_a_payment_intent_we_do_not_know_is_stored_and_ignored(stripe_mode,
                                                                         settings):
    pi = active_gateway().client.v1.payment_intents.create(
        {"amount": 5000, "currency": "krw", "payment_method_types": ["card"]}).to_dict()
    event = stripe_event("payment_intent.succeeded", pi)
    answer = post(event, settings.STRIPE_WEBHOOK_SECRET)
    assert answer.status_code == 200
    stored = WebhookEvent.objects.get(event_id=event["id"])
    assert "ignored" in stored.outcome
    assert post(stripe_event("customer.created", {"id": "cus_1", "object": "customer"}),
                settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    assert not Payment.objects.exists() and not LedgerEntry.objects.exists()


def world(tent, member, owner, period, localstripe_url):
    """Five payments whose final state is at the gateway, and the events
    that told of their way there (a few stale), in the order they happened:

    - paid: rental confirmed at the gateway (succeeded);
    - declined: rental whose card was declined (payment_failed);
    - refunded: rental paid, then 3,000 refunded from Stripe's dashboard
      (charge.refunded; the refund is made at localstripe directly);
    - held: a deposit held at pickup (amount_capturable_updated);
    - released: a deposit held, then released at the dashboard
      (amount_capturable_updated, then canceled).

    Deposits are held by our services (deposit_hold answers authorized at
    once), so their events confirm what we know or tell of a release we did
    not make."""
    gateway = active_gateway()
    paid = pay_at_gateway(book(tent, member, owner, period, 0), member, localstripe_url)
    declined = pay_at_gateway(book(tent, member, owner, period, 1), member, localstripe_url,
                              CHARGE_DECLINED_CARD)
    refunded = pay_at_gateway(book(tent, member, owner, period, 2), member, localstripe_url)
    events = [
        stripe_event("payment_intent.succeeded", intent_body(paid.intent_id)),
        stripe_event("payment_intent.payment_failed", intent_body(declined.intent_id)),
        stripe_event("payment_intent.succeeded", intent_body(refunded.intent_id)),
    ]
    gateway.client.v1.refunds.create({"payment_intent": refunded.intent_id, "amount": 3000})
    events.append(stripe_event("charge.refunded", charge_body(refunded.intent_id)))
    deposits = []
    for n in (3, 4):
        booking = book(tent, member, owner, period, n)
        payment_pay_with_card(actor=member, booking_id=booking.pk,
                              token=card_token(localstripe_url))
        events.append(stripe_event("payment_intent.succeeded", intent_body(
            Payment.objects.get(booking=booking, kind="rental").intent_id)))
        booking_act(actor=owner, booking=Booking.objects.get(pk=booking.pk), action="pickup")
        deposit = Payment.objects.get(booking=booking, kind="deposit")
        assert deposit.status == "authorized"
        events.append(stripe_event("payment_intent.amount_capturable_updated",
                                   intent_body(deposit.intent_id)))
        deposits.append(deposit)
    held, released = deposits
    gateway.client.v1.payment_intents.cancel(released.intent_id)
    events.append(stripe_event("payment_intent.canceled", intent_body(released.intent_id)))
    return {"paid": paid, "declined": declined, "refunded": refunded, "held": held,
            "released": released}, events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_in_any_order_end_in_the_same_state(seed, tent, member, owner, period,
                                                   stripe_mode, settings):
    """The events, each delivered twice, in a shuffled order (a different
    one per seed): every payment ends where the gateway says, each move
    posted once, the ledger balanced."""
    payments, events = world(tent, member, owner, period, stripe_mode)
    deliveries = events * 2
    random.Random(seed).shuffle(deliveries)
    for event in deliveries:
        assert post(event, settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    assert WebhookEvent.objects.count() == len(events)
    state = {name: Payment.objects.get(pk=p.pk) for name, p in payments.items()}
    assert {name: p.status for name, p in state.items()} == {
        "paid": "succeeded", "declined": "failed", "refunded": "succeeded",
        "held": "authorized", "released": "canceled"}
    assert state["refunded"].refunded == 3000 and state["refunded"].captured == 10_000
    assert state["paid"].refunded == 0
    assert {name: postings(p) for name, p in state.items()} == {
        "paid": ["rental"], "declined": [], "refunded": ["refund", "rental"],
        "held": ["deposit_hold"], "released": ["deposit_hold", "deposit_release"]}
    for booking_of in ("paid", "refunded"):
        assert state[booking_of].booking.status == "confirmed"
    assert Booking.objects.get(pk=state["declined"].booking_id).status == "approved"
    assert ledger.total() == 0
    # The lender is owed two rentals, one less the refund, and the two
    # rentals paid at the checkout (each 10,000, no fees on this tent).
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 10_000 + 7_000 + 2 * 10_000
    # Replayed once more: nothing changes.
    changes = PaymentChange.objects.count()
    for event in deliveries:
        assert post(event, settings.STRIPE_WEBHOOK_SECRET).json()["outcome"] == \
            "already handled"
    assert PaymentChange.objects.count() == changes


def test_same_event_twice_at_once_is_handled_once(approved, member, stripe_mode, settings):
    """Two deliveries at the same moment, each on its own connection: the
    unique event id lets one in, the other is told it was handled (on
    SQLite the two transactions take turns)."""
    payment = pay_at_gateway(approved, member, stripe_mode)
    event = stripe_event("payment_intent.succeeded", intent_body(payment.intent_id))
    body, header = signed(event, settings.STRIPE_WEBHOOK_SECRET)
    lock = threading.Lock()
    outcomes = []

    def deliver(_i):
        answer = Client().post(URL, body, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=header)
        with lock:
            outcomes.append((answer.status_code, answer.json()["outcome"]))

    run_at_once(deliver, 4)
    assert sorted(outcomes) == sorted(
        [(200, f"payment {payment.pk}: pending -> succeeded")] + [(200, "already handled")] * 3)
    assert WebhookEvent.objects.count() == 1
    assert PaymentChange.objects.filter(payment=payment, cause__startswith="webhook").count() == 1
    assert LedgerEntry.objects.filter(payment=payment).values("posting").distinct().count() == 1
    assert ledger.total() == 0
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"


def test_charge_refunded_for_our_own_refund_records_nothing_more(approved, member,
                                                                 stripe_mode, settings):
    """Stripe tells of every refund, ours too: a refund Nanum made and
    recorded is not recorded again; one made at the dashboard afterwards is
    recorded as the difference."""
    payment = payment_pay_with_card(actor=member, booking_id=approved.pk,
                                    token=card_token(stripe_mode))
    payment = settlement.refund(payment, amount=4000, key="test:refund", cause="test refund")
    assert payment.refunded == 4000
    ours = stripe_event("charge.refunded", charge_body(payment.intent_id))
    assert post(ours, settings.STRIPE_WEBHOOK_SECRET).json()["outcome"] == \
        f"payment {payment.pk}: succeeded -> succeeded"
    active_gateway().client.v1.refunds.create({"payment_intent": payment.intent_id,
                                               "amount": 1000})
    outside = stripe_event("charge.refunded", charge_body(payment.intent_id))
    assert post(outside, settings.STRIPE_WEBHOOK_SECRET).json()["outcome"] == \
        f"payment {payment.pk}: succeeded -> succeeded, refunded 1000 KRW outside Nanum"
    payment.refresh_from_db()
    assert payment.refunded == 5000
    assert LedgerEntry.objects.filter(payment=payment, reason="refund").values(
        "posting").distinct().count() == 2
    assert ledger.lender_balance(approved.listing.owner)["KRW"]["owed"] == 5000
    assert ledger.total() == 0
