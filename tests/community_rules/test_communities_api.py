import pytest

from community_rules.models import Membership
from community_rules.services import community_create, community_join

pytestmark = pytest.mark.django_db


def test_create_then_read_with_my_membership(api_as, owner):
    created = api_as(owner).post("/api/v1/communities/", {
        "name": "Mapo Tool Library", "description": "Tools for all", "district": "Mapo-gu",
        "join_policy": "approval", "visibility": "public", "governance": "moderated"})
    assert created.status_code == 201
    body = created.json()
    assert body["slug"] == "mapo-tool-library" and body["member_count"] == 1
    assert body["membership"]["role"] == "owner"


def test_join_answers_active_or_pending(api_as, owner, member, outsider):
    community_create(actor=owner, name="Open", join_policy="open")
    community_create(actor=owner, name="Asked", join_policy="approval")
    assert api_as(member).post("/api/v1/communities/open/join/").json() == {"status": "active"}
    assert api_as(member).post("/api/v1/communities/asked/join/").json() == {
        "status": "pending"}
    approved = api_as(owner).post(f"/api/v1/communities/asked/members/{member.pk}/approve/")
    assert approved.json()["status"] == "active"
    again = api_as(member).post("/api/v1/communities/open/join/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_join_an_invite_only_private_community_with_a_token(api_as, owner, member):
    community = community_create(actor=owner, name="Raemian", join_policy="invite",
                                 visibility="private")
    assert api_as(member).post("/api/v1/communities/raemian/join/").status_code == 404
    invite = api_as(owner).post("/api/v1/communities/raemian/invites/", {"days": 3}).json()
    assert "/communities/join/" in invite["url"]
    joined = api_as(member).post("/api/v1/communities/raemian/join/",
                                 {"invite": invite["token"]})
    assert joined.json() == {"status": "active"}
    assert Membership.objects.get(community=community, user=member).status == "active"


def test_a_member_cannot_make_a_moderator_through_the_api(api_as, owner, member, outsider):
    community = community_create(actor=owner, name="Club")
    community_join(actor=member, community=community)
    community_join(actor=outsider, community=community)
    refused = api_as(member).patch(f"/api/v1/communities/club/members/{outsider.pk}/",
                                   {"role": "moderator"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    made = api_as(owner).patch(f"/api/v1/communities/club/members/{member.pk}/",
                               {"role": "moderator", "reason": "Helps a lot"})
    assert made.json()["role"] == "moderator"
    events = api_as(owner).get("/api/v1/communities/club/events/").json()["results"]
    assert events[0]["action"] == "role_changed" and events[0]["reason"] == "Helps a lot"
    assert api_as(outsider).get("/api/v1/communities/club/events/").status_code == 403


def test_private_community_is_404_for_outsiders_everywhere(api_as, api, owner, outsider):
    community_create(actor=owner, name="Secret", visibility="private")
    for client in (api, api_as(outsider)):
        assert client.get("/api/v1/communities/secret/").status_code == 404
        assert client.get("/api/v1/communities/secret/members/").status_code == 404
        listed = client.get("/api/v1/communities/").json()["results"]
        assert "secret" not in [c["slug"] for c in listed]
    assert api_as(owner).get("/api/v1/communities/secret/").status_code == 200


def test_members_list_hides_pending_from_members_and_has_a_fixed_query_count(
        api_as, owner, member, django_assert_max_num_queries):
    from accounts.services import user_create

    community = community_create(actor=owner, name="Big", join_policy="approval")
    for n in range(30):
        person = user_create(email=f"m{n}@example.org", password="x")
        joined = community_join(actor=person, community=community)
        if n % 2:
            Membership.objects.filter(pk=joined.pk).update(status="active")
    Membership.objects.create(community=community, user=member, status="active")
    owner_view = api_as(owner)
    for size in (5, 30):
        with django_assert_max_num_queries(7):
            response = owner_view.get(f"/api/v1/communities/big/members/?page_size={size}")
        assert len(response.json()["results"]) == size
    seen_by_member = api_as(member).get("/api/v1/communities/big/members/?page_size=100")
    assert {m["status"] for m in seen_by_member.json()["results"]} == {"active"}


def test_communities_list_has_a_fixed_query_count(api_as, owner, member,
                                                  django_assert_max_num_queries):
    for n in range(30):
        community = community_create(actor=owner, name=f"Club {n}")
        if n % 3 == 0:
            community_join(actor=member, community=community)
    client = api_as(member)
    for size in (5, 30):
        with django_assert_max_num_queries(6):
            response = client.get(f"/api/v1/communities/?page_size={size}")
        assert len(response.json()["results"]) == size
