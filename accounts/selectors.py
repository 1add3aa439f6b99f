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
