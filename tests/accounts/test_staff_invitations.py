"""Adding company staff by e-mail is an invitation the person accepts, and
the answer does not tell whether the address has an account (issue 15, point 5)."""

import pytest
from django.core import mail

from accounts.models import CompanyInvitation, CompanyStaff
from accounts.services import (
    company_create,
    company_invitation_accept,
    company_invitation_decline,
)
from marketplace.errors import Conflict, Forbidden, NotFound
from tests.accounts.staff import invite

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def hub(owner):
    return company_create(actor=owner, name="Seoul Share Hub", registration_number="220-81-62517")


def link_in(message) -> str:
    return next(word for word in message.body.split() if "/companies/invitations/" in word)


def test_the_api_answers_the_same_for_an_account_and_for_no_account(
        api_as, owner, member, hub, django_capture_on_commit_callbacks):
    answers = []
    for email in (member.email, "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(owner).post(f"/api/v1/companies/{hub.slug}/staff/",
                                          {"email": email, "role": "staff"}, **EN)
        answers.append((response.status_code,
                        response.json()["detail"].replace(email, "ADDRESS")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    # Both addresses got an e-mail with a link; nobody joined yet.
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.org", "nobody@example.org"]
    assert all("/companies/invitations/" in m.body for m in mail.outbox)
    assert list(hub.staff.all()) == [owner]


def test_the_page_answers_the_same_for_an_account_and_for_no_account(client, owner, member,
                                                                     hub):
    client.force_login(owner)
    shown = []
    for email in (member.email, "nobody@example.org"):
        response = client.post(f"/companies/{hub.slug}/edit/",
                               {"form": "staff", "email": email, "role": "staff"},
                               follow=True, **EN)
        html = response.content.decode().replace(email, "ADDRESS")
        shown.append(html[html.index('class="messages'):].split("</ul>")[0]
                     if 'class="messages' in html else html)
    assert shown[0] == shown[1]
    assert "An invitation is on its way to ADDRESS" in shown[0]
    assert not CompanyStaff.objects.filter(user=member).exists()


def test_the_invited_person_accepts_from_the_e_mailed_link(
        client, owner, member, hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(actor=owner, company=hub, email=member.email, role="admin")
    url = link_in(mail.outbox[0]).removeprefix("http://testserver")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(member)
    page = client.get(url, **EN).content.decode()
    assert "Seoul Share Hub" in page and 'data-testid="accept-invitation"' in page
    response = client.post(url, {"answer": "accept"}, follow=True, **EN)
    assert "You are on the staff of Seoul Share Hub." in response.content.decode()
    assert CompanyStaff.objects.get(company=hub, user=member).role == "admin"
    again = client.post(url, {"answer": "accept"}, follow=True, **EN)
    assert "This invitation has already been answered." in again.content.decode()


def test_only_the_invited_address_can_answer_and_declining_adds_no_one(api_as, owner, member,
                                                                       outsider, hub):
    invite(actor=owner, company=hub, email=member.email)
    token = CompanyInvitation.objects.get().token
    with pytest.raises(Forbidden, match="sent to another e-mail address"):
        company_invitation_accept(actor=outsider, token=token)
    assert api_as(outsider).post(
        f"/api/v1/company-invitations/{token}/accept/").status_code == 403
    seen = api_as(member).get(f"/api/v1/company-invitations/{token}/")
    assert seen.status_code == 200 and seen.json()["company"] == hub.slug
    assert api_as(member).post(
        f"/api/v1/company-invitations/{token}/decline/").status_code == 204
    with pytest.raises(Conflict):
        company_invitation_accept(actor=member, token=token)
    with pytest.raises(NotFound):
        company_invitation_decline(actor=member, token="not-a-token")
    assert list(hub.staff.all()) == [owner]
    assert CompanyInvitation.objects.get().status == "declined"


def test_someone_who_signs_up_later_accepts_with_that_address(owner, hub):
    from tests.conftest import make_person

    invite(actor=owner, company=hub, email="Later@Example.org")
    later = make_person("later@example.org", "Later Choi")
    link = company_invitation_accept(actor=later,
                                     token=CompanyInvitation.objects.get().token)
    assert (link.user, link.role) == (later, "staff")


def test_inviting_again_keeps_one_invitation_and_staff_are_left_alone(owner, member, hub):
    invite(actor=owner, company=hub, email=member.email)
    invite(actor=owner, company=hub, email=member.email, role="admin")
    assert CompanyInvitation.objects.get().role == "admin"
    invite(actor=owner, company=hub, email=owner.email, role="staff")
    assert CompanyStaff.objects.get(user=owner).role == "admin"
    assert CompanyInvitation.objects.count() == 1


def test_an_expired_invitation_is_refused(owner, member, hub):
    invite(actor=owner, company=hub, email=member.email)
    invitation = CompanyInvitation.objects.get()
    CompanyInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    with pytest.raises(Conflict, match="expired"):
        company_invitation_accept(actor=member, token=invitation.token)
    assert not CompanyStaff.objects.filter(user=member).exists()
