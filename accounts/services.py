"""Writes for people, their profiles, and share companies."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import CompanyStaff, Profile, ShareCompany, User
from accounts.registration import normalize_registration_number
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed


def _default_display_name(email: str) -> str:
    return email.split("@")[0][:60]


def profile_ensure(*, user: User) -> Profile:
    """Every person has a profile; sign-up paths call this once."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"display_name": _default_display_name(user.email)}
    )
    return profile


@transaction.atomic
def user_create(
    *, email: str, password: str | None, display_name: str = "", **extra
) -> User:
    """Create a person with a profile (demo data, admin scripts, tests)."""
    user = User.objects.create_user(email=email, password=password, **extra)
    Profile.objects.create(
        user=user, display_name=display_name or _default_display_name(user.email)
    )
    return user


PROFILE_FIELDS = ("display_name", "bio", "district", "avatar")


@transaction.atomic
def profile_update(*, actor: User, **changes) -> Profile:
    """A person changes their own profile; only the known fields change."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: ["Unknown field."] for name in sorted(unknown)})
    profile = profile_ensure(user=actor)
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


# --- share companies ---------------------------------------------------------

def _company_slug(name: str) -> str:
    base = slugify(name)[:60] or f"company-{secrets.token_hex(3)}"
    slug, n = base, 2
    while ShareCompany.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _require_company_admin(company: ShareCompany, user) -> None:
    if not CompanyStaff.objects.filter(company=company, user=user,
                                       role=CompanyStaff.Role.ADMIN).exists():
        raise Forbidden(_("Only the company's admins can do that."))


@transaction.atomic
def company_create(*, actor: User, name: str, registration_number: str,
                   description: str = "", website: str = "", logo=None) -> ShareCompany:
    """Register a share company with a valid business registration number;
    the person who registers it becomes its admin. The city verifies it."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the company's name.")]
    number = normalize_registration_number(registration_number)
    if number is None:
        errors["registration_number"] = [
            _("This is not a valid business registration number (10 digits, e.g. "
              "123-45-67890).")]
    elif ShareCompany.objects.filter(registration_number=number).exists():
        errors["registration_number"] = [_("A company with this number is already "
                                           "registered.")]
    if errors:
        raise ValidationFailed(fields=errors)
    company = ShareCompany(name=name.strip(), slug=_company_slug(name),
                           registration_number=number, description=description,
                           website=website, created_by=actor)
    if logo:
        company.logo = logo
    company.full_clean(exclude=["logo"])
    company.save()
    CompanyStaff.objects.create(company=company, user=actor, role=CompanyStaff.Role.ADMIN)
    return company


@transaction.atomic
def company_update(*, actor: User, company: ShareCompany, **changes) -> ShareCompany:
    _require_company_admin(company, actor)
    allowed = {"name", "description", "website", "logo"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(fields={n: [_("This cannot be changed here.")]
                                       for n in sorted(unknown)})
    for name, value in changes.items():
        setattr(company, name, value)
    company.full_clean(exclude=["logo"])
    company.save()
    return company


@transaction.atomic
def company_verify(*, actor: User, company: ShareCompany, verified: bool = True) -> ShareCompany:
    """City staff designate (or withdraw) a verified share company; who and
    when is kept."""
    if not actor.is_staff:
        raise Forbidden(_("Only city staff verify share companies."))
    company.verified_at = timezone.now() if verified else None
    company.verified_by = actor if verified else None
    company.save(update_fields=["verified_at", "verified_by"])
    return company


@transaction.atomic
def company_staff_add(*, actor: User, company: ShareCompany, email: str,
                      role: str = "staff") -> CompanyStaff:
    _require_company_admin(company, actor)
    person = User.objects.filter(email__iexact=(email or "").strip()).first()
    if person is None:
        raise ValidationFailed(fields={"email": [_("Nobody with this e-mail address uses "
                                                   "Nanum yet.")]})
    if role not in CompanyStaff.Role.values:
        raise ValidationFailed(fields={"role": [_("Choose admin or staff.")]})
    link, created = CompanyStaff.objects.get_or_create(company=company, user=person,
                                                      defaults={"role": role})
    if not created and link.role != role:
        link.role = role
        link.save(update_fields=["role"])
    return link


@transaction.atomic
def company_staff_remove(*, actor: User, company: ShareCompany, user: User) -> None:
    _require_company_admin(company, actor)
    link = CompanyStaff.objects.filter(company=company, user=user).first()
    if link is None:
        raise NotFound()
    if link.role == CompanyStaff.Role.ADMIN and not CompanyStaff.objects.filter(
            company=company, role=CompanyStaff.Role.ADMIN).exclude(pk=link.pk).exists():
        raise Conflict(_("A company needs an admin: make someone else admin first."))
    link.delete()
