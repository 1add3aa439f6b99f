"""The designation registry (issue 18, point 1): a verified company's admins
apply, city staff decide or designate directly, every decision keeps who
and when, the badge shows while the designation is valid (company,
listings, search with `designated`), and the company is told a month before
it ends."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import designation_services as services
from accounts.models import Designation, DesignationApplication
from accounts.selectors import designation_current
from accounts.services import company_create, company_verify
from marketplace.errors import Conflict, Forbidden, ValidationFailed
from messaging.models import Notification
from tests.accounts.staff import staff_add
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SMG = "Seoul Metropolitan Government"


@pytest.fixture
def hub(owner, outsider, staff):
    """A verified company: `owner` its admin, `outsider` on its staff."""
    hub = company_create(actor=owner, name="Seoul Share Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=hub, email=outsider.email)
    return company_verify(actor=staff, company=hub)


def today():
    return timezone.localdate()


def designate(staff, hub, *, number="2026-031", starts=-10, ends=355, field="space"):
    return services.designation_create(
        actor=staff, company=hub, authority=SMG, number=number, field=field,
        starts_on=today() + timedelta(days=starts), expires_on=today() + timedelta(days=ends))


# --- applying and deciding ------------------------------------------------------


def test_an_admin_applies_and_city_staff_are_told(hub, owner, staff):
    application = services.designation_apply(actor=owner, company=hub, field="space",
                                             message="Meeting rooms for the neighbourhood")
    assert (application.status, application.applied_by) == ("pending", owner)
    assert Notification.objects.get(user=staff).kind == "designation_applied"


def test_one_request_waits_at_a_time(hub, owner):
    services.designation_apply(actor=owner, company=hub, field="space")
    with pytest.raises(Conflict):
        services.designation_apply(actor=owner, company=hub, field="goods")
    assert DesignationApplication.objects.count() == 1


def test_only_a_verified_companys_admins_apply(owner, outsider, staff, hub):
    with pytest.raises(Forbidden):  # staff, not admin
        services.designation_apply(actor=outsider, company=hub, field="space")
    unverified = company_create(actor=owner, name="New Hub", registration_number="105-87-30120")
    with pytest.raises(Forbidden):
        services.designation_apply(actor=owner, company=unverified, field="space")
    with pytest.raises(ValidationFailed):
        services.designation_apply(actor=owner, company=hub, field="spaceships")


def test_approving_designates_and_keeps_who_and_when(hub, owner, outsider, staff):
    application = services.designation_apply(actor=owner, company=hub, field="mobility")
    services.designation_decide(actor=staff, application=application, approve=True,
                                authority=SMG, number="2026-007", starts_on=today(),
                                expires_on=today() + timedelta(days=364))
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("approved", staff)
    assert application.decided_at is not None
    designation = Designation.objects.get()
    assert (designation.field, designation.designated_by, designation.application) == (
        "mobility", staff, application)
    assert designation_current(hub) == designation
    told = Notification.objects.filter(kind="designation_granted")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([owner.pk, outsider.pk])


def test_refusing_needs_a_reason_and_a_request_is_decided_once(hub, owner, staff):
    application = services.designation_apply(actor=owner, company=hub, field="goods")
    with pytest.raises(ValidationFailed):
        services.designation_decide(actor=staff, application=application, approve=False)
    services.designation_decide(actor=staff, application=application, approve=False,
                                note="Share the items with residents first.")
    with pytest.raises(Conflict):
        services.designation_decide(actor=staff, application=application, approve=True,
                                    authority=SMG, number="x", starts_on=today(),
                                    expires_on=today())
    assert not Designation.objects.exists()
    assert Notification.objects.get(user=owner, kind="designation_refused").data[
        "reason"] == "Share the items with residents first."


def test_an_approval_with_a_bad_period_changes_nothing(hub, owner, staff):
    application = services.designation_apply(actor=owner, company=hub, field="goods")
    with pytest.raises(ValidationFailed) as refused:
        services.designation_decide(actor=staff, application=application, approve=True,
                                    authority=SMG, number="2026-9", starts_on=today(),
                                    expires_on=today() - timedelta(days=1))
    assert "expires_on" in refused.value.extra["fields"]
    application.refresh_from_db()
    assert application.status == "pending" and application.decided_by is None


def test_only_city_staff_designate(hub, owner):
    with pytest.raises(Forbidden):
        designate(owner, hub)


def test_one_designation_per_authority_and_number(hub, staff):
    designate(staff, hub)
    with pytest.raises(ValidationFailed) as refused:
        designate(staff, hub)
    assert "number" in refused.value.extra["fields"]


# --- valid, then expired ------------------------------------------------------------


def test_the_badge_lasts_while_the_designation_is_valid(hub, staff):
    designation = designate(staff, hub, starts=-30, ends=0)  # its last day is today
    assert designation_current(hub) == designation
    assert designation_current(hub, today=today() + timedelta(days=1)) is None
    assert designation_current(hub, today=today() - timedelta(days=31)) is None


def test_the_company_page_and_api_show_a_valid_designation_only(client, api, hub, staff):
    designate(staff, hub, number="2026-031", starts=-400, ends=-1)  # expired yesterday
    assert api.get(f"/api/v1/companies/{hub.slug}/").json()["designation"] is None
    assert "designated-badge" not in client.get(f"/companies/{hub.slug}/", **EN).content.decode()
    designate(staff, hub, number="2026-032", starts=0, ends=364)
    body = api.get(f"/api/v1/companies/{hub.slug}/").json()
    assert body["designation"]["number"] == "2026-032"
    listed = api.get("/api/v1/companies/").json()["results"]
    assert listed[0]["designation"]["authority"] == SMG
    page = client.get(f"/companies/{hub.slug}/", **EN).content.decode()
    assert "designated-badge" in page and "2026-032" in page


def test_the_directory_reads_designations_in_one_query(api, hub, staff, owner):
    designate(staff, hub)
    for n, number in enumerate(["105-87-30120", "214-86-18587", "123-45-67891"]):
        other = company_verify(actor=staff, company=company_create(
            actor=owner, name=f"Hub {n}", registration_number=number))
        designate(staff, other, number=f"2026-10{n}")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/companies/")
    more = len(few)
    company_verify(actor=staff, company=company_create(
        actor=owner, name="Hub 9", registration_number="101-81-00001"))
    with CaptureQueriesContext(connection) as many:
        api.get("/api/v1/companies/")
    assert len(many) == more


def test_search_filters_and_marks_designated_companies_listings(api, hub, staff, owner):
    room = make_listing(owner, company=hub, title="Meeting room")
    make_listing(owner, title="Own drill")
    other = company_verify(actor=staff, company=company_create(
        actor=owner, name="Old Hub", registration_number="105-87-30120"))
    make_listing(owner, company=other, title="Old room")
    designate(staff, hub)
    designate(staff, other, number="2020-001", starts=-800, ends=-400)  # long expired
    found = api.get("/api/v1/listings/?designated=true").json()["results"]
    assert [listing["id"] for listing in found] == [room.pk]
    assert found[0]["company"]["designated"] is True
    every = {listing["title"]: listing["company"]
             for listing in api.get("/api/v1/listings/").json()["results"]}
    assert every["Old room"]["designated"] is False and every["Own drill"] is None
    detail = api.get(f"/api/v1/listings/{room.pk}/").json()
    assert detail["company"]["designated"] is True
    assert api.get("/api/v1/listings/?designated=maybe").status_code == 400


# --- reminders ------------------------------------------------------------------------


def test_the_company_is_told_a_month_before_once(hub, owner, outsider, staff):
    designate(staff, hub, starts=-300, ends=29)
    other = company_verify(actor=staff, company=company_create(
        actor=owner, name="Other Hub", registration_number="105-87-30120"))
    designate(staff, other, number="2026-099", starts=-10, ends=200)  # far from its end
    assert services.designation_reminders_send() == 1
    told = Notification.objects.filter(kind="designation_expiring")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([owner.pk, outsider.pk])
    assert services.designation_reminders_send() == 0  # once


def test_a_renewed_designation_is_not_reminded(hub, staff):
    ending = designate(staff, hub, starts=-300, ends=20)
    designate(staff, hub, number="2026-100", starts=21, ends=400)
    assert services.designation_reminders_send() == 0
    ending.refresh_from_db()
    assert ending.reminded_at is not None


def test_a_designation_past_a_month_away_waits(hub, staff):
    designate(staff, hub, starts=-300, ends=31)
    assert services.designation_reminders_send() == 0
    assert services.designation_reminders_send(today=today() + timedelta(days=1)) == 1


# --- over the API -----------------------------------------------------------------------


def test_applications_over_the_api_for_the_company_and_the_city(api_as, hub, owner, outsider,
                                                                 staff, member):
    path = f"/api/v1/companies/{hub.slug}/designation-applications/"
    made = api_as(owner).post(path, {"field": "space", "message": "Rooms"}, format="json")
    assert made.status_code == 201
    application_id = made.json()["id"]
    assert api_as(owner).post(path, {"field": "space"}, format="json").status_code == 409
    assert [a["id"] for a in api_as(outsider).get(path).json()] == [application_id]
    assert api_as(member).get(path).status_code == 404  # not theirs: not found
    assert api_as(member).get("/api/v1/designation-applications/").json()["results"] == []
    queue = api_as(staff).get("/api/v1/designation-applications/?status=pending").json()
    assert api_as(staff).get("/api/v1/designation-applications/?status=").status_code == 400
    assert [a["id"] for a in queue["results"]] == [application_id]
    decide = f"/api/v1/designation-applications/{application_id}/decide/"
    assert api_as(member).post(decide, {"decision": "approve"},
                               format="json").status_code == 404
    assert api_as(owner).post(decide, {"decision": "approve"},
                              format="json").status_code == 403
    approved = api_as(staff).post(decide, {
        "decision": "approve", "authority": SMG, "number": "2026-031",
        "starts_on": str(date.today()), "expires_on": str(date.today() + timedelta(days=364))},
        format="json", **EN)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    designations = api_as(member).get(f"/api/v1/companies/{hub.slug}/designations/").json()
    assert [d["number"] for d in designations] == ["2026-031"]
    again = api_as(staff).post(decide, {"decision": "refuse", "note": "No"}, format="json", **EN)
    assert again.status_code == 409


def test_direct_designation_over_the_api_is_city_staff_only(api_as, hub, owner, staff):
    path = f"/api/v1/companies/{hub.slug}/designations/"
    body = {"authority": SMG, "number": "2026-5", "field": "goods",
            "starts_on": "2026-01-01", "expires_on": "2026-12-31"}
    assert api_as(owner).post(path, body, format="json").status_code == 403
    assert api_as(staff).post(path, body, format="json").status_code == 201
    refused = api_as(staff).post(path, {**body, "number": "2026-6", "starts_on": "0001-01-01"},
                                 format="json", **EN)
    assert refused.status_code == 400 and "starts_on" in refused.json()["fields"]


def test_a_company_no_longer_verified_shows_no_badge(api, hub, staff, owner):
    from accounts.services import company_unverify
    make_listing(owner, company=hub, title="Meeting room")
    designate(staff, hub)
    company_unverify(actor=staff, company=hub)
    hub.refresh_from_db()
    assert designation_current(hub) is None
    assert api.get("/api/v1/listings/?designated=true").json()["results"] == []
    assert api.get(f"/api/v1/companies/{hub.slug}/").json()["designation"] is None


def test_a_refusal_may_carry_the_approval_fields_empty(api_as, hub, owner, staff):
    application = services.designation_apply(actor=owner, company=hub, field="space")
    response = api_as(staff).post(
        f"/api/v1/designation-applications/{application.pk}/decide/",
        {"decision": "refuse", "note": "Not enough", "authority": "", "number": "",
         "starts_on": "", "expires_on": None}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "refused"


@pytest.mark.parametrize("number", ["2026-031", "2026-031 ", "2026-031".upper()])
@pytest.mark.parametrize("authority", [SMG, SMG.upper(), SMG.replace(" ", "  "),
                                       " " + SMG])
def test_one_number_however_it_is_written(hub, staff, authority, number):
    designate(staff, hub)
    with pytest.raises(ValidationFailed):
        services.designation_create(
            actor=staff, company=hub, authority=authority, number=number, field="goods",
            starts_on=today(), expires_on=today() + timedelta(days=30))
    assert Designation.objects.count() == 1


def test_a_korean_authority_in_two_unicode_forms_is_one(hub, staff):
    import unicodedata
    composed = unicodedata.normalize("NFC", "서울특별시")
    services.designation_create(actor=staff, company=hub, authority=composed, number="7",
                                field="space", starts_on=today(),
                                expires_on=today() + timedelta(days=30))
    with pytest.raises(ValidationFailed):
        services.designation_create(actor=staff, company=hub,
                                    authority=unicodedata.normalize("NFD", composed),
                                    number="7", field="goods", starts_on=today(),
                                    expires_on=today() + timedelta(days=30))
