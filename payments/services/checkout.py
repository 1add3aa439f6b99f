"""Paying for an approved booking: the rental and fees, with a PaymentIntent.

`payment_start` makes (once) the PaymentIntent the pay page or an app
confirms. With real Stripe the page confirms it with the Payment Element;
against localstripe the page turns the card into a token and
`payment_pay_with_card` saves it on the person's Customer and confirms
server-side. `payment_check` asks the gateway how the payment stands (the
return from the page, the end of 3-D Secure). The booking is confirmed when
the gateway says the payment succeeded, by whichever of these (or the
webhook) hears it first.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bookings import payment_step
from bookings.models import Booking
from bookings.selectors import booking_get
from listings.selectors import Viewer
from marketplace.errors import InvalidTransition, NotFound, PaymentFailed
from payments.gateways import GatewayError, active_gateway
from payments.models import Payment, PaymentCustomer, PaymentOperation
from payments.services import settlement
from payments.services.records import (
    operation_claim,
    operation_done,
    operation_failed,
)

K = PaymentOperation.Kind


def rental_key(booking: Booking) -> str:
    return f"booking:{booking.pk}:rental"


def _borrowers_booking(actor, booking_id: int) -> Booking:
    """The actor's own booking as borrower; anyone else is told it is not
    there (or, for the lender side, that paying is the borrower's step)."""
    booking = booking_get(booking_id=booking_id, viewer=Viewer.of(actor))
    if booking.borrower_id != actor.pk:
        raise NotFound()
    return booking


def customer_for(user, gateway) -> PaymentCustomer:
    found = PaymentCustomer.objects.filter(user=user, gateway=gateway.name).first()
    if found:
        return found
    customer_id = gateway.customer(user=user, idempotency_key=f"user:{user.pk}:customer")
    try:
        with transaction.atomic():
            return PaymentCustomer.objects.create(user=user, gateway=gateway.name,
                                                  customer_id=customer_id)
    except IntegrityError:
        return PaymentCustomer.objects.get(user=user)


def _refused(error: GatewayError) -> PaymentFailed:
    return PaymentFailed(error.message)


def payment_start(*, actor, booking_id: int) -> Payment:
    """The rental payment of the actor's approved booking, made once: a
    second call (a reload, a double click) answers the same payment."""
    booking = _borrowers_booking(actor, booking_id)
    existing = Payment.objects.filter(idempotency_key=rental_key(booking)).first()
    if existing is not None:
        if existing.status in (Payment.Status.PENDING, Payment.Status.REQUIRES_ACTION,
                               Payment.Status.FAILED) and booking.status == Booking.Status.APPROVED:
            return payment_check(actor=actor, booking_id=booking.pk)
        return existing
    if booking.status != Booking.Status.APPROVED or \
            not payment_step.current().due_online(booking):
        raise InvalidTransition(_("This booking is not waiting for a payment."))
    gateway = active_gateway()
    amount = booking.rental + booking.fees
    try:
        customer = customer_for(actor, gateway)
    except GatewayError as error:
        raise _refused(error) from error
    operation = operation_claim(key=rental_key(booking), kind=K.AUTHORIZE, amount=amount)
    if operation.status == PaymentOperation.Status.DONE:
        # Made by a concurrent request meanwhile: no second call.
        return Payment.objects.get(idempotency_key=rental_key(booking))
    try:
        intent = gateway.authorize(
            amount=amount, currency=booking.currency, customer=customer.customer_id,
            idempotency_key=operation.idempotency_key, capture=True,
            metadata={"booking": str(booking.pk), "kind": Payment.Kind.RENTAL})
    except GatewayError as error:
        operation_failed(operation, error)
        raise _refused(error) from error
    with transaction.atomic():
        payment, _created = Payment.objects.get_or_create(
            idempotency_key=rental_key(booking), defaults={
                "booking": booking, "kind": Payment.Kind.RENTAL, "gateway": gateway.name,
                "intent_id": intent.id, "client_secret": intent.client_secret,
                "amount": amount, "fees": booking.fees, "currency": booking.currency})
        operation.payment = payment
        operation.save(update_fields=["payment"])
        operation_done(operation, ref=intent.id)
    return payment


def payment_pay_with_card(*, actor, booking_id: int, token: str) -> Payment:
    """The localstripe flow: the card (a token from the Card Element) is
    saved on the person's Customer and the PaymentIntent confirmed with it.
    Declined: the booking stays approved and unpaid, with the reason."""
    payment = payment_start(actor=actor, booking_id=booking_id)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED):
        return payment
    if not token or not token.startswith("tok_") or len(token) > 255:
        raise PaymentFailed(_("Enter your card details again."))
    gateway = active_gateway()
    customer = customer_for(actor, gateway)
    try:
        method, label = gateway.save_card(customer=customer.customer_id, token=token,
                                          idempotency_key=f"{payment.idempotency_key}:card:{token}")
    except GatewayError as error:
        raise _refused(error) from error
    PaymentCustomer.objects.filter(pk=customer.pk).update(payment_method=method,
                                                          card_label=label)
    if payment.status == Payment.Status.FAILED:
        payment = _fresh_attempt(payment, gateway, customer)
    operation = operation_claim(key=f"{payment.idempotency_key}:confirm:{method}",
                                kind=K.CONFIRM, payment=payment, amount=payment.amount)
    if operation.status == PaymentOperation.Status.DONE:
        return settlement.payment_refresh(payment, cause="confirmed by the borrower",
                                          actor=actor)
    try:
        intent = gateway.confirm_with(payment.intent_id, payment_method=method,
                                      idempotency_key=operation.idempotency_key)
    except GatewayError as error:
        operation_failed(operation, error)
        if error.declined:
            # The gateway's own state says failed too; ours follows it.
            settlement.payment_refresh(payment, cause="declined at confirmation", actor=actor)
        raise _refused(error) from error
    operation_done(operation, ref=intent.id)
    return settlement.payment_update(payment, intent, cause="confirmed by the borrower",
                                     actor=actor)


