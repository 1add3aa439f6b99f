"""Stripe, through the official `stripe` library (StripeClient).

With real Stripe the pay page uses the Payment Element with dynamic payment
methods (Kakao Pay, Naver Pay and Korean cards where the account offers
them) and the card is saved by `setup_future_usage`. Against localstripe
(`STRIPE_API_BASE` set), which has neither, the page uses the Card Element:
the card becomes a token, our server saves it on the person's Customer as a
source and confirms the PaymentIntent with it (`confirm_with`), and
`confirmCardPayment` does the 3-D Secure step.

Every call carries the operation's idempotency key. Connect (payout
accounts, transfers) goes through the same client.
"""

from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from payments.gateways import GatewayError, Intent, PaymentGateway

_STATUS = {
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "processing": "pending",
    "requires_action": "requires_action",
    "requires_capture": "authorized",
    "succeeded": "succeeded",
    "canceled": "canceled",
}


def _value(obj, key, default=None):
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    if not isinstance(obj, dict):
        return default
    return obj.get(key, default)


def intent_from(pi) -> Intent:
    """Our view of a Stripe PaymentIntent (an object or an event's dict)."""
    if hasattr(pi, "to_dict"):
        pi = pi.to_dict()
    status = _STATUS.get(pi["status"], "pending")
    error = _value(pi, "last_payment_error")
    if status == "pending" and error:
        status = "failed"
    charge = _value(pi, "latest_charge")
    captured = _value(pi, "amount_received")
    if captured is None:
        # localstripe reports no amount_received.
        captured = pi["amount"] if status == "succeeded" else 0
    refunded = 0
    capture_before = None
    if charge is not None and not isinstance(charge, str):
        uncaptured = charge["amount"] - (_value(charge, "amount_captured") or charge["amount"])
        refunded = max(0, (_value(charge, "amount_refunded") or 0) - uncaptured)
        card = _value(_value(charge, "payment_method_details"), "card")
        if _value(card, "capture_before"):
            capture_before = datetime.fromtimestamp(card["capture_before"], tz=UTC)
    return Intent(
        id=pi["id"], status=status, amount=pi["amount"], captured=captured or 0,
        refunded=refunded, currency=str(pi["currency"]).upper(),
        client_secret=_value(pi, "client_secret") or "", capture_before=capture_before,
        # The reason's code (card_declined...); its words are ours, in the
        # reader's language (Payment.error_text).
        error=(_value(error, "code") or "failed") if error else "",
        metadata=dict(_value(pi, "metadata") or {}),
    )


def _refusal(exc: stripe.StripeError) -> GatewayError:
    # localstripe answers a declined charge 402 with type invalid_request_error
    # (Stripe says card_error): the code tells them both apart from a refusal.
    if isinstance(exc, stripe.CardError) or getattr(exc, "code", None) == "card_declined":
        return GatewayError(_("Your card was declined. Nothing was charged: try another card."),
                            declined=True, code=exc.code or "card_declined")
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or (
            isinstance(exc, stripe.APIError)):
        return GatewayError(_("The card payment service is not answering. Nothing was "
                              "charged: try again in a moment."), code="unavailable")
    return GatewayError(_("The card payment service refused this payment. Nothing was "
                          "charged."), code=getattr(exc, "code", None) or "refused")


