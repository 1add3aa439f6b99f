"""What money does as a booking moves: the booking confirmed when its rental
is paid, refunds on cancellation, the deposit held at pickup and released
or captured after the return, late fees, damage claims.

Each step has an idempotency key derived from the booking and the step
(`booking:<id>:deposit-capture`), so running it twice (a retry, the job
`settle_due` after a crash, a double click) moves the money once. Our code
refuses to capture more than was held or refund more than was captured,
whatever the gateway would accept.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.pricing import refund_percent
from bookings.services.booking import (
    announce,
    apply_transition,
    booking_act,
    booking_sides,
    lender_ids,
)
from marketplace.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    PaymentFailed,
    ValidationFailed,
)
from payments.gateways import GatewayError, Intent, active_gateway, offline_gateway
from payments.models import DamageClaim, Payment, PaymentCustomer, PaymentOperation
from payments.services.records import (
    operation_claim,
    operation_done,
    operation_failed,
    payment_mark,
    payment_sync,
    post_refund,
)

S = Booking.Status
P = Payment.Status
CLAIM_TEXT_LENGTH = 1500  # it becomes the booking's note and the complaint's text
K = PaymentOperation.Kind


def _gateway_of(payment: Payment):
    return offline_gateway() if payment.gateway == "offline" else active_gateway()


def _tell_both(booking: Booking, kind: str) -> None:
    for user_id in {booking.borrower_id, *lender_ids(booking.listing)}:
        announce(booking, to_user_id=user_id, kind=kind)


# --- following the gateway --------------------------------------------------


def payment_update(payment: Payment, intent: Intent, *, cause: str, actor=None,
                   captured: int | None = None) -> Payment:
    """Our payment moved to what the gateway says, and what follows for the
    booking: a paid rental confirms it (or, paid too late, is refunded)."""
    with transaction.atomic():
        payment, before = payment_sync(payment, intent, cause=cause, actor=actor,
                                       captured=captured)
        if payment.kind == Payment.Kind.RENTAL and payment.status == P.SUCCEEDED \
                and before != P.SUCCEEDED:
            booking = Booking.objects.get(pk=payment.booking_id)
            if booking.status == S.APPROVED:
                apply_transition(booking, "confirm", actor=None, note=_("Payment received."))
                _tell_both(booking, "payment_succeeded")
            elif booking.status not in (S.CONFIRMED, S.PICKED_UP, S.RETURNED, S.DISPUTED,
                                        S.COMPLETED):
                # Paid after the booking lapsed or was cancelled: all back.
                transaction.on_commit(lambda: settle_booking(payment.booking_id))
        if payment.status == P.FAILED and before != P.FAILED:
            announce(payment.booking, to_user_id=payment.booking.borrower_id,
                     kind="payment_failed")
    return payment


def payment_refresh(payment: Payment, *, cause: str, actor=None) -> Payment:
    """Re-reads the payment from the gateway and follows it."""
    if not payment.intent_id or payment.gateway == "offline":
        return payment
    intent = _gateway_of(payment).retrieve(payment.intent_id)
    return payment_update(payment, intent, cause=cause, actor=actor)


# --- refunds -----------------------------------------------------------------


def refund_due(booking: Booking, payment: Payment) -> int:
    """What a cancelled or no-show booking gives back of a payment for its
    time (the rental, an extension): everything when the lender cancelled
    or the booking was never confirmed, else what the cancellation policy
    shown in the quote says."""
    cancelled = booking.transitions.filter(to_status__in=(S.CANCELLED, S.NO_SHOW)).last()
    if booking.status == S.EXPIRED or cancelled is None:
        return payment.captured
    if cancelled.from_status != S.CONFIRMED:
        # Cancelled before the booking was confirmed (a payment that went
        # through as the borrower cancelled): nothing was ever binding.
        return payment.captured
    if booking.status == S.NO_SHOW:
        percent = refund_percent(booking.cancellation_policy, start=booking.start,
                                 cancelled_at=booking.start)
    elif cancelled.actor_id == booking.borrower_id:
        percent = refund_percent(booking.cancellation_policy, start=booking.start,
                                 cancelled_at=cancelled.created_at)
    else:
        percent = 100
    return payment.captured * percent // 100


def refund(payment: Payment, *, amount: int, key: str, cause: str, actor=None) -> Payment:
    """Refunds `amount` of a captured payment, once under `key`, never more
    than is left to refund."""
    if amount <= 0:
        return payment
    operation = operation_claim(key=key, kind=K.REFUND, payment=payment, amount=amount)
    if operation.status == PaymentOperation.Status.DONE:
        return Payment.objects.get(pk=payment.pk)
    payment.refresh_from_db()
    amount = min(operation.amount, payment.refundable)
    if amount <= 0:
        operation_done(operation)
        return payment
    if amount != operation.amount:
        # What is really refunded is what the operation records.
        PaymentOperation.objects.filter(pk=operation.pk).update(amount=amount)
    try:
        ref = _gateway_of(payment).refund(payment.intent_id, amount=amount,
                                          idempotency_key=key)
    except GatewayError as error:
        operation_failed(operation, error)
        raise
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if amount > locked.refundable:
            raise ValidationFailed(_("A refund cannot be more than was paid."))
        operation_done(operation, ref=ref)
        locked = payment_mark(locked, cause=cause, actor=actor,
                              refunded=locked.refunded + amount)
        post_refund(locked, amount=amount, key=key)
        announce(locked.booking, to_user_id=locked.booking.borrower_id, kind="payment_refunded")
    return locked


# --- the deposit -------------------------------------------------------------


def deposit_key(booking: Booking, n: int = 1) -> str:
    return f"booking:{booking.pk}:deposit-hold" + (f"-{n}" if n > 1 else "")


def current_deposit(booking: Booking) -> Payment | None:
    return (Payment.objects.filter(booking=booking, kind=Payment.Kind.DEPOSIT,
                                   replaced_by__isnull=True)
            .exclude(status__in=(P.FAILED, P.PENDING, P.REQUIRES_ACTION)).last())


def _card_of(booking: Booking) -> PaymentCustomer | None:
    return PaymentCustomer.objects.filter(user_id=booking.borrower_id).exclude(
        payment_method="").first()


def deposit_hold(booking: Booking, *, actor=None, n: int = 1, withheld: int = 0) -> Payment:
    """Holds the deposit on the borrower's saved card (manual capture),
    off-session: at pickup, and again before an old hold lapses."""
    key = deposit_key(booking, n)
    attempts = list(Payment.objects.filter(booking=booking, kind=Payment.Kind.DEPOSIT,
                                           idempotency_key__startswith=key))
    attempts = [p for p in attempts if p.idempotency_key == key
                or p.idempotency_key.startswith(f"{key}:attempt-")]
    held = next((p for p in attempts if p.status == P.AUTHORIZED), None)
    if held is not None:
        return held
    if attempts:
        # An earlier attempt the card refused or left waiting (3-D Secure):
        # it is cancelled and a new one made under its own key, so no hold
        # lingers on the card and each attempt keeps its own intent.
        for attempt in attempts:
            if attempt.status in (P.PENDING, P.REQUIRES_ACTION, P.FAILED) and attempt.intent_id:
                try:
                    _cancel_unpaid(attempt)
                except GatewayError:
                    pass
        key = f"{key}:attempt-{len(attempts) + 1}"
    card = _card_of(booking)
    if card is None:
        raise PaymentFailed(_("The borrower has no saved card to hold the deposit on."))
    gateway = active_gateway()
    operation = operation_claim(key=key, kind=K.AUTHORIZE, amount=booking.deposit)
    if operation.status == PaymentOperation.Status.DONE:
        # Held by a concurrent request meanwhile: no second call.
        payment = Payment.objects.get(idempotency_key=key)
        if payment.status != P.AUTHORIZED:
            raise PaymentFailed(_("The deposit could not be held on the borrower's card."))
        return payment
    try:
        intent = gateway.authorize(
            amount=booking.deposit, currency=booking.currency, customer=card.customer_id,
            idempotency_key=key, capture=False, payment_method=card.payment_method,
            off_session=True, metadata={"booking": str(booking.pk),
                                        "kind": Payment.Kind.DEPOSIT})
    except GatewayError as error:
        operation_failed(operation, error)
        raise PaymentFailed(_("The deposit could not be held on the borrower's card: "
                              "%(reason)s") % {"reason": error.message}) from error
    with transaction.atomic():
        payment, _created = Payment.objects.get_or_create(idempotency_key=key, defaults={
            "booking": booking, "kind": Payment.Kind.DEPOSIT, "gateway": gateway.name,
            "intent_id": intent.id, "amount": booking.deposit, "currency": booking.currency,
            "withheld": min(withheld, booking.deposit)})
        operation.payment = payment
        operation.save(update_fields=["payment"])
        operation_done(operation, ref=intent.id)
        payment = payment_update(payment, intent, cause="deposit held", actor=actor)
    if payment.status != P.AUTHORIZED:
        raise PaymentFailed(_("The deposit could not be held on the borrower's card."))
    return payment


def deposit_release(payment: Payment, *, cause: str, actor=None) -> Payment:
    key = f"booking:{payment.booking_id}:deposit-release:{payment.pk}"
    operation = operation_claim(key=key, kind=K.CANCEL, payment=payment)
    if operation.status == PaymentOperation.Status.DONE:
        return Payment.objects.get(pk=payment.pk)
    gateway = _gateway_of(payment)
    try:
        intent = gateway.retrieve(payment.intent_id)
        if intent.status == P.AUTHORIZED:
            intent = gateway.cancel(payment.intent_id, idempotency_key=key)
    except GatewayError as error:
        operation_failed(operation, error)
        raise
    operation_done(operation, ref=intent.id)
    return payment_update(payment, intent, cause=cause, actor=actor)


def deposit_capture(payment: Payment, *, amount: int, cause: str, actor=None) -> Payment:
    """Captures part (or all) of a held deposit; the rest is released by
    the same capture. Never more than was held."""
    if amount > payment.amount:
        raise ValidationFailed(_("At most the deposit held (%(amount)s) can be taken.")
                               % {"amount": payment.amount})
    if amount <= 0:
        return deposit_release(payment, cause=cause, actor=actor)
    key = f"booking:{payment.booking_id}:deposit-capture"
    operation = operation_claim(key=key, kind=K.CAPTURE, payment=payment, amount=amount)
    if operation.status == PaymentOperation.Status.DONE:
        return Payment.objects.get(pk=payment.pk)
    amount = min(operation.amount, payment.amount)
    gateway = _gateway_of(payment)
    try:
        intent = gateway.retrieve(payment.intent_id)
        if intent.status == P.AUTHORIZED:
            intent = gateway.capture(payment.intent_id, amount=amount, idempotency_key=key)
    except GatewayError as error:
        operation_failed(operation, error)
        raise
    operation_done(operation, ref=intent.id)
    return payment_update(payment, intent, cause=cause, actor=actor, captured=amount)


def deposit_renew_lapsing(*, now=None) -> int:
    """Card holds lapse (7 days, 5 for some Visa holds: the charge's
    capture_before). A long loan's deposit is held again off-session with
    the saved card before the old hold lapses, then the old one released.
    If that fails, both sides are told and the hold is flagged."""
    now = now or timezone.now()
    renewed = 0
    lapsing = Payment.objects.filter(
        kind=Payment.Kind.DEPOSIT, status=P.AUTHORIZED, replaced_by__isnull=True,
        capture_before__lte=now + timedelta(hours=36),
        booking__status__in=(S.PICKED_UP, S.RETURNED, S.DISPUTED)).select_related("booking")
    for old in lapsing:
        booking = old.booking
        n = Payment.objects.filter(booking=booking, kind=Payment.Kind.DEPOSIT).count() + 1
        try:
            new = deposit_hold(booking, n=n, withheld=old.withheld)
        except PaymentFailed as error:
            if not old.problem:
                payment_mark(old, cause="renewal refused",
                             problem=_("The deposit hold lapses soon and could not be "
                                       "renewed: %(reason)s") % {"reason": error.message})
                _tell_both(booking, "deposit_hold_lapsing")
            continue
        with transaction.atomic():
            Payment.objects.filter(pk=old.pk).update(replaced_by=new)
        try:
            deposit_release(old, cause="renewed: a new hold replaces it")
        except GatewayError:
            pass  # released by settle_due later
        renewed += 1
    return renewed


# --- late fees and damage ---------------------------------------------------


def _charge_saved_card(booking: Booking, *, kind: str, amount: int, fees: int, key: str,
                       cause: str) -> Payment:
    """An off-session charge of the borrower's saved card, once under `key`.
    Raises GatewayError (declined, or the gateway away)."""
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.status == P.SUCCEEDED:
        return existing
    card = _card_of(booking)
    gateway = active_gateway()
    if card is None or not gateway.online:
        raise GatewayError(_("The borrower has no saved card."), declined=True)
    operation = operation_claim(key=key, kind=K.AUTHORIZE, amount=amount)
    if operation.status == PaymentOperation.Status.DONE:
        # Charged by a concurrent request meanwhile: no second call.
        return Payment.objects.get(idempotency_key=key)
    try:
        intent = gateway.authorize(
            amount=amount, currency=booking.currency, customer=card.customer_id,
            idempotency_key=key, capture=True, payment_method=card.payment_method,
            off_session=True, metadata={"booking": str(booking.pk), "kind": kind})
    except GatewayError as refused:
        operation_failed(operation, refused)
        raise
    with transaction.atomic():
        payment, _created = Payment.objects.get_or_create(idempotency_key=key, defaults={
            "booking": booking, "kind": kind, "gateway": gateway.name, "intent_id": intent.id,
            "amount": amount, "fees": fees, "currency": booking.currency})
        operation.payment = payment
        operation.save(update_fields=["payment"])
        operation_done(operation, ref=intent.id)
        return payment_update(payment, intent, cause=cause)


def late_fee_charge(booking: Booking) -> Payment | None:
    """The late-return fee, charged off-session to the saved card; if the
    card refuses it, kept back from the deposit instead."""
    if booking.late_fee <= 0:
        return None
    key = f"booking:{booking.pk}:late-fee"
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.status == P.SUCCEEDED:
        return existing
    deposit = current_deposit(booking)
    if deposit is not None and deposit.withheld:
        return None  # already kept back from the deposit
    try:
        payment = _charge_saved_card(booking, kind=Payment.Kind.LATE_FEE,
                                     amount=booking.late_fee, fees=0, key=key,
                                     cause="late fee charged")
    except GatewayError as error:
        if not error.declined:
            raise  # the gateway is away: settle_due tries again
        if deposit is not None and deposit.status == P.AUTHORIZED:
            payment_mark(deposit, cause="late fee kept back from the deposit",
                         withheld=min(booking.late_fee, deposit.amount))
            _tell_both(booking, "late_fee_from_deposit")
        return None
    _tell_both(booking, "late_fee_charged")
    return payment


def extension_key(extension) -> str:
    return f"booking:{extension.booking_id}:extension-{extension.pk}"


def extension_charge(extension, *, actor=None) -> Payment | None:
    """An extension's price, charged to the borrower's saved card when the
    lender approves it; refused, the extension stays unanswered."""
    booking = extension.booking
    amount = extension.rental + extension.fees
    if amount <= 0:
        return None
    try:
        return _charge_saved_card(booking, kind=Payment.Kind.EXTENSION, amount=amount,
                                  fees=extension.fees, key=extension_key(extension),
                                  cause="extension approved")
    except GatewayError as error:
        raise PaymentFailed(_("The borrower's card did not pay for the extension, so it is "
                              "not approved: %(reason)s") % {"reason": error.message}) from error


def extension_charge_undo(extension) -> None:
    """The approval failed after the charge: all of it back, unless a
    concurrent approval of the same extension won (the charge is its)."""
    if type(extension).objects.filter(pk=extension.pk, status="approved").exists():
        return
    payment = Payment.objects.filter(idempotency_key=extension_key(extension),
                                     status=P.SUCCEEDED).first()
    if payment is not None:
        refund(payment, amount=payment.refundable, key=f"{extension_key(extension)}:undo",
               cause="extension not approved after all")


def inspection_open(booking: Booking, *, now=None) -> bool:
    now = now or timezone.now()
    return booking.status == S.RETURNED and booking.returned_at is not None and \
        now < booking.returned_at + timedelta(hours=settings.NANUM_INSPECTION_HOURS)


@transaction.atomic
def damage_claim_make(*, actor, booking: Booking, amount: int, text: str) -> DamageClaim:
    """The lender claims up to the deposit held (less any late fee kept
    back), within the inspection window, pointing at the condition reports.
    The booking becomes disputed and a complaint opens at its first tier."""
    if "lender" not in booking_sides(booking=booking, user=actor):
        raise Forbidden(_("Only the lender can claim on the deposit."))
    # Read again, locked: of two claims at once the second finds the first.
    booking = Booking.objects.select_for_update().select_related("listing").get(pk=booking.pk)
    if DamageClaim.objects.filter(booking=booking).exists():
        raise InvalidTransition(_("A damage claim on this booking is already made."))
    if not inspection_open(booking):
        raise InvalidTransition(_("Damage can be claimed only within %(hours)s hours of "
                                  "the return.") % {"hours": settings.NANUM_INSPECTION_HOURS})
    deposit = current_deposit(booking)
    if deposit is None or deposit.status != P.AUTHORIZED:
        raise InvalidTransition(_("No deposit is held for this booking."))
    most = deposit.amount - deposit.withheld
    if not isinstance(amount, int) or amount < 1 or amount > most:
        raise ValidationFailed(fields={"amount": [
            _("Claim between 1 and %(most)s.") % {"most": most}]})
    if not (text or "").strip():
        raise ValidationFailed(fields={"text": [_("Say what was damaged.")]})
    if len(text.strip()) > CLAIM_TEXT_LENGTH:
        raise ValidationFailed(fields={"text": [
            _("Say it in at most %(most)s characters.") % {"most": CLAIM_TEXT_LENGTH}]})
    claim = DamageClaim.objects.create(booking=booking, amount=amount, text=text.strip(),
                                       created_by=actor)
    booking_act(actor=actor, booking=booking, action="dispute",
                note=_("Damage claimed: %(amount)s %(currency)s. %(text)s")
                % {"amount": amount, "currency": booking.currency, "text": text.strip()})
    return claim


@transaction.atomic
def dispute_settle(*, booking: Booking, awarded: int, actor=None) -> Booking:
    """A dispute's outcome (from the complaint desk): `awarded` of the
    claim is taken from the deposit, the rest released, the booking
    completes."""
    claim = DamageClaim.objects.select_for_update().filter(booking=booking).first()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    deposit = current_deposit(booking)
    still_held = booking.status == S.DISPUTED and deposit is not None and \
        deposit.status == P.AUTHORIZED
    # Only a claim still open on a deposit still held can be awarded.
    most = claim.amount if claim and claim.status == DamageClaim.Status.OPEN and still_held \
        else 0
    if awarded < 0 or awarded > most:
        raise ValidationFailed(fields={"awarded": [
            _("Award between 0 and %(most)s.") % {"most": most}]})
    if claim is not None and claim.status == DamageClaim.Status.OPEN:
        claim.status, claim.awarded, claim.settled_at = (
            DamageClaim.Status.SETTLED, awarded, timezone.now())
        claim.save(update_fields=["status", "awarded", "settled_at"])
    if booking.status == S.DISPUTED:
        apply_transition(booking, "complete", actor=actor, note=_("Dispute settled."))
    return booking


# --- settling what is due --------------------------------------------------


def _deposit_due(booking: Booking, deposit: Payment) -> int:
    claim = DamageClaim.objects.filter(booking=booking, status=DamageClaim.Status.SETTLED
                                       ).first()
    return min(deposit.amount, deposit.withheld + (claim.awarded if claim else 0))


def claim_withdraw_on_completion(booking: Booking) -> None:
    """A disputed booking the lender completes themselves: their open claim
    is withdrawn (nothing taken), so a later award cannot move money."""
    DamageClaim.objects.filter(booking=booking, status=DamageClaim.Status.OPEN).update(
        status=DamageClaim.Status.SETTLED, awarded=0, settled_at=timezone.now())


def settle_booking(booking_id: int) -> None:
    """Everything the booking's state says the money should have done:
    refunds after a cancellation, releases, captures, late fees. Each step
    is keyed, so running this again does nothing new. The gateway away: the
    job tries again later."""
    booking = Booking.objects.select_related("listing").get(pk=booking_id)
    payments = list(Payment.objects.filter(booking=booking, replaced_by__isnull=True))
    try:
        for payment in payments:
            if payment.status in (P.PENDING, P.REQUIRES_ACTION, P.FAILED) and payment.intent_id \
                    and booking.status not in (S.APPROVED,):
                _cancel_unpaid(payment)
        if booking.status in (S.CANCELLED, S.NO_SHOW, S.EXPIRED, S.DECLINED):
            # Every payment for the booking's time: the rental and any
            # extension paid before the booking ended this way.
            for paid in payments:
                if paid.status != P.SUCCEEDED or paid.kind not in (Payment.Kind.RENTAL,
                                                                  Payment.Kind.EXTENSION):
                    continue
                key = f"booking:{booking.pk}:refund-{booking.status}"
                if paid.kind == Payment.Kind.EXTENSION:
                    key += f":{paid.pk}"
                refund(paid, amount=refund_due(booking, paid) - paid.refunded, key=key,
                       cause=f"booking {booking.status}")
        if booking.status in (S.RETURNED, S.COMPLETED, S.DISPUTED) and booking.late_fee:
            late_fee_charge(booking)
        deposit = current_deposit(booking)
        if deposit is not None and deposit.status == P.AUTHORIZED and \
                booking.status in (S.COMPLETED, S.CANCELLED, S.NO_SHOW):
            due = _deposit_due(booking, deposit)
            deposit_capture(deposit, amount=due, cause="deposit settled after the loan")
        for old in Payment.objects.filter(booking=booking, kind=Payment.Kind.DEPOSIT,
                                          status=P.AUTHORIZED, replaced_by__isnull=False):
            deposit_release(old, cause="replaced by a renewed hold")
    except (GatewayError, Conflict):
        return  # the gateway away, or another run at it now: settle_due again later


def _cancel_unpaid(payment: Payment) -> None:
    key = f"booking:{payment.booking_id}:cancel:{payment.pk}"
    operation = operation_claim(key=key, kind=K.CANCEL, payment=payment)
    if operation.status == PaymentOperation.Status.DONE:
        return
    gateway = _gateway_of(payment)
    try:
        intent = gateway.retrieve(payment.intent_id)
        if intent.status in (P.PENDING, P.REQUIRES_ACTION, P.FAILED):
            intent = gateway.cancel(payment.intent_id, idempotency_key=key)
    except GatewayError as error:
        operation_failed(operation, error)
        raise
    operation_done(operation, ref=intent.id)
    payment_update(payment, intent, cause="booking did not go ahead")


def settle_due(*, now=None) -> int:
    """The job: bookings whose money is not yet where their state says."""
    ids = set(Payment.objects.filter(
        booking__status__in=(S.CANCELLED, S.NO_SHOW, S.EXPIRED, S.DECLINED, S.COMPLETED),
        status__in=(P.AUTHORIZED, P.PENDING, P.REQUIRES_ACTION, P.FAILED, P.SUCCEEDED),
    ).values_list("booking_id", flat=True))
    ids |= set(Booking.objects.filter(status__in=(S.RETURNED, S.COMPLETED, S.DISPUTED),
                                      late_fee__gt=0).values_list("pk", flat=True))
    for booking_id in sorted(ids):
        settle_booking(booking_id)
    return len(ids)


def lapse_unpaid(*, now=None) -> int:
    """Approved bookings not paid by their deadline lapse and free the
    unit; a payment that succeeded meanwhile confirms the booking instead."""
    now = now or timezone.now()
    lapsed = 0
    for booking in Booking.objects.filter(status=S.APPROVED, expires_at__lte=now):
        payment = Payment.objects.filter(booking=booking, kind=Payment.Kind.RENTAL).first()
        if payment is not None:
            try:
                payment = payment_refresh(payment, cause="payment deadline reached")
            except GatewayError:
                pass
            if payment.status == P.SUCCEEDED:
                continue
        try:
            with transaction.atomic():
                apply_transition(booking, "lapse", actor=None,
                                 note=_("Not paid by the deadline."))
                announce(booking, to_user_id=booking.borrower_id, kind="booking_lapsed")
            lapsed += 1
        except InvalidTransition:
            continue
    return lapsed


def cash_received(booking: Booking, *, actor) -> Payment | None:
    """Cash at pickup: the lender confirms by handing the item over."""
    amount = booking.rental + booking.fees
    if amount <= 0 or Payment.objects.filter(booking=booking, kind=Payment.Kind.RENTAL).exists():
        return None
    gateway = offline_gateway()
    key = f"booking:{booking.pk}:cash"
    intent = gateway.authorize(amount=amount, currency=booking.currency, customer="",
                               idempotency_key=key, capture=True)
    payment, _created = Payment.objects.get_or_create(idempotency_key=key, defaults={
        "booking": booking, "kind": Payment.Kind.RENTAL, "gateway": gateway.name,
        "intent_id": intent.id, "amount": amount, "fees": booking.fees,
        "currency": booking.currency})
    return payment_update(payment, intent, cause="cash received at pickup", actor=actor)
