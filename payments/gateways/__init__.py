"""Payment gateways: one small interface, one module per gateway.

A gateway module defines `Gateway`, a subclass of `PaymentGateway`. Which
one runs is `settings.NANUM_PAYMENT_GATEWAY` ("stripe" when
STRIPE_SECRET_KEY is set, "offline" otherwise). Another gateway (a Korean
one such as Toss Payments) plugs in by adding `payments/gateways/toss.py`
and setting NANUM_PAYMENT_GATEWAY=toss; nothing else changes.

Every call takes the idempotency key of its operation; amounts are integers
in the currency's minor unit.
"""

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module

from django.conf import settings


class GatewayError(Exception):
    """The gateway refused or could not be reached. `message` is for the
    person; nothing was charged by the refused call."""

    def __init__(self, message: str, *, declined: bool = False, code: str = ""):
        super().__init__(message)
        self.message = message
        self.declined = declined
        self.code = code


@dataclass(frozen=True)
class Intent:
    """A payment at the gateway, as the gateway reports it now.

    status: pending (needs a payment method or confirmation), requires_action
    (the card asks the person to confirm, 3-D Secure), authorized (held, to
    be captured), succeeded, canceled, failed."""

    id: str
    status: str
    amount: int
    captured: int = 0
    refunded: int = 0
    currency: str = "KRW"
    client_secret: str = ""
    capture_before: datetime | None = None
    error: str = ""
    metadata: dict = field(default_factory=dict)


class PaymentGateway:
    name = "base"
    # Does money move online (a card), or by hand (cash, free loans)?
    online = False

    def customer(self, *, user, idempotency_key: str) -> str:
        """The person's customer id at the gateway, created if needed."""
        raise NotImplementedError

    def authorize(self, *, amount: int, currency: str, customer: str, idempotency_key: str,
                  capture: bool, payment_method: str = "", off_session: bool = False,
                  metadata: dict | None = None) -> Intent:
        """A payment of `amount`: charged when `capture`, else held (manual
        capture). With `payment_method` (a saved card) it is confirmed at
        once; otherwise it waits for the person to pay (client_secret)."""
        raise NotImplementedError

    def capture(self, intent_id: str, *, amount: int, idempotency_key: str) -> Intent:
        raise NotImplementedError

    def cancel(self, intent_id: str, *, idempotency_key: str) -> Intent:
        raise NotImplementedError

    def refund(self, intent_id: str, *, amount: int, idempotency_key: str) -> str:
        """Returns the refund's id at the gateway."""
        raise NotImplementedError

    def transfer(self, *, amount: int, currency: str, destination: str,
                 idempotency_key: str) -> str:
        """Pays a connected account; returns the transfer's id."""
        raise NotImplementedError

    def retrieve(self, intent_id: str) -> Intent:
        raise NotImplementedError


def gateway_name() -> str:
    return settings.NANUM_PAYMENT_GATEWAY or ("stripe" if settings.STRIPE_SECRET_KEY
                                              else "offline")


def active_gateway() -> PaymentGateway:
    return import_module(f"payments.gateways.{gateway_name()}").Gateway()


def offline_gateway() -> PaymentGateway:
    return import_module("payments.gateways.offline").Gateway()
