"""The payments jobs against localstripe: deposit holds renewed before they
lapse (and flagged when the card refuses), and settle_due finishing what
failed while the gateway was away."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.services.booking import booking_act
from payments.models import Payment
from payments.services import settlement
from tests.harness import free_port
from tests.payments.test_flow import (
    assert_books_balanced,
    balance,
    pay,
    stripe_get,
    use_card_that_declines_charges,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def picked_up_paid(approved, member, owner, stripe_mode):
    pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    return booking_act(actor=owner, booking=approved, action="pickup")


def test_a_lapsing_deposit_hold_is_renewed_and_the_old_one_released(
        picked_up_paid, member, stripe_mode):
    old = Payment.objects.get(booking=picked_up_paid, kind="deposit")
    assert settlement.deposit_renew_lapsing() == 0  # 7 days left: nothing to do
    Payment.objects.filter(pk=old.pk).update(capture_before=timezone.now() + timedelta(hours=6))
    assert settlement.deposit_renew_lapsing() == 1
    old.refresh_from_db()
    new = Payment.objects.get(booking=picked_up_paid, kind="deposit", replaced_by__isnull=True)
    assert old.replaced_by_id == new.pk and old.status == "canceled"
    assert new.status == "authorized" and new.amount == 50_000
    assert new.idempotency_key == f"booking:{picked_up_paid.pk}:deposit-hold-2"
    assert stripe_get(stripe_mode, f"/v1/payment_intents/{old.intent_id}")["status"] == \
        "canceled"
    assert stripe_get(stripe_mode, f"/v1/payment_intents/{new.intent_id}")["status"] == \
        "requires_capture"
    assert settlement.deposit_renew_lapsing() == 0  # the new one is fresh
    assert balance("deposit_held", member) == 50_000
    assert_books_balanced()


def test_a_renewal_the_card_refuses_flags_the_hold_and_tells_both(
        picked_up_paid, member, owner, stripe_mode):
    old = Payment.objects.get(booking=picked_up_paid, kind="deposit")
    Payment.objects.filter(pk=old.pk).update(capture_before=timezone.now() + timedelta(hours=6))
    use_card_that_declines_charges(member, stripe_mode)
    assert settlement.deposit_renew_lapsing() == 0
    old.refresh_from_db()
    assert old.status == "authorized" and old.replaced_by_id is None
    assert "could not be renewed" in old.problem
    assert "declined" in old.problem
    picked_up_paid.refresh_from_db()
    assert picked_up_paid.status == "picked_up"
    # The next run does not flag (or tell) again.
    changes = old.changes.count()
    settlement.deposit_renew_lapsing()
    assert old.changes.count() == changes
    assert_books_balanced()


def test_settle_due_retries_a_refund_that_failed_while_the_gateway_was_away(
        settings, approved, member, owner, stripe_mode):
    payment = pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens
    booking_act(actor=owner, booking=approved, action="cancel")
    payment.refresh_from_db()
    assert payment.refunded == 0
    assert payment.operations.filter(kind="refund", status="failed").exists()
    settlement.settle_due()  # still away: nothing changes, nothing breaks
    settings.STRIPE_API_BASE = stripe_mode
    settlement.settle_due()
    payment.refresh_from_db()
    assert payment.refunded == 10_000
    assert [r["amount"] for r in stripe_get(stripe_mode, "/v1/refunds")["data"]] == [10_000]
    settlement.settle_due()
    assert len(stripe_get(stripe_mode, "/v1/refunds")["data"]) == 1
    assert_books_balanced()


def test_settle_due_releases_a_deposit_whose_release_failed(
        settings, picked_up_paid, owner, stripe_mode):
    booking = booking_act(actor=owner, booking=picked_up_paid, action="return")
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    booking_act(actor=owner, booking=booking, action="complete")
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    assert deposit.status == "authorized"
    settings.STRIPE_API_BASE = stripe_mode
    settlement.settle_due()
    deposit.refresh_from_db()
    assert deposit.status == "canceled"
    assert_books_balanced()
