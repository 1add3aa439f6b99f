"""Putting someone on a company's staff the way people do: an admin invites
the address, the person accepts the link (tests/accounts/test_staff_invitations.py)."""

from accounts.models import CompanyInvitation, User
from accounts.services import company_invitation_accept, company_staff_invite

SITE = "http://testserver/"


def invite(*, actor, company, email, role="staff"):
    company_staff_invite(actor=actor, company=company, email=email, role=role, site_url=SITE)


def staff_add(*, actor, company, email, role="staff"):
    """Invite `email` and accept as its person: their CompanyStaff entry."""
    invite(actor=actor, company=company, email=email, role=role)
    invitation = CompanyInvitation.objects.get(company=company, email=email.strip().lower(),
                                               status="pending")
    person = User.objects.get(email__iexact=email.strip())
    return company_invitation_accept(actor=person, token=invitation.token)
