"""Bookings: one unit of a listing held over [start, end), and their life.

No double booking is guaranteed by the database: on PostgreSQL an exclusion
constraint over (unit, tstzrange(start, end)) for the holding states (see
migration 0002); on SQLite the overlap check runs inside the booking's
IMMEDIATE transaction, which holds the database's write lock.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from listings.models import unguessable_name


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

    # The community's rule set the booking was checked against.
    rule_set_version = models.ForeignKey("community_rules.RuleSetVersion",
                                         on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    late_fee = models.PositiveIntegerField(default=0)

    expires_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
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


class ConditionReport(models.Model):
    """The item's condition as recorded at pickup or at return; a dispute
    refers to these."""

    class Stage(models.TextChoices):
        PICKUP = "pickup", _("At pickup")
        RETURN = "return", _("At return")

    class Condition(models.TextChoices):
        AS_LISTED = "as_listed", _("As described")
        MINOR_WEAR = "minor_wear", _("Minor new wear")
        DAMAGED = "damaged", _("Damaged")
        MISSING_PARTS = "missing_parts", _("Parts missing")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE,
                                related_name="condition_reports")
    stage = models.CharField(max_length=6, choices=Stage.choices)
    condition = models.CharField(max_length=14, choices=Condition.choices,
                                 default=Condition.AS_LISTED)
    note = models.TextField(blank=True, max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.booking_id} {self.stage}: {self.condition}"


def condition_photo_name(instance, filename: str) -> str:
    return unguessable_name("conditions", filename)


def condition_thumbnail_name(instance, filename: str) -> str:
    return unguessable_name("conditions/thumbs", filename)


class ConditionPhoto(models.Model):
    """Never public: served only to the booking's parties through the checked
    view (frontend/views/media.py), at `image_url` and `thumbnail_url`."""

    report = models.ForeignKey(ConditionReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=condition_photo_name)
    thumbnail = models.ImageField(upload_to=condition_thumbnail_name)

    def __str__(self):
        return f"photo of report {self.report_id}"

    @property
    def image_url(self) -> str:
        return reverse("photo-condition", args=[self.pk, "full"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("photo-condition", args=[self.pk, "thumb"])


class Extension(models.Model):
    """A borrower asks to keep the item longer; the lender decides."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="extensions")
    new_end = models.DateTimeField()
    # The extra time's price as quoted when asked, added to the booking's
    # amounts when the lender approves.
    rental = models.PositiveIntegerField(default=0)
    fees = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices,
                              default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"extend {self.booking_id} to {self.new_end:%Y-%m-%d %H:%M} ({self.status})"


class WaitlistEntry(models.Model):
    """Someone who wants a listing over a period that is taken; told when a
    unit frees up there."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE,
                                related_name="waitlist")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="waitlist_entries")
    start = models.DateTimeField()
    end = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "user", "start", "end"],
                                    name="one_waitlist_entry_per_period"),
        ]

    def __str__(self):
        return f"{self.user} waits for {self.listing} {self.start:%Y-%m-%d}"


class Review(models.Model):
    """After completion each side may review the other once, within 14 days.
    Hidden until both have written or the window closes."""

    class Side(models.TextChoices):
        BORROWER = "borrower", _("By the borrower")
        LENDER = "lender", _("By the lender")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reviews")
    side = models.CharField(max_length=8, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="reviews_written")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="reviews_received")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, max_length=3000)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "side"], name="one_review_per_side"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                   name="rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["subject", "published_at"])]

    def __str__(self):
        return f"{self.rating}/5 by {self.author} on booking {self.booking_id}"


class CalendarFeed(models.Model):
    """A secret-token iCalendar feed: a person's bookings, or (with
    `listing`) one listing's bookings for its lender. `import_url` is the
    lender's external calendar whose events become blackouts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_feeds")
    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    import_url = models.URLField(blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    import_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(listing__isnull=True),
                                    name="one_personal_feed_per_person"),
        ]

    def __str__(self):
        return f"calendar of {self.listing or self.user}"
