"""Share companies over /api/v1/companies/ (shared/API.md): the directory,
registration, editing, verification by city staff, staff."""

import pytest

from accounts.models import CompanyStaff
from accounts.services import company_create, company_verify
from tests.accounts.staff import staff_add
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

HUB = "220-81-62517"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # where a test reads the sentence
NUMBERS = ["105-87-30120", "214-86-18587", "123-45-67891", "101-81-00001", "314-15-92650"]


@pytest.fixture
def hub(owner):
    return company_create(actor=owner, name="Seoul Share Hub", registration_number=HUB)


def test_registering_answers_201_with_the_company(api_as, owner):
    response = api_as(owner).post("/api/v1/companies/", {
        "name": "Green Wheels", "registration_number": "1058730120",
        "description": "E-bikes", "website": "https://greenwheels.example"})
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "green-wheels"
    assert body["registration_number"] == "105-87-30120"
    assert body["verified"] is False and body["verified_at"] is None
    assert body["listing_count"] == 0
    assert CompanyStaff.objects.get(company__slug="green-wheels").user == owner


def test_anonymous_registration_is_401(api):
    response = api.post("/api/v1/companies/", {"name": "Hub", "registration_number": HUB})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_wrong_number_is_400_with_the_field(api_as, owner, hub):
    wrong = api_as(owner).post("/api/v1/companies/", {
        "name": "X", "registration_number": "220-81-62518"}, **EN)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "validation_failed"
    assert "check digit" in wrong.json()["fields"]["registration_number"][0]
    taken = api_as(owner).post("/api/v1/companies/", {
        "name": "Copy", "registration_number": "2208162517"}, **EN)
    assert taken.status_code == 400
    assert "already registered" in taken.json()["detail"]
    missing = api_as(owner).post("/api/v1/companies/", {"name": "No number"})
    assert missing.status_code == 400 and "registration_number" in missing.json()["fields"]


def test_the_directory_is_public_paginated_and_verified_first(api, owner, staff):
    for n, number in enumerate(NUMBERS):
        company_create(actor=owner, name=f"Company {n}", registration_number=number)
    company_verify(actor=staff, company=company_create(actor=owner, name="Zulu Verified",
                                                       registration_number=HUB))
    response = api.get("/api/v1/companies/?page_size=2")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 6
    assert [c["name"] for c in body["results"]] == ["Zulu Verified", "Company 0"]
    assert body["results"][0]["verified"] is True and body["results"][0]["verified_at"]
    assert body["next"] and body["previous"] is None
    verified = api.get("/api/v1/companies/?verified=true").json()
    assert [c["slug"] for c in verified["results"]] == ["zulu-verified"]
    unverified = api.get("/api/v1/companies/?verified=false").json()
    assert unverified["count"] == 5


def test_the_listing_count_is_what_everyone_sees(api, owner, hub):
    make_listing(owner, company=hub, title="Room")
    make_listing(owner, company=hub, title="Paused", status="paused")
    listed = api.get("/api/v1/companies/").json()["results"][0]
    detail = api.get(f"/api/v1/companies/{hub.slug}/").json()
    assert listed["listing_count"] == detail["listing_count"] == 1


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_directory_has_a_fixed_query_count(api, api_as, owner, staff, signed_in,
                                               django_assert_max_num_queries):
    for n, number in enumerate(NUMBERS):
        company = company_create(actor=owner, name=f"Company {n}", registration_number=number)
        make_listing(owner, company=company, title=f"Room {n}")
        if n % 2:
            company_verify(actor=staff, company=company)
    client = api_as(owner) if signed_in else api
    # count + page + the page's designations; signed in, the session and the
    # user as well
    limit = 5 if signed_in else 3
    for size in (1, 5):
        with django_assert_max_num_queries(limit):
            response = client.get(f"/api/v1/companies/?page_size={size}")
        assert len(response.json()["results"]) == size


