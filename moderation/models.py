"""The consumer-protection desk: reports of listings, people and messages,
and tiered complaints about bookings. It sits above everything it is about
and acts on those things only through their apps' services.

The tables were made by community_rules (its migration 0003) and keep
their names."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """Anyone reports a listing, a person or a message; the community's
    moderators (and city staff for public listings) work the queue."""

    class TargetType(models.TextChoices):
        LISTING = "listing", _("Listing")
        USER = "user", _("Person")
        MESSAGE = "message", _("Message")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ACTIONED = "actioned", _("Acted on")

    class Outcome(models.TextChoices):
        DISMISS = "dismiss", _("Dismissed")
        HIDE_LISTING = "hide_listing", _("Listing hidden")
        WARN = "warn", _("Warned")
        SUSPEND = "suspend", _("Suspended")
        BAN = "ban", _("Banned")

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, related_name="reports_made")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    # The community whose moderators handle it; none: city staff do.
    community = models.ForeignKey("community_rules.Community", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="reports")
    reason = models.TextField(max_length=3000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "community_rules_report"
        indexes = [models.Index(fields=["community", "status"],
                                name="community_r_communi_65dd3b_idx")]

    def __str__(self):
        return f"report of {self.target_type} {self.target_id} ({self.status})"


class Complaint(models.Model):
    """A complaint about a booking, in tiers (consumer protection): first to
    the other party, then (unresolved in 3 days) to the community's
    moderators, then to city staff. Each step has a deadline and an outcome."""

    class Tier(models.TextChoices):
        PARTY = "party", _("The other party")
        MODERATORS = "moderators", _("The community's moderators")
        STAFF = "staff", _("City staff")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE,
                                related_name="complaints")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="complaints_raised")
    text = models.TextField(max_length=5000)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.PARTY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField()
    outcome = models.TextField(blank=True, max_length=3000)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "community_rules_complaint"
        indexes = [models.Index(fields=["status", "deadline"],
                                name="community_r_status_22167b_idx")]

    def __str__(self):
        return f"complaint on booking {self.booking_id} ({self.tier}, {self.status})"


class ComplaintStep(models.Model):
    """The complaint's history: raised, escalated, answered, resolved."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    tier = models.CharField(max_length=10, choices=Complaint.Tier.choices)
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    text = models.TextField(blank=True, max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "community_rules_complaintstep"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.action} at {self.tier}"
