import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login; there is no username."""

    email = models.EmailField(_("e-mail address"), unique=True)
    is_staff = models.BooleanField(
        _("city staff"),
        default=False,
        help_text=_("City operators: may use the admin and verify share companies."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The language the person signed in with or last chose (accounts'
    # language_remember): what they are told in when they are not looking
    # (notifications pushed by someone else's request, digest e-mails).
    language = models.CharField(_("language"), max_length=8, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    @property
    def display_name(self) -> str:
        """The name the person chose, else "Neighbour 1234" in the reader's
        language: never anything taken from the e-mail address."""
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        number = profile.neighbour_number if profile is not None else (self.pk or 0) % 10000
        return gettext("Neighbour %(number)s") % {"number": f"{number:04d}"}


def neighbour_number() -> int:
    """The four digits of a person's neutral name until they choose one."""
    return 1000 + secrets.randbelow(9000)


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    # Shown as "Neighbour 1234" (이웃 1234) while display_name is empty.
    neighbour_number = models.PositiveSmallIntegerField(default=neighbour_number, editable=False)
    bio = models.TextField(_("about you"), blank=True, max_length=2000)
    district = models.CharField(
        _("district"), max_length=60, blank=True, help_text=_("e.g. Mapo-gu")
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.display_name or str(self.user)


class ShareCompany(models.Model):
    """An organisation that shares services, spaces or items. The city's staff
    verify it (its designation as a share company); staff members manage its
    listings."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    registration_number = models.CharField(
        _("business registration number"), max_length=20, unique=True,
        help_text=_("사업자등록번호, e.g. 123-45-67890"),
    )
    description = models.TextField(_("description"), blank=True, max_length=5000)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="company-logos/", blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    staff = models.ManyToManyField(User, through="CompanyStaff", related_name="companies")

    class Meta:
        verbose_name = _("share company")
        verbose_name_plural = _("share companies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class CompanyStaff(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        STAFF = "staff", _("Staff")

    company = models.ForeignKey(ShareCompany, on_delete=models.CASCADE, related_name="staff_links")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="company_links")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="one_staff_link_per_person")
        ]

    def __str__(self):
        return f"{self.user} ({self.role}) at {self.company}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class CompanyInvitation(models.Model):
    """An admin's invitation to join a company's staff, sent to an e-mail
    address: the person joins only when, signed in with that address, they
    accept it through the link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    company = models.ForeignKey(ShareCompany, on_delete=models.CASCADE,
                                related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=CompanyStaff.Role.choices,
                            default=CompanyStaff.Role.STAFF)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "email"],
                                    condition=models.Q(status="pending"),
                                    name="one_pending_invitation_per_address"),
        ]

    def __str__(self):
        return f"{self.email} to {self.company} ({self.status})"


class DesignationField(models.TextChoices):
    """What a designated share company shares, as the city counts it."""

    SPACE = "space", _("Space")
    GOODS = "goods", _("Goods")
    MOBILITY = "mobility", _("Mobility")
    SKILLS = "skills", _("Skills and time")
    KNOWLEDGE = "knowledge", _("Knowledge and content")
    OTHER = "other", _("Other")


class DesignationApplication(models.Model):
    """A verified company asks to be designated; city staff decide, and the
    decision keeps who made it and when."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the city")
        APPROVED = "approved", _("Designated")
        REFUSED = "refused", _("Not designated")

    company = models.ForeignKey(ShareCompany, on_delete=models.CASCADE,
                                related_name="designation_applications")
    field = models.CharField(_("field"), max_length=20, choices=DesignationField.choices)
    message = models.TextField(_("what the company shares, and with whom"), max_length=2000,
                               blank=True)
    applied_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["applied_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["company"], condition=models.Q(status="pending"),
                                    name="one_pending_designation_application_per_company"),
        ]

    def __str__(self):
        return f"{self.company} asks for {self.field} ({self.status})"


class Designation(models.Model):
    """The city's designation of a share company for a period: valid from
    `starts_on` to `expires_on`, both days included, in Seoul."""

    company = models.ForeignKey(ShareCompany, on_delete=models.CASCADE,
                                related_name="designations")
    authority = models.CharField(_("issuing authority"), max_length=120)
    number = models.CharField(_("designation number"), max_length=40)
    field = models.CharField(_("field"), max_length=20, choices=DesignationField.choices)
    starts_on = models.DateField(_("valid from"))
    expires_on = models.DateField(_("valid until"))
    designated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True,
                                      related_name="+")
    designated_at = models.DateTimeField(auto_now_add=True)
    application = models.OneToOneField(DesignationApplication, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="designation")
    # When the company was told it expires within a month (once).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"],
                                    name="one_designation_per_authority_number"),
            models.CheckConstraint(condition=models.Q(expires_on__gte=models.F("starts_on")),
                                   name="designation_ends_after_it_starts"),
        ]
        indexes = [models.Index(fields=["company", "expires_on"])]

    def __str__(self):
        return f"{self.company}: {self.authority} {self.number}"

    def valid_on(self, day) -> bool:
        return self.starts_on <= day <= self.expires_on
