"""Invite links can be revoked before they expire (issue 15, point 14)."""

from html import escape

import pytest

from community_rules.models import Membership, ModerationLog
from community_rules.services import community_join, invite_create, invites_revoke
from marketplace.errors import Forbidden

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REVOKED = "This invite link was revoked by the community's moderators."


@pytest.fixture
def library(make_community):
    return make_community(join_policy="invite")


def test_a_revoked_link_admits_no_one_and_says_so(library, owner, member, outsider):
    old = invite_create(actor=owner, community=library)
    community_join(actor=member, community=library, invite_token=old)
    invites_revoke(actor=owner, community=library)
    with pytest.raises(Forbidden, match=REVOKED):
        community_join(actor=outsider, community=library, invite_token=old)
    assert not Membership.objects.filter(community=library, user=outsider).exists()
    # A link made afterwards works.
    new = invite_create(actor=owner, community=library)
    assert community_join(actor=outsider, community=library, invite_token=new).status == "active"
    entry = ModerationLog.objects.get(community=library, action="invites_revoked")
    assert entry.actor == owner


def test_only_moderators_revoke(library, admit, member, owner, outsider):
    admit(library, member)
    token = invite_create(actor=owner, community=library)
    with pytest.raises(Forbidden):
        invites_revoke(actor=member, community=library)
    assert community_join(actor=outsider, community=library,
                          invite_token=token).status == "active"


def test_moderators_revoke_through_the_api(api_as, library, admit, owner, member, outsider):
    admit(library, member)
    token = invite_create(actor=owner, community=library)
    url = f"/api/v1/communities/{library.slug}/invites/revoke/"
    assert api_as(member).post(url).status_code == 403
    assert api_as(owner).post(url).status_code == 204
    refused = api_as(outsider).post(f"/api/v1/communities/{library.slug}/join/",
                                    {"invite": token}, **EN)
    assert refused.status_code == 403 and REVOKED in refused.json()["detail"]


def test_the_members_page_revokes_and_the_old_link_says_it_was_revoked(
        client, library, owner, outsider):
    token = invite_create(actor=owner, community=library)
    client.force_login(owner)
    members = client.get(f"/communities/{library.slug}/members/", **EN).content.decode()
    assert 'data-testid="revoke-invites"' in members
    response = client.post(f"/communities/{library.slug}/invites/revoke/", follow=True, **EN)
    assert "Every invite link made so far is revoked" in response.content.decode()
    client.force_login(outsider)
    landing = client.get(f"/communities/join/{token}/", **EN)
    assert landing.status_code == 403 and escape(REVOKED) in landing.content.decode()
    client.post(f"/communities/join/{token}/", **EN)
    assert not Membership.objects.filter(community=library, user=outsider).exists()
