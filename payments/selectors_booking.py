"""Reads of one booking's payments (the booking's visibility is checked by
bookings.selectors.booking_get before these run)."""

from django.db.models import Prefetch, QuerySet

from payments.models import Payment, PaymentChange, PaymentOperation


def booking_payments(booking) -> QuerySet[Payment]:
    """The booking's payments, oldest first, each with its changes and its
    refunds (the refund operations made on it) fetched once."""
    return (Payment.objects.filter(booking=booking)
            .prefetch_related(
                Prefetch("changes", queryset=PaymentChange.objects.order_by("created_at", "id")),
                Prefetch("operations", to_attr="refund_operations",
                         queryset=PaymentOperation.objects.filter(
                             kind=PaymentOperation.Kind.REFUND).order_by("created_at", "id")))
            .order_by("created_at", "id"))
