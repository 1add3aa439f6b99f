"""The booking page's "Payment" section: what was paid, held and refunded,
the way to pay, the receipt, and the lender's claim on the deposit.

An inclusion tag, so the booking page (frontend/views/bookings.py) needs
nothing from payments: `{% booking_payments booking %}`."""

from django import template
from django.conf import settings

from bookings import payment_step
from bookings.models import Booking
from bookings.services.booking import booking_sides
from bookings.transitions import BORROWER, LENDER
from payments.models import DamageClaim, Payment
from payments.services import settlement

register = template.Library()

P = Payment.Status


@register.inclusion_tag("payments/_booking_section.html", takes_context=True)
def booking_payments(context, booking: Booking) -> dict:
    request = context["request"]
    sides = booking_sides(booking=booking, user=request.user)
    if not sides:
        return {"shown": False}
    payments = list(booking.payments.prefetch_related("changes__actor__profile")
                    .order_by("created_at", "id"))
    due = booking.status == Booking.Status.APPROVED and \
        payment_step.current().due_online(booking)
    rental = next((p for p in payments if p.kind == Payment.Kind.RENTAL), None)
    deposit = settlement.current_deposit(booking) if booking.deposit else None
    claim = DamageClaim.objects.filter(booking=booking).first()
    can_claim = (LENDER in sides and claim is None and deposit is not None
                 and deposit.status == P.AUTHORIZED and settlement.inspection_open(booking))
    return {
        "shown": bool(payments) or due or claim is not None,
        "csrf_token": context.get("csrf_token"),
        "booking": booking, "payments": payments, "claim": claim,
        "is_borrower": BORROWER in sides, "is_lender": LENDER in sides,
        "pay_now": due and BORROWER in sides and (rental is None or rental.status in (
            P.PENDING, P.REQUIRES_ACTION, P.FAILED)),
        "has_receipt": any(p.status in (P.SUCCEEDED, P.AUTHORIZED) or p.captured
                           for p in payments),
        "problems": [p for p in payments if p.problem],
        "can_claim": can_claim,
        "claim_most": deposit.amount - deposit.withheld if can_claim else 0,
        "inspection_hours": settings.NANUM_INSPECTION_HOURS,
        "status_labels": dict(P.choices),
    }


@register.filter
def status_label(value: str, labels: dict) -> str:
    return labels.get(value, value)
