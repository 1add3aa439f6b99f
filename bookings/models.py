"""Bookings: one unit of a listing held over [start, end), and their life.

No double booking is guaranteed by the database: on PostgreSQL an exclusion
constraint over (unit, tstzrange(start, end)) for the holding states (see
migration 0002); on SQLite the overlap check runs inside the booking's
IMMEDIATE transaction, which holds the database's write lock.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        CONFIRMED = "confirmed", _("Confirmed")
        PICKED_UP = "picked_up", _("Picked up")
        NO_SHOW = "no_show", _("No-show")
        RETURNED = "returned", _("Returned")
        DISPUTED = "disputed", _("Disputed")
        COMPLETED = "completed", _("Completed")

    # The states in which a booking holds its unit.
    HOLDING = (Status.REQUESTED, Status.APPROVED, Status.CONFIRMED, Status.PICKED_UP)

    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT,
                                related_name="bookings")
    unit = models.ForeignKey("listings.ListingUnit", on_delete=models.PROTECT,
                             related_name="bookings")
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="bookings")
    # The community the booking is made through (its rules apply), or none
    # for a public booking.
    community = models.ForeignKey("community_rules.Community", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="bookings")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    message = models.TextField(_("message to the lender"), blank=True, max_length=2000)

    # The terms as quoted and accepted (consumer protection): later changes
    # to the listing do not change a booking already made.
    rental = models.PositiveIntegerField(default=0)
    fees = models.PositiveIntegerField(default=0)
    deposit = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="KRW")
    cancellation_policy = models.CharField(max_length=10, default="flexible")

    expires_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    pickup_reminded_at = models.DateTimeField(null=True, blank=True)
    return_reminded_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["unit", "start", "end"]),
            models.Index(fields=["borrower", "status"]),
            models.Index(fields=["listing", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")),
                                   name="booking_starts_before_it_ends"),
        ]

    def __str__(self):
        return f"{self.listing} for {self.borrower} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def holds_unit(self) -> bool:
        return self.status in self.HOLDING


class BookingTransition(models.Model):
    """Every change of a booking's state: who (none: the system), when, why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.booking_id}: {self.from_status or '-'} -> {self.to_status}"
