"""Reads about people and share companies."""

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from accounts.models import CompanyInvitation, CompanyStaff, ShareCompany
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
