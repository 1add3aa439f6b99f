"""Share companies, the services and selectors: registration numbers with
their check digit, slugs, verification by city staff, staff roles, the
directory."""

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import CompanyStaff, ShareCompany
from accounts.registration import check_digit, normalize_registration_number
from accounts.selectors import company_get, company_list, company_staff_list
from accounts.services import (
    company_create,
    company_staff_remove,
    company_staff_role_set,
    company_unverify,
    company_update,
    company_verify,
)
from listings.selectors import Viewer, can_manage_listing
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.accounts.staff import invite, staff_add
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

HUB = "220-81-62517"
OTHER = "105-87-30120"
THIRD = "214-86-18587"


@pytest.fixture
def hub(owner):
    return company_create(actor=owner, name="Seoul Share Hub", registration_number=HUB)


def png_file(name="logo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    Image.new("RGB", (120, 80), (10, 20, 30)).save(buffer, "PNG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


# --- registration numbers ----------------------------------------------------

@pytest.mark.parametrize("number,expected", [
    ("220-81-62517", "220-81-62517"),
    ("2208162517", "220-81-62517"),
    (" 220 81 62517 ", "220-81-62517"),
    ("123-45-67891", "123-45-67891"),
    ("105-87-30120", "105-87-30120"),   # check digit 0
    ("220-81-62518", None),             # wrong check digit
    ("123-45-67890", None),
    ("220-81-6251", None),              # nine digits
    ("220-81-625170", None),            # eleven
    ("abc-de-fghij", None),
    ("٢٢٠٨١٦٢٥١٧", None),               # digits, but not ASCII ones
    ("", None),
    (None, None),
])
def test_registration_numbers_need_ten_digits_and_the_check_digit(number, expected):
    assert normalize_registration_number(number) == expected


def test_the_check_digit_follows_the_official_weights():
    # 1*2+3*2+7*0+1*8+3*1+7*6+1*2+3*5+5*1 = 83, plus (1*5)//10 = 0: 83 → 7
    assert check_digit("220816251") == 7
    # ... + (9*5)//10 = 4 is what makes this one 1
    assert check_digit("123456789") == 1


# --- registering -------------------------------------------------------------

def test_registering_makes_the_person_its_admin_and_it_starts_unverified(owner):
    company = company_create(actor=owner, name="Seoul Share Hub", registration_number="2208162517",
                             description="Tools and rooms", website="https://hub.example")
    assert company.slug == "seoul-share-hub"
    assert company.registration_number == "220-81-62517"
    assert not company.verified and company.verified_by is None
    assert company.created_by == owner
    assert [(link.user, link.role) for link in company.staff_links.all()] == [(owner, "admin")]


def test_a_number_already_registered_is_refused_however_it_is_written(hub, member):
    with pytest.raises(ValidationFailed) as refused:
        company_create(actor=member, name="Copy", registration_number="220 81 62517")
    assert refused.value.extra["fields"] == {"registration_number": [
        "A company with this business registration number is already registered."]}
    assert ShareCompany.objects.count() == 1


def test_a_wrong_number_and_a_missing_name_are_both_named(owner):
    with pytest.raises(ValidationFailed) as refused:
        company_create(actor=owner, name="  ", registration_number="220-81-62518")
    fields = refused.value.extra["fields"]
    assert fields["name"] == ["Give the company's name."]
    assert "check digit" in fields["registration_number"][0]
    assert "check digit" in str(refused.value.message)
    assert not ShareCompany.objects.exists() and not CompanyStaff.objects.exists()


def test_a_bad_website_is_refused_with_the_field_named(owner):
    with pytest.raises(ValidationFailed) as refused:
        company_create(actor=owner, name="Hub", registration_number=HUB, website="not a site")
    assert list(refused.value.extra["fields"]) == ["website"]


def test_anonymous_people_cannot_register(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        company_create(actor=AnonymousUser(), name="Hub", registration_number=HUB)


@pytest.mark.parametrize("name,pattern", [
    ("Green Wheels", r"green-wheels"),
    ("나눔 Share Hub", r"share-hub"),
    ("나눔공구도서관", r"company-[0-9a-f]{6}"),  # Korean only: a random one
    ("New", r"new-2"),                          # /companies/new/ is the form
])
def test_the_slug_comes_from_the_name(owner, name, pattern):
    company = company_create(actor=owner, name=name, registration_number=HUB)
    assert re.fullmatch(pattern, company.slug)


def test_two_companies_with_one_name_get_two_slugs(owner):
    first = company_create(actor=owner, name="Hub", registration_number=HUB)
    second = company_create(actor=owner, name="Hub", registration_number=OTHER)
    assert (first.slug, second.slug) == ("hub", "hub-2")


def test_a_logo_is_stored_without_its_metadata(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    company = company_create(actor=owner, name="Hub", registration_number=HUB, logo=png_file())
    with open(company.logo.path, "rb") as file:
        data = file.read()
    assert b"Camera maker" not in data
    assert Image.open(io.BytesIO(data)).size == (120, 80)


def test_a_logo_that_is_not_an_image_refuses_the_registration(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("logo.png", b"plain text", "image/png")
    with pytest.raises(ValidationFailed) as refused:
        company_create(actor=owner, name="Hub", registration_number=HUB, logo=fake)
    assert "not a photo" in refused.value.extra["fields"]["logo"][0]
    assert not ShareCompany.objects.exists()
    assert [f for _, _, files in os.walk(tmp_path) for f in files] == []


# --- verification ------------------------------------------------------------

def test_only_city_staff_verify_and_who_and_when_is_kept(hub, owner, staff):
    with pytest.raises(Forbidden, match="Only city staff"):
        company_verify(actor=owner, company=hub)
    hub.refresh_from_db()
    assert not hub.verified
    company_verify(actor=staff, company=hub)
    hub.refresh_from_db()
    assert hub.verified and hub.verified_by == staff and hub.verified_at is not None


def test_verifying_again_keeps_the_first_date(hub, staff):
    first = company_verify(actor=staff, company=hub).verified_at
    again = company_verify(actor=staff, company=ShareCompany.objects.get(pk=hub.pk))
    assert again.verified_at == first


def test_only_city_staff_withdraw_a_verification(hub, owner, staff):
    company_verify(actor=staff, company=hub)
    with pytest.raises(Forbidden):
        company_unverify(actor=owner, company=hub)
    company_unverify(actor=staff, company=hub)
    hub.refresh_from_db()
    assert not hub.verified and hub.verified_by is None


# --- editing -----------------------------------------------------------------

def test_admins_edit_the_company_and_its_slug_stays(hub, owner):
    company_update(actor=owner, company=hub, name="Mapo Share Hub", description="Rooms",
                   website="https://hub.example")
    hub.refresh_from_db()
    assert (hub.name, hub.description, hub.website) == (
        "Mapo Share Hub", "Rooms", "https://hub.example")
    assert hub.slug == "seoul-share-hub"


def test_staff_who_are_not_admins_and_outsiders_cannot_edit(hub, owner, member, outsider):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    for person in (member, outsider):
        with pytest.raises(Forbidden, match="Only the company's admins"):
            company_update(actor=person, company=hub, name="Taken over")
    hub.refresh_from_db()
    assert hub.name == "Seoul Share Hub"


def test_the_number_slug_and_verification_cannot_be_edited(hub, owner):
    with pytest.raises(ValidationFailed) as refused:
        company_update(actor=owner, company=hub, registration_number=OTHER, verified_at=None)
    assert set(refused.value.extra["fields"]) == {"registration_number", "verified_at"}
    with pytest.raises(ValidationFailed, match="Give the company's name"):
        company_update(actor=owner, company=hub, name=" ")


def test_a_new_logo_replaces_the_old_file(hub, owner, settings, tmp_path,
                                          django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    company_update(actor=owner, company=hub, logo=png_file())
    old = hub.logo.path
    with django_capture_on_commit_callbacks(execute=True):
        company_update(actor=owner, company=hub, logo=png_file())
    assert os.path.exists(hub.logo.path) and not os.path.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        company_update(actor=owner, company=hub, logo=None)
    hub.refresh_from_db()
    assert not hub.logo
    assert [f for _, _, files in os.walk(tmp_path) for f in files] == []


# --- staff -------------------------------------------------------------------

def test_admins_add_staff_by_e_mail_address(hub, owner, member):
    link = staff_add(actor=owner, company=hub, email="  MEMBER@example.org ")
    assert (link.user, link.role) == (member, "staff")


def test_inviting_needs_an_address_and_a_known_role_but_not_an_account(hub, owner, member):
    # Changed with issue 15: an unknown address is no longer refused (that
    # told whether it has an account); it gets an invitation like any other.
    invite(actor=owner, company=hub, email="nobody@example.org")
    assert hub.invitations.get().email == "nobody@example.org"
    with pytest.raises(ValidationFailed) as refused:
        invite(actor=owner, company=hub, email="not an address")
    assert list(refused.value.extra["fields"]) == ["email"]
    with pytest.raises(ValidationFailed) as refused:
        staff_add(actor=owner, company=hub, email=member.email, role="boss")
    assert refused.value.extra["fields"] == {"role": ["Choose admin or staff."]}


def test_only_admins_add_staff(hub, owner, member, outsider):
    staff_add(actor=owner, company=hub, email=member.email)
    for person in (member, outsider):
        with pytest.raises(Forbidden):
            staff_add(actor=person, company=hub, email=outsider.email)
    assert not CompanyStaff.objects.filter(user=outsider).exists()


def test_admins_change_the_role_of_someone_on_the_staff(hub, owner, member):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    company_staff_role_set(actor=owner, company=hub, user=member, role="admin")
    assert CompanyStaff.objects.get(company=hub, user=member).role == "admin"
    assert CompanyStaff.objects.filter(company=hub).count() == 2


def test_the_last_admin_can_neither_step_down_nor_be_removed(hub, owner, member):
    with pytest.raises(Conflict, match="make someone else admin first"):
        company_staff_role_set(actor=owner, company=hub, user=owner, role="staff")
    with pytest.raises(Conflict, match="make someone else admin first"):
        company_staff_remove(actor=owner, company=hub, user=owner)
    staff_add(actor=owner, company=hub, email=member.email, role="admin")
    company_staff_remove(actor=member, company=hub, user=owner)
    assert [(link.user, link.role) for link in hub.staff_links.all()] == [(member, "admin")]


def test_only_admins_remove_staff_and_only_people_on_the_staff(hub, owner, member, outsider):
    staff_add(actor=owner, company=hub, email=member.email)
    with pytest.raises(Forbidden):
        company_staff_remove(actor=member, company=hub, user=owner)
    with pytest.raises(NotFound):
        company_staff_remove(actor=owner, company=hub, user=outsider)
    company_staff_remove(actor=owner, company=hub, user=member)
    assert list(hub.staff.all()) == [owner]


def test_the_companys_staff_manage_its_listings_and_former_staff_do_not(hub, owner, member,
                                                                       outsider):
    listing = make_listing(owner, company=hub)
    staff_add(actor=owner, company=hub, email=member.email)
    assert can_manage_listing(listing=listing, viewer=Viewer.of(member))
    assert not can_manage_listing(listing=listing, viewer=Viewer.of(outsider))
    company_staff_remove(actor=owner, company=hub, user=member)
    assert not can_manage_listing(listing=listing, viewer=Viewer.of(member))


# --- selectors ---------------------------------------------------------------

def test_the_directory_lists_verified_companies_first_then_by_name(owner, staff):
    zulu = company_create(actor=owner, name="Zulu Rooms", registration_number=HUB)
    alpha = company_create(actor=owner, name="Alpha Bikes", registration_number=OTHER)
    mike = company_create(actor=owner, name="Mike Tools", registration_number=THIRD)
    company_verify(actor=staff, company=zulu)
    company_verify(actor=staff, company=mike)
    assert list(company_list()) == [mike, zulu, alpha]
    assert list(company_list(verified=True)) == [mike, zulu]
    assert list(company_list(verified=False)) == [alpha]


def test_the_directory_counts_only_listings_everyone_sees(hub, owner):
    make_listing(owner, company=hub, title="Room")
    make_listing(owner, company=hub, title="Paused", status="paused")
    make_listing(owner, company=hub, title="Members only", visibility="communities")
    make_listing(owner, title="Not the company's")
    assert company_list().get(pk=hub.pk).active_listings == 1


def test_an_unknown_company_is_not_found(db):
    with pytest.raises(NotFound):
        company_get(slug="nowhere")


def test_the_staff_list_puts_admins_first(hub, owner, member, outsider):
    staff_add(actor=owner, company=hub, email=member.email, role="staff")
    staff_add(actor=owner, company=hub, email=outsider.email, role="admin")
    assert [(link.user, link.role) for link in company_staff_list(hub)] == [
        (owner, "admin"), (outsider, "admin"), (member, "staff")]


def test_a_slug_lost_to_a_race_gets_a_random_ending(owner, monkeypatch):
    first = company_create(actor=owner, name="Hub", registration_number=HUB)
    # Another registration took "hub" between the check and the insert.
    monkeypatch.setattr("accounts.services._company_slug", lambda name: "hub")
    second = company_create(actor=owner, name="Hub", registration_number=OTHER)
    assert first.slug == "hub" and re.fullmatch(r"hub-[0-9a-f]{6}", second.slug)
    assert second.staff_links.get().user == owner
