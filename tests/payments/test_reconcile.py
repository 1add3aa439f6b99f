"""The daily reconciliation against localstripe: the gateway's recent
PaymentIntents compared with our payments.

Differences are made the way they happen in life, at the gateway behind our
back: a payment confirmed by Stripe.js whose webhook never came (the
gateway's client confirming it directly), an intent made at the dashboard,
a hold released at the dashboard, an amount changed there."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import booking_act
from payments import ledger
from payments.gateways import active_gateway
from payments.models import LedgerEntry, Payment, PaymentChange
from payments.services.checkout import payment_pay_with_card, payment_start
from payments.services.reconcile import reconcile_recent
from tests.harness import free_port
from tests.payments.conftest import card_token
from tests.payments.webhook_kit import pay_at_gateway

pytestmark = pytest.mark.django_db(transaction=True)


def test_nothing_to_report_when_we_agree(approved, member, stripe_mode):
    payment_pay_with_card(actor=member, booking_id=approved.pk, token=card_token(stripe_mode))
    assert reconcile_recent() == []


def test_a_payment_the_gateway_has_as_succeeded_is_brought_forward(approved, member,
                                                                   stripe_mode, caplog):
    payment = pay_at_gateway(approved, member, stripe_mode)
    assert payment.status == "pending"
    with caplog.at_level(logging.WARNING, logger="nanum.payments"):
        found = reconcile_recent()
    assert found == [f"payment {payment.pk} (rental of booking {approved.pk}): pending here, "
                     "succeeded at the gateway; brought forward to succeeded."]
    assert found[0] in caplog.text
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.captured == 10_000
    assert Booking.objects.get(pk=approved.pk).status == "confirmed"
    assert PaymentChange.objects.get(payment=payment, to_status="succeeded").cause == \
        "daily reconciliation"
    assert ledger.total() == 0
    # Run again: nothing differs any more.
    assert reconcile_recent() == []


def test_a_hold_released_at_the_dashboard_is_released_here(approved, member, owner,
                                                           stripe_mode):
    payment_pay_with_card(actor=member, booking_id=approved.pk, token=card_token(stripe_mode))
    booking_act(actor=owner, booking=Booking.objects.get(pk=approved.pk), action="pickup")
    deposit = Payment.objects.get(booking=approved, kind="deposit")
    active_gateway().client.v1.payment_intents.cancel(deposit.intent_id)
    found = reconcile_recent()
    assert len(found) == 1 and "authorized here, canceled at the gateway" in found[0]
    deposit.refresh_from_db()
    assert deposit.status == "canceled"
    assert set(LedgerEntry.objects.filter(payment=deposit).values_list("reason", flat=True)) \
        == {"deposit_hold", "deposit_release"}
    assert ledger.total() == 0


def test_unknown_intent_and_a_different_amount_are_reported_and_left(approved, member,
                                                                     stripe_mode):
    client = active_gateway().client
    stranger = client.v1.payment_intents.create(
        {"amount": 7000, "currency": "krw", "payment_method_types": ["card"],
         "metadata": {"booking": "999"}})
    payment = payment_start(actor=member, booking_id=approved.pk)
    client.v1.payment_intents.update(payment.intent_id, {"amount": 12_000})
    found = reconcile_recent()
    assert sorted(found) == sorted([
        f"PaymentIntent {stranger['id']} (pending, 7000 KRW, booking 999) is unknown to us.",
        f"payment {payment.pk} (rental of booking {approved.pk}): 10000 KRW here, "
        "12000 KRW at the gateway."])
    payment.refresh_from_db()
    assert payment.amount == 10_000 and payment.status == "pending"
    assert not LedgerEntry.objects.exists()


def test_only_the_last_days_are_compared(approved, member, stripe_mode):
    pay_at_gateway(approved, member, stripe_mode)
    assert reconcile_recent(now=timezone.now() + timedelta(days=4)) == []
    assert Payment.objects.get(booking=approved).status == "pending"
    assert len(reconcile_recent(now=timezone.now() + timedelta(days=2))) == 1


def test_gateway_out_of_reach_is_reported_and_changes_nothing(approved, member, stripe_mode,
                                                              settings):
    payment = pay_at_gateway(approved, member, stripe_mode)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    found = reconcile_recent()
    assert len(found) == 1 and found[0].startswith("The gateway could not be asked")
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_offline_gateway_has_nothing_to_do(db, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.NANUM_PAYMENT_GATEWAY = ""
    assert reconcile_recent() == []


def test_more_than_a_page_of_intents_is_read_to_the_end(approved, member, stripe_mode):
    """localstripe lists oldest first, 100 a page: a payment made after 120
    others is still compared."""
    client = active_gateway().client
    for _ in range(120):
        client.v1.payment_intents.create({"amount": 1000, "currency": "krw",
                                          "payment_method_types": ["card"]})
    payment = pay_at_gateway(approved, member, stripe_mode)
    found = reconcile_recent()
    assert len(found) == 121
    assert sum("is unknown to us" in line for line in found) == 120
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
