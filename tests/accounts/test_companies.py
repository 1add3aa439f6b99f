"""Share companies: registration numbers, city verification, staff."""

import pytest

from accounts.models import CompanyStaff
from accounts.registration import normalize_registration_number
from accounts.services import (
    company_create,
    company_staff_remove,
    company_verify,
)
from marketplace.errors import Conflict, Forbidden, ValidationFailed
from tests.accounts.staff import staff_add

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number,expected", [
    ("220-81-62517", "220-81-62517"), ("2208162517", "220-81-62517"),
    ("220 81 62517", "220-81-62517"), ("220-81-62518", None), ("12345", None),
    ("abc-de-fghij", None),
])
def test_business_registration_numbers_use_the_check_digit(number, expected):
    assert normalize_registration_number(number) == expected


def test_registering_makes_the_person_admin_and_is_unverified(owner):
    company = company_create(actor=owner, name="Seoul Share Hub",
                             registration_number="2208162517")
    assert company.slug == "seoul-share-hub" and not company.verified
    assert company.registration_number == "220-81-62517"
    assert CompanyStaff.objects.get(company=company).role == "admin"
    with pytest.raises(ValidationFailed, match="already registered") as refused:
        company_create(actor=owner, name="Copy", registration_number="220-81-62517")
    assert "registration_number" in refused.value.extra["fields"]


def test_only_city_staff_verify(owner, staff):
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    with pytest.raises(Forbidden):
        company_verify(actor=owner, company=company)
    company_verify(actor=staff, company=company)
    company.refresh_from_db()
    assert company.verified and company.verified_by == staff


def test_admins_manage_staff_and_keep_one_admin(owner, member):
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=company, email=member.email)
    with pytest.raises(Forbidden):
        staff_add(actor=member, company=company, email="x@example.org")
    with pytest.raises(Conflict):
        company_staff_remove(actor=owner, company=company, user=owner)
    company_staff_remove(actor=owner, company=company, user=member)
    assert list(company.staff.all()) == [owner]


def test_companies_api_and_directory(api, api_as, owner, staff, client):
    created = api_as(owner).post("/api/v1/companies/", {
        "name": "Green Wheels", "registration_number": "105-87-30120",
        "description": "E-bikes", "website": "https://greenwheels.example"})
    assert created.status_code == 201 and created.json()["verified"] is False
    refused = api_as(owner).post("/api/v1/companies/green-wheels/verify/")
    assert refused.status_code == 403
    verified = api_as(staff).post("/api/v1/companies/green-wheels/verify/")
    assert verified.json()["verified"] is True
    bad = api_as(owner).post("/api/v1/companies/", {"name": "X",
                                                    "registration_number": "111"},
                             HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "registration_number" in bad.json()["fields"]
    directory = client.get("/companies/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Green Wheels" in directory and "Verified by the city" in directory


def test_companies_list_has_a_fixed_query_count(api, owner, django_assert_max_num_queries):
    numbers = ["220-81-62517", "105-87-30120", "214-86-18587"]
    for n, number in enumerate(numbers):
        company_create(actor=owner, name=f"Company {n}", registration_number=number)
    for size in (1, 3):  # count, page, the page's designations
        with django_assert_max_num_queries(3):
            response = api.get(f"/api/v1/companies/?page_size={size}")
        assert len(response.json()["results"]) == size
