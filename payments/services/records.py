"""The bookkeeping under every payment service: operations claimed under
their idempotency key before the gateway is called, a payment's state moved
only forward from what the gateway says, and the ledger posting each move
means. Gateway calls are never made inside a database transaction."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from marketplace.errors import Conflict
from payments import ledger
from payments.gateways import GatewayError, Intent
from payments.ledger import Line
from payments.models import LedgerEntry, Payment, PaymentChange, PaymentOperation

A = LedgerEntry.Account
R = LedgerEntry.Reason
P = Payment.Status

# How far each state is along; a payment never moves back. A failed
# attempt may be retried (failed <-> requires_action), and a hold ends
# captured or released.
RANK = {P.PENDING: 0, P.FAILED: 1, P.REQUIRES_ACTION: 1, P.AUTHORIZED: 2, P.SUCCEEDED: 3,
        P.CANCELED: 3}
# Card holds lapse after 7 days when the gateway does not say when.
HOLD_LIFETIME = timedelta(days=7)


def payee(booking: Booking):
    """Who is paid for a booking: the person who listed it (for a company's
    or a community's listing, its staff member or moderator who did)."""
    return booking.listing.owner


def operation_claim(*, key: str, kind: str, payment: Payment | None = None,
                    amount: int = 0) -> PaymentOperation:
    """The operation under `key`, created if new. One already done is
    returned as it is (the caller does not call the gateway again); one a
    concurrent request is making right now is refused as a conflict."""
    try:
        with transaction.atomic():
            operation, created = PaymentOperation.objects.get_or_create(
                idempotency_key=key, defaults={"kind": kind, "payment": payment,
                                               "amount": amount})
    except IntegrityError:
        operation, created = PaymentOperation.objects.get(idempotency_key=key), False
    if created or operation.status == PaymentOperation.Status.DONE:
        return operation
    busy_for = timedelta(seconds=settings.STRIPE_TIMEOUT_SECONDS + 5)
    fresh = PaymentOperation.objects.filter(
        pk=operation.pk, status=PaymentOperation.Status.PENDING,
        updated_at__gt=timezone.now() - busy_for)
    if operation.status == PaymentOperation.Status.PENDING and fresh.exists():
        raise Conflict(_("This payment step is already under way. Wait a moment and look "
                         "again."))
    # Touch it: this request now makes the call (a retry under the same key).
    PaymentOperation.objects.filter(pk=operation.pk).update(updated_at=timezone.now())
    operation.refresh_from_db()
    return operation


def operation_done(operation: PaymentOperation, *, ref: str = "") -> None:
    PaymentOperation.objects.filter(pk=operation.pk).update(
        status=PaymentOperation.Status.DONE, gateway_ref=ref or operation.gateway_ref,
        error="", updated_at=timezone.now())
    operation.status = PaymentOperation.Status.DONE


def operation_failed(operation: PaymentOperation, error: GatewayError) -> None:
    PaymentOperation.objects.filter(pk=operation.pk).update(
        status=PaymentOperation.Status.FAILED, error=error.message[:300],
        updated_at=timezone.now())
    operation.status = PaymentOperation.Status.FAILED


def _record_change(payment: Payment, *, from_status: str, cause: str, actor) -> None:
    PaymentChange.objects.create(payment=payment, from_status=from_status,
                                 to_status=payment.status, captured=payment.captured,
                                 refunded=payment.refunded, actor=actor, cause=cause[:120])


def _split(payment: Payment, amount: int, paid: int) -> tuple[int, int]:
    """Of `amount` out of `paid` of a payment: the lender's part and the
    platform's fee part, in the payment's own proportion."""
    fees = payment.fees * amount // paid if paid else 0
    return amount - fees, fees


def _post_move(payment: Payment, before: Payment) -> None:
    """The ledger posting of a payment's move from `before` to now."""
    booking, borrower, lender = payment.booking, payment.booking.borrower, payee(payment.booking)
    key, cur = f"payment:{payment.pk}", payment.currency
    if payment.kind == Payment.Kind.DEPOSIT:
        if payment.status in (P.AUTHORIZED, P.SUCCEEDED, P.CANCELED) and \
                RANK[before.status] < RANK[P.AUTHORIZED] and \
                not (payment.status == P.CANCELED and before.status != P.AUTHORIZED):
            ledger.post(posting=f"{key}:held", reason=R.DEPOSIT_HOLD, currency=cur,
                        booking=booking, payment=payment, lines=[
                            Line(A.BORROWER, -payment.amount, borrower),
                            Line(A.DEPOSIT_HELD, payment.amount, borrower)])
        if payment.status == P.SUCCEEDED and before.status != P.SUCCEEDED:
            ledger.post(posting=f"{key}:captured", reason=R.DEPOSIT_CAPTURE, currency=cur,
                        booking=booking, payment=payment, lines=[
                            Line(A.DEPOSIT_HELD, -payment.amount, borrower),
                            Line(A.BORROWER, payment.amount - payment.captured, borrower),
                            Line(A.LENDER_PAYABLE, payment.captured, lender)])
        if payment.status == P.CANCELED and before.status == P.AUTHORIZED:
            ledger.post(posting=f"{key}:released", reason=R.DEPOSIT_RELEASE, currency=cur,
                        booking=booking, payment=payment, lines=[
                            Line(A.DEPOSIT_HELD, -payment.amount, borrower),
                            Line(A.BORROWER, payment.amount, borrower)])
        return
    if payment.status == P.SUCCEEDED and before.status != P.SUCCEEDED:
        lender_part, fee_part = _split(payment, payment.amount, payment.amount)
        if payment.kind == Payment.Kind.LATE_FEE:
            reason = R.LATE_FEE
        else:
            reason = R.CASH if payment.gateway == "offline" else R.RENTAL
        ledger.post(posting=f"{key}:paid", reason=reason, currency=cur, booking=booking,
                    payment=payment, lines=[
                        Line(A.BORROWER, -payment.amount, borrower),
                        Line(A.LENDER_PAYABLE, lender_part, lender),
                        Line(A.PLATFORM_FEE, fee_part)])
        if payment.gateway == "offline":
            # Cash went straight to the lender: paid out by hand at once.
            ledger.post(posting=f"{key}:cash", reason=R.CASH, currency=cur, booking=booking,
                        payment=payment, lines=[
                            Line(A.LENDER_PAYABLE, -payment.amount, lender),
                            Line(A.PAID_OUT, payment.amount, lender)])


def post_refund(payment: Payment, *, amount: int, key: str) -> None:
    booking = payment.booking
    lender_part, fee_part = _split(payment, amount, payment.captured)
    ledger.post(posting=f"refund:{key}", reason=R.REFUND, currency=payment.currency,
                booking=booking, payment=payment, lines=[
                    Line(A.BORROWER, amount, booking.borrower),
                    Line(A.LENDER_PAYABLE, -lender_part, payee(booking)),
                    Line(A.PLATFORM_FEE, -fee_part)])


def payment_sync(payment: Payment, intent: Intent, *, cause: str, actor=None,
                 captured: int | None = None) -> tuple[Payment, str]:
    """Moves our payment to what the gateway says, only forward, and posts
    what the move means. Returns the payment and its status before. Runs in
    its own transaction with the payment row locked, so two deliveries of
    the same news apply it once."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related(
            "booking__listing__owner", "booking__borrower").get(pk=payment.pk)
        before = Payment(status=locked.status, captured=locked.captured, kind=locked.kind)
        target = intent.status
        moves = RANK[target] > RANK[locked.status] or (
            RANK[target] == RANK[locked.status] == 1 and target != locked.status)
        if locked.status in (P.SUCCEEDED, P.CANCELED):
            moves = False
        if not moves:
            return locked, locked.status
        locked.status = target
        if target == P.SUCCEEDED:
            if captured is None:
                captured = intent.captured or locked.amount
            locked.captured = min(captured, locked.amount)
        if target == P.AUTHORIZED:
            locked.capture_before = intent.capture_before or (timezone.now() + HOLD_LIFETIME)
        if intent.client_secret and not locked.client_secret:
            locked.client_secret = intent.client_secret
        locked.error = intent.error[:300] if target == P.FAILED else ""
        locked.save()
        _record_change(locked, from_status=before.status, cause=cause, actor=actor)
        _post_move(locked, before)
        return locked, before.status


def payment_mark(payment: Payment, *, cause: str, actor=None, **fields) -> Payment:
    """A change that is ours alone (a refund's amount, an amount withheld),
    recorded like a move."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        _record_change(locked, from_status=locked.status, cause=cause, actor=actor)
        return locked
