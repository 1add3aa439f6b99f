from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
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
        profile = getattr(self, "profile", None)
        return (profile and profile.display_name) or self.email.split("@")[0]


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
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
