"""Communities and their self-government: members, rules and their
versions, proposals and votes, sanctions and the moderation log."""

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
    # Democratic governance: a proposal is adopted when at least `quorum`
    # percent of active members voted and at least `threshold` percent of
    # the yes-and-no votes are yes.
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=30)
    threshold_percent = models.PositiveSmallIntegerField(_("threshold (%)"), default=50)
    voting_days = models.PositiveSmallIntegerField(_("voting period (days)"), default=7)
    # Signed into every invite link; revoking the links raises it, so every
    # link made before stops working (community_rules/invites.py).
    invite_generation = models.PositiveIntegerField(default=0, editable=False)

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
    # A suspension or a ban is a Sanction row (policy.sanction_in_force):
    # status SUSPENDED or BANNED and `suspended_until` only mirror the one in
    # force, so the pages, counts and votes read it in the same query. They
    # are written by services.member_suspend, member_ban and member_reinstate
    # alone (and on joining again while one is in force).
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


class Rule(models.Model):
    """One of a community's usage rules: a type from the registry in
    community_rules/rule_types.py and its parameters."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="rules")
    type = models.CharField(_("rule"), max_length=40)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["community", "type"])]

    def __str__(self):
        return f"{self.community}: {self.type} {self.params}"


class RuleSetVersion(models.Model):
    """Every change of a community's rules (or governance settings) makes a
    version: what the whole rule set was afterwards, what changed, who
    changed it or which proposal did, and when it took effect."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="rule_versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField(default=list)
    change = models.JSONField(default=dict)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    proposal = models.ForeignKey("Proposal", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    effective_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="one_version_number"),
        ]

    def __str__(self):
        return f"{self.community} rules v{self.number}"


class Proposal(models.Model):
    """A member's proposal to add, change or remove a rule, or to change the
    governance settings, put to the members' vote."""

    class Action(models.TextChoices):
        ADD = "add", _("Add a rule")
        CHANGE = "change", _("Change a rule")
        REMOVE = "remove", _("Remove a rule")
        SETTINGS = "settings", _("Change the governance settings")

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="proposals")
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="proposals")
    action = models.CharField(max_length=10, choices=Action.choices)
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="proposals")
    rule_type = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, max_length=3000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closes_at = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The count when it closed: {yes, no, abstain, eligible, quorum_met, threshold_met}.
    tally = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self):
        return f"{self.community}: {self.action} {self.rule_type} ({self.status})"


class Vote(models.Model):
    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        ABSTAIN = "abstain", _("Abstain")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="votes")
    choice = models.CharField(max_length=7, choices=Choice.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="one_vote_per_member"),
        ]

    def __str__(self):
        return f"{self.voter} voted {self.choice} on {self.proposal_id}"


class Sanction(models.Model):
    """A strike, a warning, a suspension, or a ban, given by a moderator with
    a reason or automatically by a rule (given_by empty). A suspension or a
    ban is in force until `until` (none: until lifted) unless it was lifted
    earlier: these rows are what a suspension is (policy.sanction_in_force)."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        STRIKE = "strike", _("Strike")
        SUSPENSION = "suspension", _("Suspension")
        BAN = "ban", _("Ban")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="sanctions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="sanctions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField(max_length=2000)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    # The late booking a strike was given for (an id: bookings stand above
    # the rules, so no foreign key points up to them).
    booking_id = models.PositiveBigIntegerField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    # Ended before `until` by a moderator (reinstated, removed, or replaced
    # by a new suspension or a ban); lifted_by empty: by the site.
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "user", "kind", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["booking_id", "kind"],
                                    condition=models.Q(booking_id__isnull=False, kind="strike"),
                                    name="one_strike_per_late_booking"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user} in {self.community}"


class ModerationLog(models.Model):
    """Everything moderators (and the rules, automatically) did in a
    community, for its moderators to read."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="moderation_log")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=200)
    reason = models.TextField(blank=True, max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self):
        return f"{self.actor} {self.action} {self.target}"
