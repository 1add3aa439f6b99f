"""Share company pages: the directory, registering, a company's page with
its listings, editing and staff for its admins, verification by city staff."""

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import CompanyStaff, ShareCompany
from accounts.services import company_create, company_verify
from community_rules.models import Community, Membership
from tests.accounts.staff import staff_add
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HUB = "220-81-62517"
NUMBERS = ["105-87-30120", "214-86-18587", "123-45-67891", "101-81-00001", "314-15-92650"]


@pytest.fixture
def hub(owner):
    return company_create(actor=owner, name="Seoul Share Hub", registration_number=HUB,
                          description="Rooms and tools for everyone")


def page(client, path) -> str:
    response = client.get(path, **EN)
    assert response.status_code == 200
    return response.content.decode()


def shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- the directory -----------------------------------------------------------

def test_the_directory_marks_verified_companies_and_lists_them_first(client, owner, staff,
                                                                     hub):
    company_create(actor=owner, name="Alpha Bikes", registration_number=NUMBERS[0])
    company_verify(actor=staff, company=hub)
    html = page(client, "/companies/")
    assert html.index("Seoul Share Hub") < html.index("Alpha Bikes")
    assert html.count('data-testid="company-verified"') == 1
    assert "Verified by the city" in html and "Not verified yet" in html
    verified_only = page(client, "/companies/?verified=1")
    assert "Seoul Share Hub" in verified_only and "Alpha Bikes" not in verified_only


def test_the_directory_has_a_fixed_query_count(client, owner, staff,
                                               django_assert_max_num_queries):
    def add(n):
        company = company_create(actor=owner, name=f"Company {n}",
                                 registration_number=NUMBERS[n])
        make_listing(owner, company=company, title=f"Room {n}")
        if n % 2:
            company_verify(actor=staff, company=company)

    add(0)
    with django_assert_max_num_queries(2):  # count and page
        assert "Company 0" in page(client, "/companies/")
    for n in range(1, 5):
        add(n)
    with django_assert_max_num_queries(2):
        assert page(client, "/companies/").count('data-testid="company-card"') == 5


def test_only_people_signed_in_see_the_register_button(client, owner):
    assert "/companies/new/" not in page(client, "/companies/")
    client.force_login(owner)
    assert "/companies/new/" in page(client, "/companies/")


# --- registering -------------------------------------------------------------

