"""Communities and their members. Rules, proposals, votes, sanctions and
reports join them in the community-rules issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Community(models.Model):
    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone may join")
        APPROVAL = "approval", _("Approval: moderators admit members")
        INVITE = "invite", _("Invite only")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private: only members see it")

    class Governance(models.TextChoices):
        MODERATED = "moderated", _("Moderated: moderators set the rules")
        DEMOCRATIC = "democratic", _("Democratic: members vote on the rules")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    district = models.CharField(_("district"), max_length=60, blank=True)
    join_policy = models.CharField(
        _("join policy"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    governance = models.CharField(
        _("governance"), max_length=12, choices=Governance.choices, default=Governance.MODERATED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """One person in one community. Leaving or being removed deletes the row;
    the MembershipEvent log keeps what happened."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MODERATOR = "moderator", _("Moderator")
        OWNER = "owner", _("Owner")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        BANNED = "banned", _("Banned")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_person")
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} in {self.community} ({self.role}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_moderator(self) -> bool:
        """Moderators and owners moderate; only while active."""
        return self.is_active and self.role in (self.Role.MODERATOR, self.Role.OWNER)


class MembershipEvent(models.Model):
    """The audit log of memberships: who did what to whom, when and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("created the community")
        JOINED = "joined", _("joined")
        REQUESTED = "requested", _("asked to join")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        ROLE_CHANGED = "role_changed", _("changed role")
        STATUS_CHANGED = "status_changed", _("changed status")
        LEFT = "left", _("left")
        REMOVED = "removed", _("removed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_value = models.CharField(max_length=20, blank=True)
    to_value = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self):
        return f"{self.actor} {self.action} {self.user} in {self.community}"
