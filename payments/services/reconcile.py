"""The daily reconciliation: the gateway's recent PaymentIntents against our
payments.

Webhooks can be lost (an endpoint down for longer than Stripe retries, a
secret changed). Once a day the job lists the PaymentIntents of the last
few days and compares: one unknown to us, a status or an amount that
differs. Every difference is reported (returned as sentences, and logged
on "nanum.payments" for whoever watches the logs); where the gateway is
ahead (succeeded there, pending here) our payment is brought forward the
way a webhook would, with settlement.payment_update (cause "daily
reconciliation"), after re-reading that one intent in full. Where we are
ahead, or the amounts differ, nothing is changed: a person looks.

The offline gateway has nothing to compare.
"""

import logging
from datetime import timedelta

from django.utils import timezone

from payments.gateways import GatewayError, active_gateway
from payments.models import Payment
from payments.services import settlement
from payments.services.records import RANK

logger = logging.getLogger("nanum.payments")

CAUSE = "daily reconciliation"


def _gateway_ahead(ours: str, theirs: str) -> bool:
    """Would payment_sync move our payment to the gateway's status?"""
    if ours in (Payment.Status.SUCCEEDED, Payment.Status.CANCELED):
        return False
    return RANK[theirs] > RANK[ours] or (RANK[theirs] == RANK[ours] == 1 and theirs != ours)


def _describe(payment: Payment) -> str:
    return f"payment {payment.pk} ({payment.kind} of booking {payment.booking_id})"


def reconcile_recent(*, now=None, days: int = 3) -> list[str]:
    """Compares the gateway's PaymentIntents created in the last `days`
    days with ours; returns the differences found, one sentence each."""
    gateway = active_gateway()
    if not gateway.online or not hasattr(gateway, "recent_intents"):
        return []
    now = now or timezone.now()
    try:
        intents = gateway.recent_intents(since=now - timedelta(days=days))
    except GatewayError as error:
        logger.warning("reconciliation: the gateway could not be asked: %s", error.message)
        return [f"The gateway could not be asked for its recent payments: {error.message}"]
    ours = {p.intent_id: p for p in Payment.objects.filter(
        intent_id__in=[i.id for i in intents]).exclude(gateway="offline")}
    found: list[str] = []
    for intent in intents:
        payment = ours.get(intent.id)
        if payment is None:
            booking = intent.metadata.get("booking", "?")
            found.append(f"PaymentIntent {intent.id} ({intent.status}, {intent.amount} "
                         f"{intent.currency}, booking {booking}) is unknown to us.")
            continue
        if intent.amount != payment.amount or intent.currency != payment.currency:
            found.append(f"{_describe(payment)}: {payment.amount} {payment.currency} here, "
                         f"{intent.amount} {intent.currency} at the gateway.")
        if intent.status == payment.status:
            continue
        if not _gateway_ahead(payment.status, intent.status):
            found.append(f"{_describe(payment)}: {payment.status} here, {intent.status} at "
                         "the gateway; left as it is.")
            continue
        try:
            # The listing is a summary: the intent in full (its charge).
            fresh = gateway.retrieve(intent.id)
        except GatewayError as error:
            found.append(f"{_describe(payment)}: {payment.status} here, {intent.status} at "
                         f"the gateway; could not be re-read: {error.message}")
            continue
        before = payment.status
        payment = settlement.payment_update(payment, fresh, cause=CAUSE)
        found.append(f"{_describe(payment)}: {before} here, {fresh.status} at the gateway; "
                     f"brought forward to {payment.status}.")
    for line in found:
        logger.warning("reconciliation: %s", line)
    return found