def test_registering_needs_a_login(client):
    response = client.get("/companies/new/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_registering_makes_you_admin_and_shows_the_company(client, owner):
    client.force_login(owner)
    assert "csrfmiddlewaretoken" in page(client, "/companies/new/")
    response = client.post("/companies/new/", {
        "name": "Green Wheels", "registration_number": "1058730120",
        "description": "E-bikes", "website": "https://greenwheels.example"}, **EN)
    assert response.status_code == 302 and response.url == "/companies/green-wheels/"
    html = page(client, response.url)
    assert "Green Wheels" in html and "105-87-30120" in html
    assert "you are its admin" in html and "Not verified by the city yet." in html
    assert "/companies/green-wheels/edit/" in html
    assert CompanyStaff.objects.get(company__slug="green-wheels").user == owner


def test_a_wrong_number_is_explained_and_the_form_kept(client, owner):
    client.force_login(owner)
    html = shown(client.post("/companies/new/", {
        "name": "Green Wheels", "registration_number": "105-87-30121"}, **EN))
    assert "check digit" in html
    assert 'value="Green Wheels"' in html and 'value="105-87-30121"' in html
    assert not ShareCompany.objects.exists()


def test_forms_need_the_csrf_token(owner, hub):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    refused = browser.post("/companies/new/", {"name": "X", "registration_number": HUB})
    assert refused.status_code == 403
    refused = browser.post(f"/companies/{hub.slug}/edit/", {"name": "Taken"})
    assert refused.status_code == 403


# --- a company's page --------------------------------------------------------

def test_the_page_shows_the_number_the_verification_date_and_active_listings(
        client, owner, staff, hub):
    company_verify(actor=staff, company=hub)
    room = make_listing(owner, company=hub, title="Meeting room")
    make_listing(owner, company=hub, title="Paused room", status="paused")
    make_listing(owner, title="Owner's own drill")
    html = page(client, f"/companies/{hub.slug}/")
    assert "Rooms and tools for everyone" in html
    assert HUB in html
    hub.refresh_from_db()
    # The day in Seoul, as the page says it (not the UTC day stored).
    assert f"Verified by the city on {timezone.localtime(hub.verified_at):%Y-%m-%d}." in html
    assert f'href="/listings/{room.pk}/"' in html and "Meeting room" in html
    assert "Paused room" not in html and "Owner's own drill" not in html


def test_community_only_listings_show_only_to_the_communitys_members(client, owner, member,
                                                                     outsider, hub):
    circle = Community.objects.create(name="Mapo Circle", slug="mapo-circle")
    Membership.objects.create(community=circle, user=member, status="active")
    shared = make_listing(owner, company=hub, title="Members room", visibility="communities")
    shared.communities.add(circle)
    client.force_login(outsider)
    assert "Members room" not in page(client, f"/companies/{hub.slug}/")
    client.force_login(member)
    assert "Members room" in page(client, f"/companies/{hub.slug}/")


@pytest.mark.parametrize("signed_in,queries", [
    # the company, its rating, its designation, its listings, their photos
    (False, 5),
    # and the session, the person, their communities, moderated communities and
    # companies (who is looking), whether they are its admin, their profile (the menu),
    # their unread notifications (the bell)
    (True, 13),
])
def test_the_company_page_has_a_fixed_query_count(client, owner, member, hub, signed_in,
                                                  queries, django_assert_max_num_queries):
    if signed_in:
        client.force_login(member)
    make_listing(owner, company=hub, title="Room 0")
    with django_assert_max_num_queries(queries):
        page(client, f"/companies/{hub.slug}/")
    for n in range(1, 6):
        make_listing(owner, company=hub, title=f"Room {n}")
    with django_assert_max_num_queries(queries):
        assert page(client, f"/companies/{hub.slug}/").count('data-testid="listing-card"') == 6


def test_an_unknown_company_is_404(client):
    assert client.get("/companies/nowhere/").status_code == 404


# --- verification ------------------------------------------------------------

def test_city_staff_see_verify_and_withdraw_buttons_and_others_do_not(client, owner, staff,
                                                                      hub):
    client.force_login(owner)
    html = page(client, f"/companies/{hub.slug}/")
    assert 'data-testid="verify-company"' not in html
    client.force_login(staff)
    assert 'data-testid="verify-company"' in page(client, f"/companies/{hub.slug}/")

    response = client.post(f"/companies/{hub.slug}/verify/", **EN)
    assert response.status_code == 302 and response.url == f"/companies/{hub.slug}/"
    html = page(client, response.url)
    assert "Seoul Share Hub is a verified share company." in html
    assert 'data-testid="company-verified"' in html
    assert 'data-testid="unverify-company"' in html
    hub.refresh_from_db()
    assert hub.verified_by == staff

    client.post(f"/companies/{hub.slug}/unverify/")
    hub.refresh_from_db()
    assert not hub.verified
    assert 'data-testid="company-verified"' not in page(client, f"/companies/{hub.slug}/")


def test_someone_else_posting_verify_is_told_why_and_nothing_changes(client, owner, hub):
    client.force_login(owner)
    response = client.post(f"/companies/{hub.slug}/verify/", follow=True, **EN)
    assert "Only city staff verify share companies." in shown(response)
    hub.refresh_from_db()
    assert not hub.verified


def test_verifying_is_a_post(client, staff, hub):
    client.force_login(staff)
    assert client.get(f"/companies/{hub.slug}/verify/").status_code == 405
    hub.refresh_from_db()
    assert not hub.verified


# --- editing and staff -------------------------------------------------------

def test_only_admins_open_the_edit_page(client, owner, member, hub):
    assert client.get(f"/companies/{hub.slug}/edit/").status_code == 302  # to the login
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    client.force_login(member)
    refused = client.get(f"/companies/{hub.slug}/edit/", **EN)
    assert refused.status_code == 403
    assert "Only the company&#x27;s admins can do that." in refused.content.decode()
    assert "/edit/" not in page(client, f"/companies/{hub.slug}/")
    client.force_login(owner)
    html = page(client, f"/companies/{hub.slug}/edit/")
    assert "Member Lee" in html and "csrfmiddlewaretoken" in html


def test_admins_edit_the_company(client, owner, hub):
    client.force_login(owner)
    response = client.post(f"/companies/{hub.slug}/edit/", {
        "form": "details", "name": "Mapo Share Hub", "description": "Rooms",
        "website": "https://hub.example"}, follow=True, **EN)
    assert "Saved." in shown(response)
    hub.refresh_from_db()
    assert (hub.name, hub.description, hub.website) == ("Mapo Share Hub", "Rooms",
                                                        "https://hub.example")


def test_a_bad_edit_is_explained(client, owner, hub):
    client.force_login(owner)
    response = client.post(f"/companies/{hub.slug}/edit/", {
        "form": "details", "name": " ", "description": "", "website": ""}, follow=True, **EN)
    assert "Give the company&#x27;s name." in shown(response)
    hub.refresh_from_db()
    assert hub.name == "Seoul Share Hub"


def test_admins_invite_staff_change_roles_and_remove_them(client, owner, member, hub):
    # Changed with issue 15: the staff form sends an invitation; the person
    # joins once they accept it (tests/accounts/test_staff_invitations.py).
    client.force_login(owner)
    edit = f"/companies/{hub.slug}/edit/"
    response = client.post(edit, {"form": "staff", "email": member.email, "role": "staff"},
                           follow=True, **EN)
    assert f"An invitation is on its way to {member.email}" in shown(response)
    assert member.email in page(client, edit)  # among the invitations waiting
    assert not CompanyStaff.objects.filter(company=hub, user=member).exists()
    staff_add(actor=owner, company=hub, email=member.email)
    response = client.post(edit, {"form": "role", "user": member.pk, "role": "admin"},
                           follow=True, **EN)
    assert "Member Lee is on the staff as Admin." in shown(response)
    assert CompanyStaff.objects.get(company=hub, user=member).role == "admin"
    response = client.post(f"/companies/{hub.slug}/staff/{member.pk}/remove/", follow=True,
                           **EN)
    assert "Member Lee is no longer on the staff." in shown(response)
    assert not CompanyStaff.objects.filter(company=hub, user=member).exists()


def test_refusals_on_the_staff_form_are_shown(client, owner, hub):
    client.force_login(owner)
    edit = f"/companies/{hub.slug}/edit/"
    response = client.post(edit, {"form": "role", "user": owner.pk, "role": "staff"},
                           follow=True, **EN)
    assert "A company needs an admin: make someone else admin first." in shown(response)
    response = client.post(f"/companies/{hub.slug}/staff/{owner.pk}/remove/", follow=True,
                           **EN)
    assert "A company needs an admin: make someone else admin first." in shown(response)
    assert CompanyStaff.objects.filter(company=hub, user=owner, role="admin").exists()


def test_staff_who_are_not_admins_cannot_remove_anyone(client, owner, member, hub):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    client.force_login(member)
    response = client.post(f"/companies/{hub.slug}/staff/{owner.pk}/remove/", **EN)
    assert response.status_code == 302 and response.url == f"/companies/{hub.slug}/"
    assert "Only the company&#x27;s admins can do that." in page(client, response.url)
    assert CompanyStaff.objects.filter(company=hub).count() == 2


def test_an_admin_who_removes_themself_lands_on_the_company_page(client, owner, member, hub):
    staff_add(actor=owner, company=hub, email=member.email, role="admin")
    client.force_login(owner)
    response = client.post(f"/companies/{hub.slug}/staff/{owner.pk}/remove/")
    assert response.url == f"/companies/{hub.slug}/"
    assert list(hub.staff.all()) == [member]


# --- the admin ---------------------------------------------------------------

def test_city_staff_verify_companies_from_the_admin(client, owner, hub):
    from tests.conftest import make_person

    operator = make_person("operator@example.org", is_staff=True, is_superuser=True)
    client.force_login(operator)
    assert client.get("/admin/accounts/sharecompany/").status_code == 200
    change = client.get(f"/admin/accounts/sharecompany/{hub.pk}/change/")
    assert change.status_code == 200 and HUB in change.content.decode()
    response = client.post("/admin/accounts/sharecompany/", {
        "action": "verify", "_selected_action": [hub.pk]})
    assert response.status_code == 302
    hub.refresh_from_db()
    assert hub.verified and hub.verified_by == operator