class Gateway(PaymentGateway):
    name = "stripe"
    online = True
    # The stripe library's own HTTP-client hook: tests of calls localstripe
    # lacks (Connect) set one that answers Stripe's documented bodies.
    http_client: stripe.HTTPClient | None = None

    def __init__(self):
        self.local = bool(settings.STRIPE_API_BASE)
        addresses = {}
        if settings.STRIPE_API_BASE:
            base = settings.STRIPE_API_BASE.rstrip("/")
            addresses = {"api": base, "connect": base, "files": base}
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, base_addresses=addresses, max_network_retries=0,
            http_client=self.http_client or stripe.RequestsClient(
                timeout=settings.STRIPE_TIMEOUT_SECONDS))

    def _call(self, method, *args, key: str, expand=None):
        options = {"idempotency_key": key} if key else {}
        params = dict(args[-1]) if args and isinstance(args[-1], dict) else {}
        positional = args[:-1] if args and isinstance(args[-1], dict) else args
        if expand:
            params["expand"] = expand
        try:
            return method(*positional, params, options)
        except stripe.StripeError as exc:
            raise _refusal(exc) from exc

    # --- people ----------------------------------------------------------------

    def customer(self, *, user, idempotency_key: str) -> str:
        found = self._call(self.client.v1.customers.create,
                           {"email": user.email, "name": user.display_name or user.email,
                            "metadata": {"user": str(user.pk)}}, key=idempotency_key)
        return found["id"]

    def save_card(self, *, customer: str, token: str, idempotency_key: str) -> tuple[str, str]:
        """Saves a card token on the Customer; returns (payment method id,
        a label like "Visa •••• 4242")."""
        card = self._call(self.client.v1.customers.payment_sources.create, customer,
                          {"source": token}, key=idempotency_key)
        return card["id"], f"{_value(card, 'brand', 'Card')} •••• {_value(card, 'last4', '')}"

    # --- payments -----------------------------------------------------------

    def authorize(self, *, amount, currency, customer, idempotency_key, capture,
                  payment_method="", off_session=False, metadata=None) -> Intent:
        params = {"amount": amount, "currency": currency.lower(), "customer": customer,
                  "capture_method": "automatic" if capture else "manual",
                  "metadata": metadata or {}}
        if payment_method:
            params.update(payment_method=payment_method, confirm=True)
            if off_session:
                params["off_session"] = True
        elif self.local:
            params["payment_method_types"] = ["card"]
        else:
            # Dynamic payment methods, and the card kept for later charges.
            params["automatic_payment_methods"] = {"enabled": True}
            params["setup_future_usage"] = "off_session"
        return intent_from(self._call(self.client.v1.payment_intents.create, params,
                                      key=idempotency_key, expand=["latest_charge"]))

    def confirm_with(self, intent_id: str, *, payment_method: str,
                     idempotency_key: str) -> Intent:
        """Confirms a PaymentIntent with a saved card, server-side (the
        localstripe flow; localstripe confirms only a method already set)."""
        if self.local:
            self._call(self.client.v1.payment_intents.update, intent_id,
                       {"payment_method": payment_method}, key=f"{idempotency_key}:method")
            params = {}
        else:
            params = {"payment_method": payment_method}
        return intent_from(self._call(self.client.v1.payment_intents.confirm, intent_id,
                                      params, key=idempotency_key, expand=["latest_charge"]))

    def capture(self, intent_id, *, amount, idempotency_key) -> Intent:
        return intent_from(self._call(self.client.v1.payment_intents.capture, intent_id,
                                      {"amount_to_capture": amount}, key=idempotency_key,
                                      expand=["latest_charge"]))

    def cancel(self, intent_id, *, idempotency_key) -> Intent:
        return intent_from(self._call(self.client.v1.payment_intents.cancel, intent_id, {},
                                      key=idempotency_key))

    def refund(self, intent_id, *, amount, idempotency_key) -> str:
        refund = self._call(self.client.v1.refunds.create,
                            {"payment_intent": intent_id, "amount": amount},
                            key=idempotency_key)
        return refund["id"]

    def retrieve(self, intent_id) -> Intent:
        return intent_from(self._call(self.client.v1.payment_intents.retrieve, intent_id, {},
                                      key="", expand=["latest_charge"]))

    def recent_intents(self, *, since: datetime, max_pages: int = 100) -> list[Intent]:
        """The PaymentIntents created since `since`, every page (100 a page).
        Stripe lists newest first and filters by `created`; localstripe
        refuses that filter and lists oldest first, so the date is checked
        here and paging stops only when a newest-first page reaches past it."""
        found, after = [], None
        for _page in range(max_pages):
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            if not self.local:
                params["created"] = {"gte": int(since.timestamp())}
            page = self._call(self.client.v1.payment_intents.list, params, key="")
            listed = [pi.to_dict() if hasattr(pi, "to_dict") else pi for pi in page["data"]]
            found += [intent_from(pi) for pi in listed
                      if pi.get("created", 0) >= since.timestamp()]
            if not listed or not page["has_more"]:
                break
            first, last = listed[0].get("created", 0), listed[-1].get("created", 0)
            if first > last and last < since.timestamp():
                break  # newest first, and this page already reaches past the window
            after = listed[-1]["id"]
        return found

    # --- Connect ------------------------------------------------------------

    def transfer(self, *, amount, currency, destination, idempotency_key) -> str:
        transfer = self._call(self.client.v1.transfers.create,
                              {"amount": amount, "currency": currency.lower(),
                               "destination": destination}, key=idempotency_key)
        return transfer["id"]

    def payout_account(self, *, user, idempotency_key: str) -> str:
        account = self._call(self.client.v1.accounts.create,
                             {"type": "express", "email": user.email,
                              # Express accounts must ask for a capability;
                              # they only receive transfers from us.
                              "capabilities": {"transfers": {"requested": True}},
                              "metadata": {"user": str(user.pk)}}, key=idempotency_key)
        return account["id"]

    def onboarding_link(self, *, account: str, refresh_url: str, return_url: str) -> str:
        link = self._call(self.client.v1.account_links.create,
                          {"account": account, "refresh_url": refresh_url,
                           "return_url": return_url, "type": "account_onboarding"}, key="")
        return link["url"]

    def payouts_enabled(self, account: str) -> bool:
        found = self._call(self.client.v1.accounts.retrieve, account, {}, key="")
        return bool(_value(found, "payouts_enabled", False))
