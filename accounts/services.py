"""Writes for people, their profiles, and share companies."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import CompanyInvitation, CompanyStaff, Profile, ShareCompany, User
from accounts.registration import normalize_registration_number
from marketplace import events
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.images import process_photo


def profile_ensure(*, user: User, display_name: str = "") -> Profile:
    """Every person has a profile; sign-up paths call this once. Without a
    chosen name the person shows as "Neighbour 1234" (User.display_name),
    never as their e-mail's local part."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"display_name": (display_name or "").strip()[:60]}
    )
    return profile


@transaction.atomic
def user_create(
    *, email: str, password: str | None, display_name: str = "", **extra
) -> User:
    """Create a person with a profile (demo data, admin scripts, tests)."""
    user = User.objects.create_user(email=email, password=password, **extra)
    Profile.objects.create(user=user, display_name=(display_name or "").strip()[:60])
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

# Paths under /companies/ that a company's slug must not take.
RESERVED_SLUGS = frozenset({"new", "invitations"})
COMPANY_FIELDS = ("name", "description", "website", "logo")


def _require_person(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Log in first."))


def require_city_staff(actor, refusal=None) -> None:
    """City staff only; `refusal` says what only they do (verifying, by default)."""
    if actor is None or not actor.is_authenticated or not actor.is_staff:
        raise Forbidden(refusal or _("Only city staff verify share companies."))


def require_company_admin(company: ShareCompany, actor) -> None:
    _require_person(actor)
    if not CompanyStaff.objects.filter(company=company, user=actor,
                                       role=CompanyStaff.Role.ADMIN).exists():
        raise Forbidden(_("Only the company's admins can do that."))


def _lock(company: ShareCompany) -> None:
    """Serialise staff changes of one company (on SQLite the IMMEDIATE
    transaction already does), so two admins cannot remove each other."""
    ShareCompany.objects.select_for_update().filter(pk=company.pk).first()


def _company_slug(name: str) -> str:
    # slugify keeps ASCII only: a Korean-only name gives "", so it gets a
    # random one rather than a transliteration.
    base = slugify(name)[:60].strip("-") or f"company-{secrets.token_hex(3)}"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or ShareCompany.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _full_clean(company: ShareCompany) -> None:
    """The model's own checks (lengths, the website's URL) as a refusal that
    names the fields; the logo is checked by _checked_logo."""
    try:
        company.full_clean(exclude=["logo", "slug", "registration_number"],
                           validate_unique=False)
    except DjangoValidationError as error:
        raise ValidationFailed(fields={
            field: [str(message) for message in messages]
            for field, messages in error.message_dict.items()}) from None


def _checked_logo(logo) -> ContentFile:
    """The logo decoded and re-encoded like a listing photo: a real JPEG, PNG
    or WebP image of at most 10 MB, without its metadata."""
    try:
        processed = process_photo(logo)
    except ValidationFailed as refusal:
        raise ValidationFailed(fields={"logo": refusal.extra["fields"]["image"]}) from None
    processed.image.name = f"logo.{processed.extension}"
    return processed.image


def _already_registered() -> ValidationFailed:
    return ValidationFailed(fields={"registration_number": [
        _("A company with this business registration number is already registered.")]})


@transaction.atomic
def company_create(*, actor: User, name: str, registration_number: str,
                   description: str = "", website: str = "", logo=None) -> ShareCompany:
    """Anyone signed in registers a share company under a valid Korean
    business registration number (ten digits whose last is the official check
    digit; stored as 123-45-67890), which no other company has. The person
    who registers it becomes its admin. It starts unverified: only the
    city's staff verify it."""
    _require_person(actor)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the company's name.")]
    number = normalize_registration_number(registration_number)
    if number is None:
        errors["registration_number"] = [_(
            "This is not a valid business registration number: ten digits such as "
            "123-45-67891, the last being the check digit.")]
    elif ShareCompany.objects.filter(registration_number=number).exists():
        errors.update(_already_registered().extra["fields"])
    if errors:
        raise ValidationFailed(fields=errors)
    company = ShareCompany(name=name, slug=_company_slug(name), registration_number=number,
                           description=(description or "").strip(),
                           website=(website or "").strip(), created_by=actor)
    _full_clean(company)
    if logo:
        company.logo = _checked_logo(logo)
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Lost a race: the same number registered, or the slug taken, meanwhile.
        if ShareCompany.objects.filter(registration_number=number).exists():
            raise _already_registered() from None
        company.slug = f"{company.slug[:70]}-{secrets.token_hex(3)}"
        company.save()
    CompanyStaff.objects.create(company=company, user=actor, role=CompanyStaff.Role.ADMIN)
    return company


@transaction.atomic
def company_update(*, actor: User, company: ShareCompany, **changes) -> ShareCompany:
    """The company's admins change its name, description, website or logo
    (`logo=None` removes it). The slug, the registration number and the
    verification stay as they are."""
    require_company_admin(company, actor)
    unknown = sorted(set(changes) - set(COMPANY_FIELDS))
    if unknown:
        raise ValidationFailed(fields={name: [_("This cannot be changed here.")]
                                       for name in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationFailed(fields={"name": [_("Give the company's name.")]})
    for field in ("description", "website"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    old_logo = company.logo.name if company.logo else ""
    if "logo" in changes:
        logo = changes.pop("logo")
        company.logo = _checked_logo(logo) if logo else None
    for field, value in changes.items():
        setattr(company, field, value)
    _full_clean(company)
    company.save()
    new_logo = company.logo.name if company.logo else ""
    if old_logo and old_logo != new_logo:
        storage = company.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return company


@transaction.atomic
def company_verify(*, actor: User, company: ShareCompany) -> ShareCompany:
    """Only city staff verify a share company (the city's designation); who
    verified it and when are kept. Verifying it again keeps the first date."""
    require_city_staff(actor)
    now = timezone.now()
    # Conditional: of two staff clicking at once, the first one's date stays.
    if ShareCompany.objects.filter(pk=company.pk, verified_at__isnull=True).update(
            verified_at=now, verified_by=actor):
        company.verified_at, company.verified_by = now, actor
    else:
        company.refresh_from_db(fields=["verified_at", "verified_by"])
    return company


@transaction.atomic
def company_unverify(*, actor: User, company: ShareCompany) -> ShareCompany:
    """Only city staff withdraw a share company's verification."""
    require_city_staff(actor)
    ShareCompany.objects.filter(pk=company.pk).update(verified_at=None, verified_by=None)
    company.verified_at, company.verified_by = None, None
    return company


def _last_admin(company: ShareCompany, link: CompanyStaff) -> bool:
    return link.role == CompanyStaff.Role.ADMIN and not CompanyStaff.objects.filter(
        company=company, role=CompanyStaff.Role.ADMIN).exclude(pk=link.pk).exists()


INVITATION_DAYS = 14


def invitation_sent_message(email: str) -> str:
    """The one answer to an invitation, whatever the address."""
    return _("An invitation is on its way to %(email)s, unless that address is already on "
             "the staff. The person joins the staff once they accept it.") % {"email": email}


def _checked_role(role: str) -> str:
    if role not in CompanyStaff.Role.values:
        raise ValidationFailed(fields={"role": [_("Choose admin or staff.")]})
    return role


def _send_invitation(invitation: CompanyInvitation, *, site_url: str) -> None:
    link = site_url.rstrip("/") + reverse("company-invitation", args=[invitation.token])
    subject = _("[Nanum] An invitation to the staff of %(company)s") % {
        "company": invitation.company.name}
    body = _("%(person)s invites you to the staff of %(company)s on Nanum, as %(role)s.\n\n"
             "Sign in (or sign up) with this e-mail address, then accept or decline here:\n"
             "%(link)s\n\nThe invitation works until %(until)s. If you did not expect it, "
             "ignore this e-mail.") % {
        "person": invitation.invited_by.display_name, "company": invitation.company.name,
        "role": invitation.get_role_display(), "link": link,
        "until": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")}
    recipient = invitation.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


@transaction.atomic
def company_staff_invite(*, actor: User, company: ShareCompany, email: str,
                         role: str = CompanyStaff.Role.STAFF, site_url: str) -> None:
    """The company's admins invite someone to the staff by e-mail address.
    An e-mail with a link goes to the address; the person joins only when
    they accept it, signed in with that address. The answer is the same
    whether or not the address has a Nanum account (nothing is returned);
    inviting an address again refreshes its invitation and sends it again,
    and an address already on the staff is left as it is (roles change
    through company_staff_role_set)."""
    require_company_admin(company, actor)
    _checked_role(role)
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationFailed(fields={"email": [_("Enter a valid e-mail address.")]}) from None
    _lock(company)
    if CompanyStaff.objects.filter(company=company, user__email__iexact=address).exists():
        return
    invitation = CompanyInvitation.objects.filter(
        company=company, email=address, status=CompanyInvitation.Status.PENDING).first()
    if invitation is None:
        invitation = CompanyInvitation(company=company, email=address)
    invitation.role, invitation.invited_by = role, actor
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save()
    _send_invitation(invitation, site_url=site_url)


def _pending_invitation_of(*, actor, token: str, lock: bool = False) -> CompanyInvitation:
    """The pending invitation behind a link, for the person it was sent to."""
    _require_person(actor)
    invitations = CompanyInvitation.objects.select_related("company")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token=token or "").first()
    if invitation is None:
        raise NotFound(_("This invitation does not exist: check that the link was copied "
                         "whole."))
    if invitation.email.lower() != actor.email.lower():
        raise Forbidden(_("This invitation was sent to another e-mail address: sign in "
                          "with the address it was sent to."))
    if invitation.status != CompanyInvitation.Status.PENDING:
        raise Conflict(_("This invitation has already been answered."))
    if invitation.expires_at <= timezone.now():
        raise Conflict(_("This invitation has expired: ask the company's admins for a new "
                         "one."))
    return invitation


def company_invitation_get(*, actor, token: str) -> CompanyInvitation:
    """The invitation a link names, if it is waiting for `actor`'s answer."""
    return _pending_invitation_of(actor=actor, token=token)


@transaction.atomic
def company_invitation_accept(*, actor: User, token: str) -> CompanyStaff:
    """The invited person, signed in with the invited address, joins the
    staff with the role the invitation names."""
    invitation = _pending_invitation_of(actor=actor, token=token, lock=True)
    _lock(invitation.company)
    link, _created = CompanyStaff.objects.get_or_create(
        company=invitation.company, user=actor, defaults={"role": invitation.role})
    invitation.status = CompanyInvitation.Status.ACCEPTED
    invitation.answered_by, invitation.answered_at = actor, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])
    return link


@transaction.atomic
def company_invitation_decline(*, actor: User, token: str) -> None:
    """The invited person says no; they do not join the staff."""
    invitation = _pending_invitation_of(actor=actor, token=token, lock=True)
    invitation.status = CompanyInvitation.Status.DECLINED
    invitation.answered_by, invitation.answered_at = actor, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])