def _fresh_attempt(payment: Payment, gateway, customer: PaymentCustomer) -> Payment:
    """A declined PaymentIntent is tried again on a new one: localstripe
    cannot confirm a PaymentIntent whose charge failed (Stripe can), and a
    new intent under its own key is right for both. The declined one is
    cancelled first, so it can never be paid as well."""
    attempt = PaymentOperation.objects.filter(
        idempotency_key__startswith=f"{payment.idempotency_key}:attempt-").count() + 2
    key = f"{payment.idempotency_key}:attempt-{attempt}"
    cancel_key = f"{payment.idempotency_key}:cancel-attempt-{attempt - 1}"
    try:
        gateway.cancel(payment.intent_id, idempotency_key=cancel_key)
    except GatewayError as error:
        raise _refused(error) from error
    operation = operation_claim(key=key, kind=K.AUTHORIZE, payment=payment,
                                amount=payment.amount)
    if operation.status == PaymentOperation.Status.DONE:
        return Payment.objects.get(pk=payment.pk)
    try:
        intent = gateway.authorize(
            amount=payment.amount, currency=payment.currency, customer=customer.customer_id,
            idempotency_key=key, capture=True,
            metadata={"booking": str(payment.booking_id), "kind": Payment.Kind.RENTAL})
    except GatewayError as error:
        operation_failed(operation, error)
        raise _refused(error) from error
    operation_done(operation, ref=intent.id)
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.FAILED).update(
        intent_id=intent.id, client_secret=intent.client_secret)
    return Payment.objects.get(pk=payment.pk)


def payment_check(*, actor, booking_id: int) -> Payment:
    """How the actor's payment stands now at the gateway (the return from
    the pay page, or the end of the card's 3-D Secure step)."""
    booking = _borrowers_booking(actor, booking_id)
    payment = Payment.objects.filter(idempotency_key=rental_key(booking)).first()
    if payment is None:
        raise NotFound()
    try:
        return settlement.payment_refresh(payment, cause="checked on return from payment",
                                          actor=actor)
    except GatewayError as error:
        raise _refused(error) from error


def saved_card(user) -> PaymentCustomer | None:
    return PaymentCustomer.objects.filter(user=user).exclude(payment_method="").first()
