"""The communities API (shared/API.md): paths, fields, status codes, error
shapes, privacy, and fixed query counts on every list."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from community_rules.models import Community, Membership, MembershipEvent
from community_rules.services import (
    community_join,
    invite_create,
    membership_change,
)
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def of(person, community) -> Membership:
    return Membership.objects.get(user=person, community=community)


# --- communities ----------------------------------------------------------------


def test_create_a_community_and_be_its_owner(api_as, owner):
    created = api_as(owner).post("/api/v1/communities/", {
        "name": "Mapo Tool Library", "description": "Tools for all", "district": "Mapo-gu",
        "join_policy": "approval", "visibility": "public", "governance": "democratic"})
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("slug", "name", "join_policy", "visibility", "governance",
                                 "member_count")} == {
        "slug": "mapo-tool-library", "name": "Mapo Tool Library", "join_policy": "approval",
        "visibility": "public", "governance": "democratic", "member_count": 1}
    assert body["membership"]["role"] == "owner" and body["membership"]["status"] == "active"
    assert datetime.fromisoformat(body["membership"]["joined_at"]).utcoffset() is not None


def test_creating_needs_a_login_and_valid_fields(api, api_as, owner):
    assert api.post("/api/v1/communities/", {"name": "X"}).status_code in (401, 403)
    refused = api_as(owner).post("/api/v1/communities/", {"name": "", "join_policy": "all"},
                                 **EN)
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) == {"name", "join_policy"}
    assert not Community.objects.exists()


def test_read_a_community_with_my_membership(api, api_as, make_community, admit, member,
                                             outsider):
    community = make_community(join_policy="approval")
    admit(community, member, "moderator")
    mine = api_as(member).get("/api/v1/communities/mapo-tool-library/").json()
    assert mine["membership"] == {"role": "moderator", "status": "active",
                                  "joined_at": mine["membership"]["joined_at"],
                                  "suspended_until": None}
    assert mine["member_count"] == 2
    assert api_as(outsider).get("/api/v1/communities/mapo-tool-library/").json()[
        "membership"] is None
    assert api.get("/api/v1/communities/mapo-tool-library/").json()["membership"] is None


def test_moderators_edit_a_community_and_its_slug_and_governance_stay(api_as, make_community,
                                                                      admit, member, outsider):
    make_community()
    admit(make_community("Other"), outsider)
    community = Community.objects.get(slug="mapo-tool-library")
    admit(community, member, "moderator")
    changed = api_as(member).patch("/api/v1/communities/mapo-tool-library/", {
        "name": "Mapo Tools", "join_policy": "invite", "governance": "democratic"})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["slug"], body["name"], body["join_policy"], body["governance"]) == (
        "mapo-tool-library", "Mapo Tools", "invite", "moderated")
    refused = api_as(outsider).patch("/api/v1/communities/mapo-tool-library/",
                                     {"name": "Mine"}, **EN)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


# --- joining ---------------------------------------------------------------------


def test_join_answers_active_or_pending(api_as, make_community, member):
    make_community("Open", join_policy="open")
    make_community("Asked", join_policy="approval")
    joined = api_as(member).post("/api/v1/communities/open/join/")
    assert joined.status_code == 200 and joined.json() == {"status": "active"}
    assert api_as(member).post("/api/v1/communities/asked/join/").json() == {
        "status": "pending"}


def test_joining_twice_is_a_conflict_that_says_why(api_as, make_community, member):
    make_community("Open", join_policy="open")
    api_as(member).post("/api/v1/communities/open/join/")
    again = api_as(member).post("/api/v1/communities/open/join/", **EN)
    assert again.status_code == 409
    assert again.json() == {"code": "conflict",
                            "detail": "You are already a member of this community."}


def test_an_invite_only_community_needs_a_valid_invite(api_as, make_community, owner, member,
                                                       monkeypatch):
    community = make_community("Raemian", join_policy="invite")
    other = make_community("Other", join_policy="invite")
    client = api_as(member)
    refused = client.post("/api/v1/communities/raemian/join/", **EN)
    assert refused.status_code == 403 and "invite only" in refused.json()["detail"]
    foreign = invite_create(actor=owner, community=other)
    wrong = client.post("/api/v1/communities/raemian/join/", {"invite": foreign}, **EN)
    assert wrong.status_code == 403 and "another community" in wrong.json()["detail"]
    token = invite_create(actor=owner, community=community)
    broken = client.post("/api/v1/communities/raemian/join/", {"invite": token + "x"}, **EN)
    assert broken.status_code == 403 and "not valid" in broken.json()["detail"]
    later = timezone.now() + timedelta(days=8)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: later)
        expired = client.post("/api/v1/communities/raemian/join/", {"invite": token}, **EN)
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]
    assert not Membership.objects.filter(user=member).exists()
    joined = client.post("/api/v1/communities/raemian/join/", {"invite": token})
    assert joined.json() == {"status": "active"}


def test_banned_people_cannot_rejoin(api_as, make_community, admit, owner, member):
    community = make_community("Open", join_policy="open")
    admit(community, member)
    membership_change(actor=owner, membership=of(member, community), status="banned")
    refused = api_as(member).post("/api/v1/communities/open/join/", **EN)
    assert refused.status_code == 403 and "banned" in refused.json()["detail"]


def test_an_invite_opens_a_private_community(api_as, make_community, owner, member):
    community = make_community("Raemian", join_policy="invite", visibility="private")
    client = api_as(member)
    assert client.post("/api/v1/communities/raemian/join/").status_code == 404
    invite = api_as(owner).post("/api/v1/communities/raemian/invites/", {"days": 3})
    assert invite.status_code == 201
    body = invite.json()
    assert body["url"] == f"http://testserver/communities/join/{body['token']}/"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=2, hours=23) < expires - timezone.now() <= timedelta(days=3)
    joined = client.post("/api/v1/communities/raemian/join/", {"invite": body["token"]})
    assert joined.json() == {"status": "active"}
    assert of(member, community).status == "active"
    assert client.get("/api/v1/communities/raemian/").status_code == 200


def test_invites_are_for_moderators_and_last_one_to_thirty_days(api_as, make_community, admit,
                                                                 owner, member):
    community = make_community()
    admit(community, member)
    assert api_as(member).post("/api/v1/communities/mapo-tool-library/invites/").status_code \
        == 403
    too_long = api_as(owner).post("/api/v1/communities/mapo-tool-library/invites/",
                                  {"days": 31})
    assert too_long.status_code == 400 and "days" in too_long.json()["fields"]


# --- members ----------------------------------------------------------------------


def test_moderators_approve_and_refuse_requests(api_as, make_community, owner, member,
                                                outsider):
    community = make_community(join_policy="approval")
    community_join(actor=member, community=community)
    community_join(actor=outsider, community=community)
    base = "/api/v1/communities/mapo-tool-library/members"
    assert api_as(outsider).post(f"{base}/{member.pk}/approve/").status_code == 403
    approved = api_as(owner).post(f"{base}/{member.pk}/approve/", {"reason": "Neighbour"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    assert approved.json()["user"] == {"id": member.pk, "display_name": "Member Lee"}
    again = api_as(owner).post(f"{base}/{member.pk}/approve/", **EN)
    assert again.status_code == 409 and "already answered" in again.json()["detail"]
    refused = api_as(owner).post(f"{base}/{outsider.pk}/refuse/", {"reason": "Full"})
    assert refused.status_code == 204
    assert not Membership.objects.filter(user=outsider).exists()
    assert MembershipEvent.objects.get(action="refused").reason == "Full"
    nobody = api_as(owner).post(f"{base}/{outsider.pk}/approve/", **EN)
    assert nobody.status_code == 404 and nobody.json()["code"] == "not_found"


def test_a_member_cannot_make_a_moderator_through_the_api(api_as, make_community, admit,
                                                          owner, member, outsider):
    community = make_community("Club")
    admit(community, member)
    admit(community, outsider)
    refused = api_as(member).patch(f"/api/v1/communities/club/members/{outsider.pk}/",
                                   {"role": "moderator"}, **EN)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    made = api_as(owner).patch(f"/api/v1/communities/club/members/{member.pk}/",
                               {"role": "moderator", "reason": "Helps a lot"})
    assert made.status_code == 200 and made.json()["role"] == "moderator"
    by_moderator = api_as(member).patch(f"/api/v1/communities/club/members/{outsider.pk}/",
                                        {"role": "moderator"}, **EN)
    assert by_moderator.status_code == 403
    assert by_moderator.json()["detail"] == (
        "Only an owner can give or take the moderator and owner roles.")
    assert of(outsider, community).role == "member"


def test_moderators_suspend_until_a_date_and_bad_changes_are_400(api_as, make_community,
                                                                  admit, owner, member):
    community = make_community("Club")
    admit(community, member)
    until = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    url = f"/api/v1/communities/club/members/{member.pk}/"
    suspended = api_as(owner).patch(url, {"status": "suspended", "reason": "Late",
                                          "suspended_until": until.isoformat()})
    assert suspended.status_code == 200
    assert datetime.fromisoformat(suspended.json()["suspended_until"]) == until
    assert of(member, community).suspended_until == until
    for body in ({"status": "pending"}, {"role": "king"}, {}):
        bad = api_as(owner).patch(url, body, **EN)
        assert bad.status_code == 400 and bad.json()["code"] == "validation_failed"
    past = api_as(owner).patch(url, {"status": "suspended", "suspended_until":
                                     (timezone.now() - timedelta(days=1)).isoformat()}, **EN)
    assert past.status_code == 400 and "suspended_until" in past.json()["fields"]


def test_remove_a_member_with_a_reason(api_as, make_community, admit, owner, member):
    community = make_community("Club")
    admit(community, member)
    removed = api_as(owner).delete(f"/api/v1/communities/club/members/{member.pk}/",
                                   {"reason": "Moved away"})
    assert removed.status_code == 204
    assert not Membership.objects.filter(user=member).exists()
    assert MembershipEvent.objects.get(action="removed").reason == "Moved away"
    owner_kept = api_as(owner).delete(f"/api/v1/communities/club/members/{owner.pk}/")
    assert owner_kept.status_code == 409
    assert of(owner, community).role == "owner"


def test_leave_and_the_only_owner_cannot(api_as, make_community, admit, owner, member):
    community = make_community("Club")
    admit(community, member)
    assert api_as(member).post("/api/v1/communities/club/leave/").status_code == 204
    assert not Membership.objects.filter(user=member).exists()
    refused = api_as(owner).post("/api/v1/communities/club/leave/", **EN)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "You are the only owner: hand ownership to someone first.")


def test_members_see_active_members_and_moderators_see_requests(api, api_as, make_community,
                                                                admit, owner, member,
                                                                outsider):
    community = make_community(join_policy="approval")
    admit(community, member)
    community_join(actor=outsider, community=community)
    url = "/api/v1/communities/mapo-tool-library/members/"
    for client in (api, api_as(member)):
        seen = client.get(url).json()["results"]
        assert [(m["user"]["id"], m["role"], m["status"]) for m in seen] == [
            (owner.pk, "owner", "active"), (member.pk, "member", "active")]
    pending = api_as(owner).get(url + "?status=pending").json()["results"]
    assert [m["user"] for m in pending] == [{"id": outsider.pk,
                                             "display_name": "Outsider Park"}]
    assert api_as(member).get(url + "?status=pending").json()["results"] == []


def test_the_log_is_for_moderators(api_as, make_community, admit, owner, member, outsider):
    community = make_community("Club")
    admit(community, member)
    api_as(owner).patch(f"/api/v1/communities/club/members/{member.pk}/",
                        {"role": "moderator", "reason": "Helps a lot"})
    events = api_as(member).get("/api/v1/communities/club/events/").json()["results"]
    assert events[0]["action"] == "role_changed" and events[0]["reason"] == "Helps a lot"
    assert events[0]["actor"] == {"id": owner.pk, "display_name": "Owner Kim"}
    assert events[0]["user"] == {"id": member.pk, "display_name": "Member Lee"}
    assert (events[0]["from_value"], events[0]["to_value"]) == ("member", "moderator")
    admit(community, outsider)
    refused = api_as(outsider).get("/api/v1/communities/club/events/")
    assert refused.status_code == 403


# --- privacy ----------------------------------------------------------------------


def test_a_private_community_is_404_for_outsiders_everywhere(api, api_as, make_community,
                                                             admit, owner, member, outsider):
    community = make_community("Secret", visibility="private")
    admit(community, member)
    base = "/api/v1/communities/secret"
    for client in (api, api_as(outsider)):
        assert client.get(f"{base}/").status_code == 404
        assert client.get(f"{base}/members/").status_code == 404
        listed = client.get("/api/v1/communities/").json()["results"]
        assert "secret" not in [c["slug"] for c in listed]
    client = api_as(outsider)
    for method, path in (("post", "/join/"), ("post", "/leave/"), ("get", "/events/"),
                         ("post", "/invites/"), ("patch", "/"),
                         ("post", f"/members/{member.pk}/approve/"),
                         ("post", f"/members/{member.pk}/refuse/"),
                         ("patch", f"/members/{member.pk}/"),
                         ("delete", f"/members/{member.pk}/")):
        response = getattr(client, method)(f"{base}{path}", {"role": "owner"}
                                           if method == "patch" else None)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert of(member, community).role == "member"
    assert api_as(member).get(f"{base}/").status_code == 200


def test_a_private_communitys_count_counts_all_its_members(api_as, make_community, admit,
                                                           member, outsider):
    community = make_community("Secret", visibility="private")
    admit(community, member)
    admit(community, outsider)
    listed = api_as(member).get("/api/v1/communities/").json()["results"]
    assert [(c["slug"], c["member_count"]) for c in listed] == [("secret", 3)]
    assert api_as(member).get("/api/v1/communities/secret/").json()["member_count"] == 3


# --- fixed query counts ------------------------------------------------------------


def test_communities_list_has_a_fixed_query_count(api_as, make_community, owner, member,
                                                  django_assert_max_num_queries):
    for n in range(30):
        community = make_community(f"Club {n}", visibility="private" if n % 5 == 0
                                   else "public")
        if n % 3 == 0:
            community_join(actor=member, community=community,
                           invite_token=invite_create(actor=owner, community=community))
    client = api_as(member)
    # Private clubs 5, 10, 20 and 25 are hidden: the member is not in them.
    for size in (5, 26):
        with django_assert_max_num_queries(5):
            response = client.get(f"/api/v1/communities/?page_size={size}")
        body = response.json()
        assert len(body["results"]) == size and body["count"] == 26
        assert all(c["member_count"] == (2 if int(c["name"].split()[1]) % 3 == 0 else 1)
                   for c in body["results"])


def test_members_list_has_a_fixed_query_count(api_as, make_community, owner, member,
                                              django_assert_max_num_queries):
    community = make_community("Big", join_policy="approval")
    for n in range(30):
        person = make_person(f"m{n}@example.org", f"Person {n}")
        joined = community_join(actor=person, community=community)
        if n % 2:
            Membership.objects.filter(pk=joined.pk).update(status="active")
    client = api_as(owner)
    for size in (5, 31):
        with django_assert_max_num_queries(6):
            response = client.get(f"/api/v1/communities/big/members/?page_size={size}")
        assert len(response.json()["results"]) == size
        assert all(m["user"]["display_name"].startswith(("Person", "Owner"))
                   for m in response.json()["results"])


def test_the_log_has_a_fixed_query_count(api_as, make_community, admit, owner,
                                         django_assert_max_num_queries):
    community = make_community("Big")
    for n in range(15):
        person = make_person(f"m{n}@example.org", f"Person {n}")
        admit(community, person)
        membership_change(actor=owner, membership=of(person, community), status="suspended",
                          reason=f"Reason {n}")
    client = api_as(owner)
    for size in (5, 31):
        with django_assert_max_num_queries(6):
            response = client.get(f"/api/v1/communities/big/events/?page_size={size}")
        assert len(response.json()["results"]) == size


def test_the_schema_describes_the_communities_api(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/v1/communities/", "/api/v1/communities/{slug}/join/",
                 "/api/v1/communities/{slug}/members/{user_id}/",
                 "/api/v1/communities/{slug}/members/{user_id}/approve/",
                 "/api/v1/communities/{slug}/invites/", "/api/v1/communities/{slug}/events/"):
        assert path in paths, path
    components = schema["components"]["schemas"]
    assert {"CommunityOut", "CommunityInRequest", "MemberOut", "PatchedMemberChangeInRequest",
            "JoinOut", "InviteOut", "EventOut"} <= set(components)
    join = paths["/api/v1/communities/{slug}/join/"]["post"]
    assert join["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JoinInRequest"}
    assert join["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JoinOut"}
