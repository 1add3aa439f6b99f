"""The city's designation of share companies: a verified company's admins
apply, city staff decide (or designate a company directly), every decision
keeps who made it and when, and the company is told a month before its
designation ends. Whether a designation is valid is read in
accounts/selectors.py (designation_current, designated_q)."""

import unicodedata
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    CompanyStaff,
    Designation,
    DesignationApplication,
    DesignationField,
    ShareCompany,
    User,
)
from accounts.services import require_city_staff, require_company_admin
from marketplace import events
from marketplace.dates import EARLIEST_YEAR, LATEST_YEAR
from marketplace.errors import Conflict, Forbidden, ValidationFailed

# The company is told this long before its designation ends.
REMINDER_AHEAD = timedelta(days=30)


def _require_city_staff(actor) -> None:
    require_city_staff(actor, _("Only city staff designate share companies."))


def _require_verified(company: ShareCompany) -> None:
    if company.verified_at is None:
        raise Forbidden(_("The city verifies a share company before designating it."))


def _checked_field(field: str) -> str:
    if field not in DesignationField.values:
        raise ValidationFailed(fields={"field": [_("Choose one of the fields listed.")]})
    return field


def _company_people(company: ShareCompany) -> list[int]:
    return list(CompanyStaff.objects.filter(company=company).values_list("user_id", flat=True))


def _city_staff() -> list[int]:
    return list(User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True))


def _told(company: ShareCompany, kind: str, **data) -> None:
    events.notify(_company_people(company), kind, url=f"/companies/{company.slug}/designation/",
                  data={"company_name": company.name, **data})


@transaction.atomic
def designation_apply(*, actor: User, company: ShareCompany, field: str,
                      message: str = "") -> DesignationApplication:
    """A verified company's admins ask the city to designate it in a field.
    One request waits at a time; city staff are told."""
    require_company_admin(company, actor)
    _require_verified(company)
    application = DesignationApplication(company=company, field=_checked_field(field),
                                         message=(message or "").strip()[:2000],
                                         applied_by=actor)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:  # one_pending_designation_application_per_company
        raise Conflict(_("The company's request for designation is already with the city.")) from None
    events.notify(_city_staff(), "designation_applied", url="/staff/designations/",
                  data={"company_name": company.name})
    return application


def _checked_period(starts_on, expires_on) -> tuple[date, date]:
    fields = {}
    for name, day in (("starts_on", starts_on), ("expires_on", expires_on)):
        if not isinstance(day, date):
            fields[name] = [_("Give a date.")]
        elif not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            fields[name] = [_("Give a year from %(first)d to %(last)d.") % {
                "first": EARLIEST_YEAR, "last": LATEST_YEAR}]
    if not fields and expires_on < starts_on:
        fields["expires_on"] = [_("A designation ends on or after the day it starts.")]
    if fields:
        raise ValidationFailed(fields=fields)
    return starts_on, expires_on


def _tidy(text) -> str:
    """One way to write it: Unicode composed (NFC), single spaces."""
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split())


def _checked_words(authority: str, number: str) -> tuple[str, str]:
    authority, number = _tidy(authority), _tidy(number)
    fields = {}
    if not authority:
        fields["authority"] = [_("Name the authority that designates it.")]
    elif len(authority) > 120:
        fields["authority"] = [_("At most 120 characters.")]
    if not number:
        fields["number"] = [_("Give the designation number.")]
    elif len(number) > 40:
        fields["number"] = [_("At most 40 characters.")]
    if fields:
        raise ValidationFailed(fields=fields)
    return authority, number


@transaction.atomic
def designation_create(*, actor: User, company: ShareCompany, authority: str, number: str,
                       field: str, starts_on: date, expires_on: date,
                       application: DesignationApplication | None = None) -> Designation:
    """City staff designate a verified company for a period (both days
    included): the issuing authority and its number (one designation per
    number), the field. Kept with who designated it and when; the company
    is told."""
    _require_city_staff(actor)
    _require_verified(company)
    authority, number = _checked_words(authority, number)
    starts_on, expires_on = _checked_period(starts_on, expires_on)
    designation = Designation(company=company, authority=authority, number=number,
                              field=_checked_field(field), starts_on=starts_on,
                              expires_on=expires_on, designated_by=actor,
                              application=application)
    number_taken = ValidationFailed(fields={"number": [
        _("This authority already gave this designation number.")]})
    # The same number of the same authority however its case is written;
    # the constraint catches two made at once.
    if Designation.objects.filter(authority__iexact=authority, number__iexact=number).exists():
        raise number_taken
    try:
        with transaction.atomic():
            designation.save()
    except IntegrityError:  # one_designation_per_authority_number
        raise number_taken from None
    _told(company, "designation_granted", authority=authority, number=number,
          expires_on=expires_on.isoformat())
    return designation


@transaction.atomic
def designation_decide(*, actor: User, application: DesignationApplication, approve: bool,
                       note: str = "", authority: str = "", number: str = "",
                       starts_on: date | None = None,
                       expires_on: date | None = None) -> DesignationApplication:
    """City staff decide a waiting request. Approving designates the company
    in the field it asked for, for the period given; refusing says why (a
    note is required). Who decided and when are kept; of two staff deciding
    at once, the first decides and the second is told so."""
    _require_city_staff(actor)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(fields={"note": [_("Say why, for the company to read.")]})
    now = timezone.now()
    status = (DesignationApplication.Status.APPROVED if approve
              else DesignationApplication.Status.REFUSED)
    if not DesignationApplication.objects.filter(
            pk=application.pk, status=DesignationApplication.Status.PENDING).update(
            status=status, decided_by=actor, decided_at=now, decision_note=note[:2000]):
        raise Conflict(_("This request was already decided."))
    application.status, application.decided_by = status, actor
    application.decided_at, application.decision_note = now, note[:2000]
    if approve:
        designation_create(actor=actor, company=application.company, authority=authority,
                           number=number, field=application.field, starts_on=starts_on,
                           expires_on=expires_on, application=application)
    else:
        _told(application.company, "designation_refused", reason=note)
    return application


@transaction.atomic
def designation_reminders_send(*, today: date | None = None) -> int:
    """Tell each company whose designation ends within a month, once (a
    later designation of it that takes over counts as renewed: no reminder).
    Returns how many were told."""
    today = today or timezone.localdate()
    ending = (Designation.objects.select_for_update()
              .filter(reminded_at__isnull=True, expires_on__gte=today,
                      expires_on__lte=today + REMINDER_AHEAD)
              .select_related("company"))
    told = 0
    for designation in ending:
        renewed = Designation.objects.filter(
            company=designation.company_id, starts_on__lte=designation.expires_on
            + timedelta(days=1), expires_on__gt=designation.expires_on).exists()
        Designation.objects.filter(pk=designation.pk).update(reminded_at=timezone.now())
        if not renewed:
            _told(designation.company, "designation_expiring",
                  expires_on=designation.expires_on.isoformat(), number=designation.number)
            told += 1
    return told
