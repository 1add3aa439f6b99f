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
