"""The designation registry's pages (issue 18, point 1): a company's admins
apply from its page, its staff follow their requests, city staff decide in
their queue; the badge follows on listing pages and search cards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Designation, DesignationApplication
from messaging.models import Notification
from tests.accounts.test_designations import designate, hub  # noqa: F401
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def test_an_admin_applies_from_the_companys_page(client, hub, owner, staff):  # noqa: F811
    client.force_login(owner)
    detail = client.get(f"/companies/{hub.slug}/", **EN).content.decode()
    assert f'href="/companies/{hub.slug}/designation/"' in detail
    response = client.post(f"/companies/{hub.slug}/designation/",
                           {"field": "space", "message": "Rooms for neighbours"}, **EN)
    assert response.status_code == 302
    application = DesignationApplication.objects.get()
    assert (application.field, application.applied_by, application.status) == (
        "space", owner, "pending")
    assert Notification.objects.get(user=staff).url == "/staff/designations/"
    page = client.get(f"/companies/{hub.slug}/designation/", **EN).content.decode()
    assert 'data-testid="apply-waiting"' in page and "Waiting for the city" in page


def test_a_second_request_while_one_waits_is_refused_and_kept_out(client, hub, owner):  # noqa: F811
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "space"}, **EN)
    response = client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"},
                           follow=True, **EN)
    assert DesignationApplication.objects.count() == 1
    assert "already" in response.content.decode() or "waiting" in response.content.decode()


def test_company_staff_follow_but_only_admins_apply(client, hub, outsider):  # noqa: F811
    client.force_login(outsider)  # on the hub's staff, not an admin
    page = client.get(f"/companies/{hub.slug}/designation/", **EN)
    assert page.status_code == 200
    assert 'data-testid="designation-apply-form"' not in page.content.decode()
    client.post(f"/companies/{hub.slug}/designation/", {"field": "space"}, **EN)
    assert not DesignationApplication.objects.exists()


def test_others_find_no_designation_page_nor_queue(client, hub, member):  # noqa: F811
    client.force_login(member)
    assert client.get(f"/companies/{hub.slug}/designation/").status_code == 404
    assert client.post(f"/companies/{hub.slug}/designation/",
                       {"field": "space"}).status_code == 404
    assert client.get("/staff/designations/").status_code == 404
    client.logout()
    assert client.get("/staff/designations/").status_code == 302  # to sign in


def test_city_staff_designate_from_the_queue(client, hub, owner, staff):  # noqa: F811
    drill = make_listing(owner, company=hub, title="Hub drill")
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"}, **EN)
    application = DesignationApplication.objects.get()
    client.force_login(staff)
    queue = client.get("/staff/designations/", **EN).content.decode()
    assert hub.name in queue and 'data-testid="designation-decide-form"' in queue
    response = client.post(f"/staff/designations/{application.pk}/decide/", {
        "decision": "approve", "authority": "Seoul Metropolitan Government",
        "number": "2026-077", "starts_on": day(0), "expires_on": day(365)}, **EN)
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("approved", staff)
    designation = Designation.objects.get()
    assert (designation.number, designation.field, designation.designated_by) == (
        "2026-077", "goods", staff)
    # The badge: on the listing's page and on its card in search.
    page = client.get(f"/listings/{drill.pk}/", **EN).content.decode()
    assert 'data-testid="designated-badge"' in page
    results = client.get("/listings/?designated=true", **EN).content.decode()
    assert "Hub drill" in results and 'data-testid="card-designated"' in results
    decided = client.get("/staff/designations/", **EN).content.decode()
    assert 'data-testid="designation-queue-empty"' in decided and "Designated" in decided


def test_a_bad_decision_changes_nothing_and_says_why(client, hub, owner, staff):  # noqa: F811
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"}, **EN)
    application = DesignationApplication.objects.get()
    client.force_login(staff)
    refused = client.post(f"/staff/designations/{application.pk}/decide/",
                          {"decision": "refuse", "note": ""}, follow=True, **EN)
    assert "Say why, for the company to read." in refused.content.decode()
    backwards = client.post(f"/staff/designations/{application.pk}/decide/", {
        "decision": "approve", "authority": "Seoul", "number": "1",
        "starts_on": day(10), "expires_on": day(0)}, follow=True, **EN)
    assert "ends on or after the day it starts" in backwards.content.decode()
    application.refresh_from_db()
    assert application.status == "pending" and application.decided_by is None
    assert not Designation.objects.exists()


def test_a_refusal_tells_the_company_on_its_page(client, hub, owner, staff):  # noqa: F811
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"}, **EN)
    application = DesignationApplication.objects.get()
    client.force_login(staff)
    client.post(f"/staff/designations/{application.pk}/decide/",
                {"decision": "refuse", "note": "Send your member numbers first."}, **EN)
    client.force_login(owner)
    page = client.get(f"/companies/{hub.slug}/designation/", **EN).content.decode()
    assert "Not designated" in page and "Send your member numbers first." in page
    notice = Notification.objects.get(user=owner, kind="designation_refused")
    assert notice.url == f"/companies/{hub.slug}/designation/"


def test_the_queue_in_korean(client, hub, owner, staff):  # noqa: F811
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"})
    client.force_login(staff)
    page = client.get("/staff/designations/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "지정 신청" in page


def test_a_refused_decision_keeps_what_was_typed_beside_its_fields(client, hub, owner,  # noqa: F811
                                                                   staff):
    client.force_login(owner)
    client.post(f"/companies/{hub.slug}/designation/", {"field": "goods"}, **EN)
    application = DesignationApplication.objects.get()
    client.force_login(staff)
    response = client.post(f"/staff/designations/{application.pk}/decide/", {
        "decision": "approve", "authority": "서울특별시 마포구", "number": "MAPO-2026-0042",
        "starts_on": day(10), "expires_on": day(0)}, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The request of Seoul Share Hub is not decided: see below." in page
    assert 'value="서울특별시 마포구"' in page and 'value="MAPO-2026-0042"' in page
    assert f'value="{day(10)}"' in page
    assert "A designation ends on or after the day it starts." in page
    assert not Designation.objects.exists()


def test_all_the_companys_staff_and_the_city_find_the_designation_page(client, hub,  # noqa: F811
                                                                       outsider, staff):
    link = f'href="/companies/{hub.slug}/designation/"'
    for person in (outsider, staff):  # on the hub's staff, not an admin; city staff
        client.force_login(person)
        assert link in client.get(f"/companies/{hub.slug}/", **EN).content.decode()
        assert client.get(f"/companies/{hub.slug}/designation/").status_code == 200


def test_a_proposal_naming_no_rule_is_refused_not_a_crash(client, member, db):
    from community_rules.models import Community, Membership
    parents = Community.objects.create(name="Parents", slug="parents", governance="democratic")
    Membership.objects.create(community=parents, user=member, status="active")
    client.force_login(member)
    response = client.post("/communities/parents/proposals/new/", {
        "type": "deposit_required", "action": "change", "rule_id": "abc",
        "params-deposit_required-minimum": "5000", "closes_at": "2030-01-01T10:00"},
        follow=True, **EN)
    assert response.status_code == 200
    assert "Choose one of the community&#x27;s rules." in response.content.decode()
    assert not parents.proposals.exists()
