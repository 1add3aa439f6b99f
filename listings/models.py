"""What is shared: items, services and spaces, their units, photos, opening
hours and blackouts, in a category tree."""

import secrets
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Bounds on what a listing asks (issue 14): past them a value is a slip of
# the keyboard or an attack, and would overflow the database's integers or
# Python's dates. The listing services, the API and the forms hold to them
# too, naming the field.
MAX_WON = 100_000_000  # a price or a deposit, in won
MAX_SPAN = timedelta(days=365)  # the shortest and longest booking, the notice
MAX_REQUEST_EXPIRY = timedelta(days=30)  # how long a request waits for an answer
# Won only, until a second currency really works (prices, payments, payouts).
CURRENCIES = ("KRW",)
# Decimal places of the approximate point others see (Listing.approx_lat).
APPROX_DIGITS = 2


def validate_currency(value: str) -> None:
    if value not in CURRENCIES:
        raise ValidationError(_("Only won (KRW) is accepted for now."), code="currency")


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name_en = models.CharField(max_length=80)
    name_ko = models.CharField(max_length=80)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the language of the current request."""
        return self.name_ko if (get_language() or "").startswith("ko") else self.name_en


class SearchTerm(models.Model):
    """A word of the search vocabulary added by city staff, beside the
    shipped ones (listings/vocabulary.csv): a query for either finds the
    other."""

    korean = models.CharField(_("Korean"), max_length=60)
    english = models.CharField(_("English"), max_length=60)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        ordering = ["korean", "english"]
        constraints = [models.UniqueConstraint(fields=["korean", "english"],
                                               name="one_search_term_per_pair")]

    def __str__(self):
        return f"{self.korean} / {self.english}"


class Listing(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        SERVICE = "service", _("Service")
        SPACE = "space", _("Space")

    class Condition(models.TextChoices):
        NEW = "new", _("New")
        LIKE_NEW = "like_new", _("Like new")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        WORN = "worn", _("Worn but works")

    class Pricing(models.TextChoices):
        FREE = "free", _("Free")
        PER_HOUR = "per_hour", _("Per hour")
        PER_DAY = "per_day", _("Per day")
        PER_BOOKING = "per_booking", _("Per booking")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        COMMUNITIES = "communities", _("Only members of the chosen communities")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    class CancellationPolicy(models.TextChoices):
        FLEXIBLE = "flexible", _("Flexible")
        MODERATE = "moderate", _("Moderate")
        STRICT = "strict", _("Strict")

    # Who lends it. `owner` is always the person who listed it. When `company`
    # is set the company lends it (its staff manage it); when
    # `owner_community` is set the community lends it (a tool library's own
    # inventory, managed by its moderators).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings"
    )
    company = models.ForeignKey(
        "accounts.ShareCompany", on_delete=models.PROTECT, null=True, blank=True,
        related_name="listings",
    )
    owner_community = models.ForeignKey(
        "community_rules.Community", on_delete=models.PROTECT, null=True, blank=True,
        related_name="owned_listings",
    )

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ITEM)
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, blank=True
    )

    district = models.CharField(_("district"), max_length=60, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    # The point everyone but the listing's managers sees, to 0.01 degree
    # (about 1.1 km north-south, 0.9 km east-west in Seoul). Search filters,
    # sorts and measures distance on it alone (issue 15): distances from the
    # exact point would give the lender's door away by triangulation. The
    # database computes it from lat/lng, so no write can leave it behind.
    approx_lat = models.GeneratedField(
        expression=Round(F("lat"), APPROX_DIGITS), output_field=models.FloatField(),
        db_persist=True)
    approx_lng = models.GeneratedField(
        expression=Round(F("lng"), APPROX_DIGITS), output_field=models.FloatField(),
        db_persist=True)

    pricing = models.CharField(
        _("pricing"), max_length=12, choices=Pricing.choices, default=Pricing.FREE
    )
    # Money: integer minor units of `currency` (KRW has none). Never floats.
    price = models.PositiveIntegerField(_("price"), default=0,
                                        validators=[MaxValueValidator(MAX_WON)])
    deposit = models.PositiveIntegerField(_("deposit"), default=0,
                                          validators=[MaxValueValidator(MAX_WON)])
    currency = models.CharField(_("currency"), max_length=3, default="KRW",
                                validators=[validate_currency])
    # What the thing would cost new, in won, if the lender says: the city's
    # figures count what borrowing it saved, and a community's deposit rule
    # may ask a share of it.
    replacement_value = models.PositiveIntegerField(
        _("replacement value"), null=True, blank=True, validators=[MaxValueValidator(MAX_WON)],
        help_text=_("What it would cost to buy new, in won."))

    min_duration = models.DurationField(
        _("shortest booking"), default=timedelta(hours=1),
        validators=[MaxValueValidator(MAX_SPAN)])
    max_duration = models.DurationField(_("longest booking"), null=True, blank=True,
                                        validators=[MaxValueValidator(MAX_SPAN)])
    lead_time = models.DurationField(
        _("notice needed before a booking starts"), default=timedelta(0),
        validators=[MinValueValidator(timedelta(0)), MaxValueValidator(MAX_SPAN)],
    )
    request_expiry = models.DurationField(
        _("requests expire if unanswered after"), default=timedelta(hours=24),
        validators=[MinValueValidator(timedelta(minutes=1)),
                    MaxValueValidator(MAX_REQUEST_EXPIRY)],
    )
    instant_booking = models.BooleanField(_("instant booking"), default=False)
    # Paid in cash when the item is handed over (the lender confirms it at
    # pickup), even where online payment is on.
    cash_at_pickup = models.BooleanField(_("cash at pickup"), default=False)
    # Kept by the listing service with the OpeningHours rows: without hours a
    # listing is open at any time (lets search skip the hours table).
    has_opening_hours = models.BooleanField(default=False, editable=False)
    cancellation_policy = models.CharField(
        _("cancellation policy"), max_length=10, choices=CancellationPolicy.choices,
        default=CancellationPolicy.FLEXIBLE,
    )

    visibility = models.CharField(
        _("who sees it"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    communities = models.ManyToManyField(
        "community_rules.Community", blank=True, related_name="shared_listings",
        verbose_name=_("shared in communities"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # A moderation hold (services.listing_hide): hidden from a report queue,
    # the listing is not active until a moderator of `held_in` (none: the
    # city's queue) or city staff lifts the hold; its managers see why.
    held_at = models.DateTimeField(_("on hold since"), null=True, blank=True, editable=False)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )
    held_in = models.ForeignKey(
        "community_rules.Community", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="held_listings", editable=False,
    )
    held_reason = models.TextField(_("why it is on hold"), blank=True, max_length=2000,
                                   editable=False)
    # What the status was when the hold began: lifting it puts that back.
    status_before_hold = models.CharField(max_length=10, blank=True, editable=False)

    # Normalised words for search (listings/search.py writes it on every
    # save through the services; never edit by hand).
    search_tokens = models.TextField(blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility", "-created_at"]),
            models.Index(fields=["-created_at", "-id"], name="listing_newest"),
            models.Index(fields=["approx_lat", "approx_lng"], name="listing_approx_point"),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["pricing", "price"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(company__isnull=False) & models.Q(owner_community__isnull=False)),
                name="listing_lent_by_company_or_community_not_both",
            ),
            models.CheckConstraint(
                condition=models.Q(pricing="free", price=0) | ~models.Q(pricing="free"),
                name="free_listing_has_no_price",
            ),
            models.CheckConstraint(
                condition=models.Q(held_at__isnull=True) | ~models.Q(status="active"),
                name="held_listing_is_not_active",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_free(self) -> bool:
        return self.pricing == self.Pricing.FREE

    @property
    def is_held(self) -> bool:
        return self.held_at is not None


class ListingUnit(models.Model):
    """One bookable unit: five identical tents are five units."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="units")
    label = models.CharField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.listing} #{self.label or self.position + 1}"


