"""Reads about people and share companies."""

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    CompanyInvitation,
    CompanyStaff,
    Designation,
    DesignationApplication,
    ShareCompany,
)
from marketplace.errors import NotFound


def staffed_company_ids(user) -> set[int]:
    """Share companies where `user` is staff (admin or staff)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(CompanyStaff.objects.filter(user=user).values_list("company_id", flat=True))


def is_company_staff(*, company, user, admin: bool = False) -> bool:
    if user is None or not user.is_authenticated:
        return False
    links = CompanyStaff.objects.filter(company=company, user=user)
    if admin:
        links = links.filter(role=CompanyStaff.Role.ADMIN)
    return links.exists()


def company_role(*, company, user) -> str | None:
    """The person's role on the company's staff (admin, staff), or None."""
    if user is None or not user.is_authenticated:
        return None
    return (CompanyStaff.objects.filter(company=company, user=user)
            .values_list("role", flat=True).first())


def company_list(*, verified: bool | None = None) -> QuerySet[ShareCompany]:
    """The public directory, verified companies first, then by name; each
    with `active_listings`, the count of its active public listings (what
    anyone may see). `verified` True or False keeps only those."""
    companies = ShareCompany.objects.annotate(
        active_listings=Count("listings", filter=Q(listings__status="active",
                                                   listings__visibility="public")))
    if verified is not None:
        companies = companies.filter(verified_at__isnull=not verified)
    unverified_last = Case(When(verified_at__isnull=True, then=Value(1)), default=Value(0))
    return companies.order_by(unverified_last, "name", "pk")


def company_get(*, slug: str) -> ShareCompany:
    """The company, or NotFound. Companies are public."""
    company = ShareCompany.objects.select_related("verified_by").filter(slug=slug).first()
    if company is None:
        raise NotFound(_("There is no share company at this address."))
    return company


def company_staff_list(company: ShareCompany) -> QuerySet[CompanyStaff]:
    """The company's staff with their profiles: admins first, then in the
    order they joined."""
    admins_first = Case(When(role=CompanyStaff.Role.ADMIN, then=Value(0)), default=Value(1))
    return (CompanyStaff.objects.filter(company=company)
            .select_related("user__profile")
            .order_by(admins_first, "added_at", "pk"))


def company_invitations_pending(company: ShareCompany) -> QuerySet[CompanyInvitation]:
    """The addresses the company's admins invited that have not answered
    yet, newest first (only what the admins typed: nothing about accounts)."""
    return (CompanyInvitation.objects.filter(company=company,
                                             status=CompanyInvitation.Status.PENDING)
            .order_by("-created_at", "-pk"))


# --- designations --------------------------------------------------------------


def designated(*, today=None, company_field: str = "pk") -> Exists:
    """Whether a row's company (`company_field`: the company's id) holds a
    designation valid today, in Seoul, and is still verified (a company
    whose verification is withdrawn shows no badge): to filter or annotate
    the directory, the listings and the search's `designated` filter."""
    today = today or timezone.localdate()
    return Exists(Designation.objects.filter(company_id=OuterRef(company_field),
                                             company__verified_at__isnull=False,
                                             starts_on__lte=today, expires_on__gte=today))


def designation_current(company: ShareCompany, *, today=None) -> Designation | None:
    """The designation valid today (the one ending last, if several), of a
    company still verified."""
    if not company.verified:
        return None
    today = today or timezone.localdate()
    return (Designation.objects.filter(company=company, starts_on__lte=today,
                                       expires_on__gte=today)
            .order_by("-expires_on", "-pk").first())


def current_designations(company_ids, *, today=None) -> dict[int, Designation]:
    """designation_current for many companies, in one query."""
    today = today or timezone.localdate()
    current: dict[int, Designation] = {}
    for designation in (Designation.objects.filter(company_id__in=list(company_ids),
                                                   company__verified_at__isnull=False,
                                                   starts_on__lte=today, expires_on__gte=today)
                        .order_by("expires_on", "pk")):
        current[designation.company_id] = designation  # the one ending last stays
    return current


def designation_applications(*, actor, company: ShareCompany | None = None,
                             status: str | None = None) -> QuerySet[DesignationApplication]:
    """City staff see every request; a company's staff see their company's
    own; anyone else none. Waiting ones first, then newest. Asked for one
    company, NotFound for anyone else: its requests do not exist for them."""
    if actor is None or not actor.is_authenticated:
        if company is not None:
            raise NotFound()
        return DesignationApplication.objects.none()
    applications = DesignationApplication.objects.select_related("company",
                                                                 "decided_by__profile")
    if not actor.is_staff:
        staffed = staffed_company_ids(actor)
        if company is not None and company.pk not in staffed:
            raise NotFound()
        applications = applications.filter(company_id__in=staffed)
    if company is not None:
        applications = applications.filter(company=company)
    if status:
        applications = applications.filter(status=status)
    waiting_first = Case(When(status=DesignationApplication.Status.PENDING, then=Value(0)),
                         default=Value(1))
    return applications.order_by(waiting_first, "-applied_at", "-pk")


def designation_application_get(*, actor, application_id: int) -> DesignationApplication:
    """The request, for city staff and the company's own staff; NotFound for
    anyone else."""
    application = designation_applications(actor=actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application
