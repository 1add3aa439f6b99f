"""Offline payments: free loans, and cash handed over at pickup, which the
lender confirms. Nothing is held or charged online; what was paid in cash
is recorded (so the ledger and the lender's earnings count it)."""

from payments.gateways import GatewayError, Intent, PaymentGateway


class Gateway(PaymentGateway):
    name = "offline"
    online = False

    def customer(self, *, user, idempotency_key: str) -> str:
        return f"person-{user.pk}"

    def authorize(self, *, amount, currency, customer, idempotency_key, capture,
                  payment_method="", off_session=False, metadata=None) -> Intent:
        # Cash changes hands in person: recorded as paid when the lender
        # confirms it. Nothing can be held on a card.
        if not capture:
            raise GatewayError("A deposit cannot be held without online payment.")
        return Intent(id=f"cash:{idempotency_key}", status="succeeded", amount=amount,
                      captured=amount, currency=currency)

    def capture(self, intent_id, *, amount, idempotency_key) -> Intent:
        raise GatewayError("Cash payments are captured when handed over.")

    def cancel(self, intent_id, *, idempotency_key) -> Intent:
        return Intent(id=intent_id, status="canceled", amount=0)

    def refund(self, intent_id, *, amount, idempotency_key) -> str:
        # Cash is handed back in person; the refund is recorded.
        return f"cash-refund:{idempotency_key}"

    def transfer(self, *, amount, currency, destination, idempotency_key) -> str:
        raise GatewayError("Offline payouts are settled by hand.")

    def retrieve(self, intent_id) -> Intent:
        raise GatewayError("Cash payments are not kept at a gateway.")