@transaction.atomic
def company_staff_role_set(*, actor: User, company: ShareCompany, user: User,
                           role: str) -> CompanyStaff:
    """The company's admins make someone on the staff admin or plain staff.
    The last admin cannot become plain staff."""
    require_company_admin(company, actor)
    _checked_role(role)
    _lock(company)
    link = CompanyStaff.objects.filter(company=company, user=user).first()
    if link is None:
        raise NotFound(_("This person is not on the company's staff."))
    if link.role != role:
        if _last_admin(company, link):
            raise Conflict(_("A company needs an admin: make someone else admin first."))
        link.role = role
        link.save(update_fields=["role"])
    return link


@transaction.atomic
def company_staff_remove(*, actor: User, company: ShareCompany, user: User) -> None:
    """The company's admins remove someone from its staff; the last admin
    cannot be removed."""
    require_company_admin(company, actor)
    _lock(company)
    link = CompanyStaff.objects.filter(company=company, user=user).first()
    if link is None:
        raise NotFound(_("This person is not on the company's staff."))
    if _last_admin(company, link):
        raise Conflict(_("A company needs an admin: make someone else admin first."))
    link.delete()
    # Their open conversation sockets about the company's listings close.
    events.access_changed_on_commit(user.pk)


def language_remember(*, user: User, language: str) -> None:
    """The language a person signs in with or picks: what they are told in
    while away. One write, only when it changed."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language in codes and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