def test_a_company_is_public_and_an_unknown_one_404(api, hub):
    response = api.get(f"/api/v1/companies/{hub.slug}/")
    assert response.status_code == 200 and response.json()["name"] == "Seoul Share Hub"
    missing = api.get("/api/v1/companies/nowhere/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_admins_patch_the_company_and_others_are_refused(api, api_as, owner, member, hub):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    changed = api_as(owner).patch(f"/api/v1/companies/{hub.slug}/", {
        "description": "Rooms and tools", "website": "https://hub.example"})
    assert changed.status_code == 200
    assert changed.json()["description"] == "Rooms and tools"
    assert changed.json()["name"] == "Seoul Share Hub"
    refused = api_as(member).patch(f"/api/v1/companies/{hub.slug}/", {"name": "Mine"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert api.patch(f"/api/v1/companies/{hub.slug}/", {"name": "Mine"}).status_code == 401
    bad = api_as(owner).patch(f"/api/v1/companies/{hub.slug}/", {"website": "nope"})
    assert bad.status_code == 400 and "website" in bad.json()["fields"]


def test_only_city_staff_verify_401_for_anonymous_403_for_others(api, api_as, owner, staff,
                                                                 hub):
    anonymous = api.post(f"/api/v1/companies/{hub.slug}/verify/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    refused = api_as(owner).post(f"/api/v1/companies/{hub.slug}/verify/", **EN)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "Only city staff" in refused.json()["detail"]
    verified = api_as(staff).post(f"/api/v1/companies/{hub.slug}/verify/")
    assert verified.status_code == 200
    assert verified.json()["verified"] is True and verified.json()["verified_at"]
    hub.refresh_from_db()
    assert hub.verified_by == staff

    assert api_as(owner).post(f"/api/v1/companies/{hub.slug}/unverify/").status_code == 403
    withdrawn = api_as(staff).post(f"/api/v1/companies/{hub.slug}/unverify/")
    assert withdrawn.status_code == 200 and withdrawn.json()["verified"] is False
    assert api_as(staff).post("/api/v1/companies/nowhere/verify/").status_code == 404


def test_the_companys_staff_see_the_staff_list(api, api_as, owner, member, outsider, hub):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    listed = api_as(member).get(f"/api/v1/companies/{hub.slug}/staff/")
    assert listed.status_code == 200
    assert [(s["user"], s["role"]) for s in listed.json()] == [
        (owner.pk, "admin"), (member.pk, "staff")]
    assert listed.json()[0]["display_name"] == "Owner Kim"
    assert api_as(outsider).get(f"/api/v1/companies/{hub.slug}/staff/").status_code == 403
    assert api.get(f"/api/v1/companies/{hub.slug}/staff/").status_code == 401


def test_admins_add_and_remove_staff(api_as, owner, member, outsider, hub):
    # Changed with issue 15: adding is an invitation (202) the person accepts.
    added = api_as(owner).post(f"/api/v1/companies/{hub.slug}/staff/",
                               {"email": member.email, "role": "staff"})
    assert added.status_code == 202
    token = hub.invitations.get(email=member.email).token
    accepted = api_as(member).post(f"/api/v1/company-invitations/{token}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["user"] == member.pk and accepted.json()["role"] == "staff"
    refused = api_as(member).post(f"/api/v1/companies/{hub.slug}/staff/",
                                  {"email": outsider.email})
    assert refused.status_code == 403
    not_an_address = api_as(owner).post(f"/api/v1/companies/{hub.slug}/staff/",
                                        {"email": "nobody"})
    assert not_an_address.status_code == 400 and "email" in not_an_address.json()["fields"]
    bad_role = api_as(owner).post(f"/api/v1/companies/{hub.slug}/staff/",
                                  {"email": outsider.email, "role": "boss"})
    assert bad_role.status_code == 400 and "role" in bad_role.json()["fields"]

    assert api_as(member).delete(
        f"/api/v1/companies/{hub.slug}/staff/{owner.pk}/").status_code == 403
    removed = api_as(owner).delete(f"/api/v1/companies/{hub.slug}/staff/{member.pk}/")
    assert removed.status_code == 204
    assert not CompanyStaff.objects.filter(company=hub, user=member).exists()
    gone = api_as(owner).delete(f"/api/v1/companies/{hub.slug}/staff/{member.pk}/")
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"
    assert api_as(owner).delete(
        f"/api/v1/companies/{hub.slug}/staff/999999/").status_code == 404


def test_the_last_admin_cannot_be_removed(api_as, owner, hub):
    response = api_as(owner).delete(f"/api/v1/companies/{hub.slug}/staff/{owner.pk}/", **EN)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "make someone else admin first" in response.json()["detail"]


def test_the_schema_documents_the_company_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/companies/", "get"), ("/api/v1/companies/", "post"),
        ("/api/v1/companies/{slug}/", "get"), ("/api/v1/companies/{slug}/", "patch"),
        ("/api/v1/companies/{slug}/verify/", "post"),
        ("/api/v1/companies/{slug}/unverify/", "post"),
        ("/api/v1/companies/{slug}/staff/", "get"), ("/api/v1/companies/{slug}/staff/", "post"),
        ("/api/v1/companies/{slug}/staff/{user_id}/", "delete"),
    ]:
        assert method in paths[path], (path, method)
    body = paths["/api/v1/companies/"]["post"]["requestBody"]["content"]
    schema_ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][schema_ref]["properties"]
    assert {"name", "registration_number", "description", "website"} <= set(fields)
    listed = paths["/api/v1/companies/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"page", "page_size", "verified"}
