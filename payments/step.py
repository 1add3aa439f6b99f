"""Payments' answer to the booking flow's payment step (bookings/payment_step.py),
provided when the app loads (payments/apps.py)."""

from django.db import transaction

from bookings.models import Booking
from bookings.payment_step import PaymentStep
from payments.gateways import active_gateway
from payments.models import Payment
from payments.services import settlement

S = Booking.Status


def pays_online(booking: Booking) -> bool:
    return (active_gateway().online and not booking.listing.cash_at_pickup
            and booking.rental + booking.fees > 0)


class PaymentsStep(PaymentStep):
    def due_online(self, booking) -> bool:
        return pays_online(booking)

    def before(self, booking, action, *, actor) -> None:
        # The deposit is held on the card when the item is handed over; a
        # refused hold refuses the pickup.
        if action == "pickup" and booking.deposit > 0 and pays_online(booking):
            settlement.deposit_hold(booking, actor=actor)

    def action_failed(self, booking, action, *, actor) -> None:
        if action == "pickup":
            deposit = settlement.current_deposit(booking)
            # Released unless a concurrent pickup won and owns the hold.
            handed_over = Booking.objects.filter(
                pk=booking.pk, status__in=(S.PICKED_UP, S.RETURNED, S.DISPUTED, S.COMPLETED)
            ).exists()
            if deposit is not None and deposit.status == Payment.Status.AUTHORIZED and \
                    not handed_over:
                transaction.on_commit(lambda: settlement.deposit_release(
                    deposit, cause="pickup did not go ahead"))

    def extension_charge(self, extension, *, actor) -> None:
        if pays_online(extension.booking):
            settlement.extension_charge(extension, actor=actor)

    def extension_failed(self, extension, *, actor) -> None:
        settlement.extension_charge_undo(extension)

    def after(self, booking, action, *, actor, from_status) -> None:
        if action == "pickup" and not pays_online(booking):
            settlement.cash_received(booking, actor=actor)
        if action == "complete" and from_status == S.DISPUTED and actor is not None \
                and actor.pk != booking.borrower_id:
            settlement.claim_withdraw_on_completion(booking)
        # Money to move once the transition commits: only where some was
        # paid or held, or a late fee is due.
        if action in ("cancel", "no_show", "lapse", "return", "complete") and (
                booking.late_fee or Payment.objects.filter(booking=booking).exists()):
            transaction.on_commit(lambda: settlement.settle_booking(booking.pk))
