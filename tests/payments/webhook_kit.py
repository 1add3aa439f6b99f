"""Signed Stripe events for tests and the bench: the body Stripe sends and
its Stripe-Signature header (HMAC-SHA256 over f"{t}.{body}" with the
endpoint's secret, as Stripe documents and localstripe does), and a payment
confirmed at the gateway behind our checkout's back."""

import hashlib
import hmac
import json
import time
import uuid

from payments.gateways import GatewayError, active_gateway
from payments.models import Payment
from payments.services.checkout import customer_for, payment_start
from tests.payments.conftest import GOOD_CARD, card_token


def stripe_event(kind: str, obj: dict, *, event_id: str = "") -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
            "api_version": "2024-06-20", "created": int(time.time()), "livemode": False,
            "type": kind, "data": {"object": obj}}


def signature(payload: str, secret: str, *, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def signed(event: dict, secret: str) -> tuple[str, str]:
    """(body, Stripe-Signature header) of an event."""
    payload = json.dumps(event)
    return payload, signature(payload, secret)


def pay_at_gateway(booking, person, localstripe_url, number=GOOD_CARD) -> Payment:
    """The rental PaymentIntent made by our checkout, then confirmed at the
    gateway behind our back (as Stripe.js would in the browser)."""
    payment = payment_start(actor=person, booking_id=booking.pk)
    gateway = active_gateway()
    customer = customer_for(person, gateway)
    method, _label = gateway.save_card(customer=customer.customer_id,
                                       token=card_token(localstripe_url, number),
                                       idempotency_key=f"test:{uuid.uuid4()}")
    try:
        gateway.confirm_with(payment.intent_id, payment_method=method,
                             idempotency_key=f"test:{uuid.uuid4()}")
    except GatewayError:
        pass  # a declined card: the gateway says failed
    return Payment.objects.get(pk=payment.pk)


def intent_body(intent_id: str) -> dict:
    """The PaymentIntent as Stripe has it now: an event's data.object."""
    return active_gateway().client.v1.payment_intents.retrieve(intent_id).to_dict()
