"""Stripe's webhook events, handled once each.

An event is stored (WebhookEvent, unique event_id) in the same transaction
as its effect, so a repeat, even one delivered at the same moment, finds it
and changes nothing: the second insert meets the unique constraint and is
answered "already handled".

The event body says what happened, not what is true now: events arrive
late, twice and out of order. So the PaymentIntent is re-read from the
gateway first (outside any transaction: a gateway call never holds a
database lock) and our payment follows what the gateway says now, only
forward (records.payment_sync). If the gateway cannot be reached the
GatewayError goes up, nothing is stored, and the view answers 503 so that
Stripe delivers the event again later.

A refund made outside Nanum (from Stripe's dashboard) shows as the charge's
amount_refunded above our Payment.refunded: the difference is recorded as a
refund with its ledger posting, never above what was captured. A refund we
are making ourselves at this moment (its operation still pending) is left to
settlement.refund, which records it when the gateway answers.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from marketplace.errors import ValidationFailed
from payments.gateways import Intent, active_gateway
from payments.models import Payment, PaymentOperation, WebhookEvent
from payments.services import settlement
from payments.services.records import payment_mark, post_refund

logger = logging.getLogger("nanum.payments")

# The events that say something about one of our PaymentIntents.
INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "payment_intent.processing",
    "payment_intent.requires_action",
}
CHARGE_EVENTS = {"charge.refunded", "charge.refund.updated", "charge.succeeded",
                 "charge.captured"}

ALREADY = "already handled"


def _plain(obj):
    """A stripe object (or a dict) as plain dicts and lists."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _intent_id_of(kind: str, obj: dict) -> str:
    if kind in INTENT_EVENTS:
        return obj.get("id") or ""
    if kind in CHARGE_EVENTS:
        intent = obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        return intent or ""
    return ""


def _payment_of(intent_id: str, metadata: dict) -> Payment | None:
    """Our payment of that PaymentIntent: by its id, else (a payment stored
    before its intent id was) by the booking and kind in its metadata."""
    payment = Payment.objects.filter(intent_id=intent_id).first()
    if payment is not None:
        return payment
    booking = str(metadata.get("booking") or "")
    if booking.isdigit():
        return Payment.objects.filter(booking_id=int(booking),
                                      kind=metadata.get("kind") or Payment.Kind.RENTAL,
                                      intent_id="").first()
    return None


def _refund_outside(payment: Payment, intent: Intent, *, cause: str, key: str) -> int:
    """Records what the gateway refunded beyond what we know of; returns
    the amount recorded."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    in_flight = PaymentOperation.objects.filter(
        payment=locked, kind=PaymentOperation.Kind.REFUND,
        # A refund of ours that failed may still have been made (its answer
        # lost): it is ours to record when retried under its key, not an
        # outside one.
        status__in=(PaymentOperation.Status.PENDING, PaymentOperation.Status.FAILED),
    ).aggregate(s=Sum("amount"))["s"] or 0
    missing = min(intent.refunded - locked.refunded - in_flight, locked.refundable)
    if missing <= 0:
        return 0
    locked = payment_mark(locked, cause=cause, refunded=locked.refunded + missing)
    post_refund(locked, amount=missing, key=key)
    return missing


def _apply(payment: Payment, intent: Intent, *, event_id: str, kind: str) -> str:
    cause = f"webhook {event_id} {kind}"
    before = payment.status
    if intent.id != payment.intent_id and not payment.intent_id:
        Payment.objects.filter(pk=payment.pk, intent_id="").update(intent_id=intent.id)
    payment = settlement.payment_update(payment, intent, cause=cause)
    refunded = 0
    if payment.status == Payment.Status.SUCCEEDED and intent.refunded > payment.refunded:
        refunded = _refund_outside(payment, intent, cause=cause, key=f"webhook:{event_id}")
    outcome = f"payment {payment.pk}: {before} -> {payment.status}"
    if refunded:
        outcome += f", refunded {refunded} {payment.currency} outside Nanum"
    return outcome


def webhook_handle(event) -> str:
    """Applies a verified event once; returns what it did (stored as the
    event's outcome). Raises GatewayError when the gateway cannot be asked
    how the payment stands now: nothing is stored then."""
    event = _plain(event)
    event_id = event.get("id") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255:
        raise ValidationFailed(_("This is not an event Nanum can read."))
    kind = str(event.get("type", ""))
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return ALREADY
    data = event.get("data")
    obj = _plain(data.get("object")) if isinstance(data, dict) else {}
    obj = obj if isinstance(obj, dict) else {}
    metadata = obj.get("metadata")
    intent_id = _intent_id_of(kind, obj)
    if not isinstance(intent_id, str) or len(intent_id) > 255:
        intent_id = ""
    payment = _payment_of(intent_id, metadata if isinstance(metadata, dict) else {}) \
        if intent_id else None
    intent = None
    if payment is not None and payment.gateway != "offline":
        # Re-read: the event may be stale, repeated or out of order.
        intent = active_gateway().retrieve(intent_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = WebhookEvent.objects.create(event_id=event_id, type=kind[:80])
        except IntegrityError:
            return ALREADY  # a concurrent delivery stored it first
        if intent is not None:
            outcome = _apply(payment, intent, event_id=event_id, kind=kind)
        elif intent_id:
            outcome = f"no payment of ours has PaymentIntent {intent_id}: ignored"
        else:
            outcome = "not an event we act on: ignored"
        stored.outcome = outcome[:200]
        stored.save(update_fields=["outcome"])
    logger.info("webhook %s %s: %s", event_id, kind, outcome)
    return outcome
