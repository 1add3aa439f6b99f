"""Reads about people and share companies."""

from accounts.models import CompanyStaff


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


def company_list(*, verified: bool | None = None):
    """The public directory: verified companies first."""
    from django.db.models import Count, F, Q

    from accounts.models import ShareCompany

    companies = ShareCompany.objects.annotate(
        active_listings=Count("listings", filter=Q(listings__status="active",
                                                   listings__visibility="public")))
    if verified is not None:
        companies = companies.filter(verified_at__isnull=not verified)
    return companies.order_by(F("verified_at").desc(nulls_last=True), "name")


def company_get(*, slug: str):
    from accounts.models import ShareCompany
    from marketplace.errors import NotFound

    company = ShareCompany.objects.select_related("verified_by").filter(slug=slug).first()
    if company is None:
        raise NotFound()
    return company