def unguessable_name(folder: str, filename: str) -> str:
    """`folder/YYYY/MM/<32 random hex>.<ext>`: the name says nothing of whose
    photo it is and cannot be guessed from another's (issue 15). Only the
    extension of the name asked for is kept."""
    extension = PurePosixPath(filename).suffix.lower()
    if not extension[1:].isalnum():
        extension = ""
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{extension}"


def listing_photo_name(instance, filename: str) -> str:
    return unguessable_name("listings", filename)


def listing_thumbnail_name(instance, filename: str) -> str:
    return unguessable_name("listings/thumbs", filename)


class ListingPhoto(models.Model):
    """Served only through the checked view (frontend/views/media.py), never
    straight from MEDIA_ROOT: `image_url` and `thumbnail_url` are its URLs."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=listing_photo_name)
    thumbnail = models.ImageField(upload_to=listing_thumbnail_name)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"photo {self.position + 1} of {self.listing}"

    @property
    def image_url(self) -> str:
        return reverse("photo-listing", args=[self.pk, "full"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("photo-listing", args=[self.pk, "thumb"])


class OpeningHours(models.Model):
    """When a listing can be picked up, returned or used, per weekday
    (0 Monday .. 6 Sunday, Seoul time). No rows: any time."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        indexes = [models.Index(fields=["listing", "weekday"]),
                   models.Index(fields=["weekday", "opens", "closes"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_to_6"),
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")),
                                   name="opens_before_closes"),
        ]

    def __str__(self):
        return f"{self.listing}: day {self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Blackout(models.Model):
    """A period in which the listing cannot be booked: [starts_at, ends_at)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Set by the lender")
        CALENDAR = "calendar", _("From the lender's external calendar")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="blackouts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["listing", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")),
                                   name="blackout_starts_before_it_ends"),
        ]

    def __str__(self):
        return f"{self.listing} closed {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"
