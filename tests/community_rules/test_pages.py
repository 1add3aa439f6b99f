"""The community pages: list, start one, its page, join and leave, members
with requests and controls for moderators, invite links, and privacy."""

import html as html_text
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community_rules.models import Community, Membership, MembershipEvent
from community_rules.services import community_join, invite_create, membership_change
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def of(person, community) -> Membership:
    return Membership.objects.get(user=person, community=community)


def said(response) -> list[tuple[str, str]]:
    """The messages the person is shown after a form: those of the page the
    form led to (so none are left over for the next request)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def post(client, path: str, data: dict | None = None):
    """Send a form as a browser does and follow where it leads."""
    return client.post(path, data or {}, follow=True, **EN)


def landed(response) -> str:
    return response.redirect_chain[-1][0]


def test_the_url_names_others_link_to():
    assert reverse("community-list") == "/communities/"
    assert reverse("community-create") == "/communities/new/"
    assert reverse("community-detail", args=["mapo"]) == "/communities/mapo/"
    assert reverse("community-members", args=["mapo"]) == "/communities/mapo/members/"
    assert reverse("community-invite", args=["mapo"]) == "/communities/mapo/invite/"
    assert reverse("community-invite-accept", args=["abc:def"]) == (
        "/communities/join/abc:def/")


# --- list and create ---------------------------------------------------------------


def test_the_list_shows_public_communities_and_my_private_ones(client, make_community, admit,
                                                               member, outsider):
    make_community("Mapo Tool Library")
    admit(make_community("Secret Building", visibility="private"), member)
    client.force_login(outsider)
    html = client.get("/communities/", **EN).content.decode()
    assert "Mapo Tool Library" in html and "Secret Building" not in html
    client.force_login(member)
    html = client.get("/communities/", **EN).content.decode()
    assert "Secret Building" in html and "2 members" in html and "You are a member" in html


def test_the_list_has_a_fixed_query_count(client, make_community, admit, member,
                                          django_assert_max_num_queries):
    for n in range(30):
        community = make_community(f"Club {n:02}")
        if n % 2:
            admit(community, member)
    client.force_login(member)
    for page in (1, 2):
        with django_assert_max_num_queries(7):  # 6, and the header's bell
            response = client.get(f"/communities/?page={page}", **EN)
        assert response.status_code == 200


def test_start_a_community_from_the_form(client, owner):
    client.force_login(owner)
    assert client.get("/communities/new/", **EN).status_code == 200
    response = post(client, "/communities/new/", {
        "name": "Raemian 3-danji", "description": "Our building", "district": "Mapo-gu",
        "join_policy": "invite", "visibility": "private", "governance": "democratic"})
    community = Community.objects.get()
    assert landed(response) == "/communities/raemian-3-danji/"
    assert (community.join_policy, community.visibility, community.governance) == (
        "invite", "private", "democratic")
    assert of(owner, community).role == "owner"
    assert said(response) == [("success", "Your community is ready. You are its owner.")]


def test_a_refused_form_says_why_and_keeps_what_was_typed(client, owner):
    client.force_login(owner)
    response = post(client, "/communities/new/", {
        "name": " ", "description": "Kept text", "join_policy": "approval",
        "visibility": "private", "governance": "moderated"})
    assert response.status_code == 200 and not Community.objects.exists()
    html = response.content.decode()
    assert "Give the community a name." in html and "Kept text" in html
    assert '<option value="approval" selected>' in html
    assert '<option value="private" selected>' in html


def test_starting_a_community_needs_a_login(client):
    response = client.get("/communities/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the community's page -----------------------------------------------------------


def test_the_page_says_how_the_community_works_in_plain_words(client, make_community):
    make_community(description="Drills and ladders", district="Mapo-gu",
                   join_policy="approval", governance="democratic")
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert "Drills and ladders" in html and "Mapo-gu" in html and "1 member" in html
    assert "Anyone can ask to join; a moderator admits new members." in html
    assert "Public: anyone can see this community and its members." in html
    assert "Democratic: members propose the rules of sharing and vote on them." in html
    assert "Log in to join" in html


def test_the_page_lists_what_is_shared_in_the_community(client, make_community, admit, owner,
                                                        member, outsider):
    community = make_community()
    admit(community, member)
    public = make_listing(owner, title="Ladder", pricing="per_day", price=3000)
    public.communities.add(community)
    members_only = make_listing(owner, title="Members drill", visibility="communities")
    members_only.communities.add(community)
    make_listing(owner, title="Elsewhere tent")
    paused = make_listing(owner, title="Paused saw", status="paused")
    paused.communities.add(community)
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert f'href="/listings/{public.pk}/"' in html and "3,000원 / day" in html
    assert "Members drill" in html
    assert "Elsewhere tent" not in html and "Paused saw" not in html
    client.force_login(outsider)
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert "Ladder" in html and "Members drill" not in html


def test_join_an_open_community_from_its_page(client, make_community, member):
    make_community(join_policy="open")
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert 'data-testid="join-community"' in html and ">Join<" in html
    response = post(client, "/communities/mapo-tool-library/join/")
    assert landed(response) == "/communities/mapo-tool-library/"
    assert said(response) == [("success", "Welcome! You are a member now.")]
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert "You are a member" in html and 'data-testid="leave-community"' in html


def test_ask_to_join_then_withdraw_the_request(client, make_community, member):
    community = make_community(join_policy="approval")
    client.force_login(member)
    assert "Ask to join" in client.get("/communities/mapo-tool-library/", **EN).content.decode()
    response = post(client, "/communities/mapo-tool-library/join/")
    assert said(response) == [("success", "Your request is sent to the moderators.")]
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert "Your request is waiting for a moderator" in html
    response = post(client, "/communities/mapo-tool-library/leave/")
    assert said(response) == [("success", "Your request to join is withdrawn.")]
    assert not community.memberships.filter(user=member).exists()


def test_an_invite_only_community_has_no_join_button(client, make_community, member):
    make_community(join_policy="invite")
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert 'data-testid="join-community"' not in html
    assert "Invite only: ask a moderator for a link." in html
    response = post(client, "/communities/mapo-tool-library/join/")
    assert said(response) == [("error", "This community is invite only: ask one of its "
                                        "moderators for an invite link.")]
    assert not Membership.objects.filter(user=member).exists()


def test_leaving_and_the_only_owner_is_told_why_not(client, make_community, admit, owner,
                                                    member):
    community = make_community()
    admit(community, member)
    client.force_login(member)
    response = post(client, "/communities/mapo-tool-library/leave/")
    assert landed(response) == "/communities/"
    assert said(response) == [("success", "You left Mapo Tool Library.")]
    client.force_login(owner)
    response = post(client, "/communities/mapo-tool-library/leave/")
    assert landed(response) == "/communities/mapo-tool-library/"
    assert said(response) == [("error", "You are the only owner: hand ownership to someone "
                                        "first.")]
    assert of(owner, community).role == "owner"


def test_a_suspended_member_sees_until_when(client, make_community, admit, owner, member):
    community = make_community()
    admit(community, member)
    until = timezone.localtime() + timedelta(days=3)
    membership_change(actor=owner, membership=of(member, community), status="suspended",
                      suspended_until=until)
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/", **EN).content.decode()
    assert f"Your membership is suspended until {until:%Y-%m-%d %H:%M}" in html


# --- members ------------------------------------------------------------------------


def test_moderators_see_requests_and_approve_or_refuse_them(client, make_community, owner,
                                                            member, outsider):
    community = make_community(join_policy="approval")
    community_join(actor=member, community=community)
    community_join(actor=outsider, community=community)
    client.force_login(owner)
    html = client.get("/communities/mapo-tool-library/members/", **EN).content.decode()
    assert 'data-testid="pending-requests"' in html
    assert f'data-testid="approve-{member.pk}"' in html and "Outsider Park" in html
    response = post(client, f"/communities/mapo-tool-library/members/{member.pk}/approve/")
    assert said(response) == [("success", "Member Lee is a member now.")]
    assert of(member, community).status == "active"
    response = post(client, f"/communities/mapo-tool-library/members/{outsider.pk}/refuse/",
                           {"reason": "Not from this building"})
    assert said(response) == [("success", "Outsider Park's request is refused.")]
    assert not community.memberships.filter(user=outsider).exists()
    refused = MembershipEvent.objects.get(action="refused")
    assert (refused.actor, refused.reason) == (owner, "Not from this building")


def test_members_see_members_but_no_requests_or_controls(client, make_community, admit,
                                                         member, outsider):
    community = make_community(join_policy="approval")
    admit(community, member)
    community_join(actor=outsider, community=community)
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/members/", **EN).content.decode()
    assert "Owner Kim" in html and "Member Lee" in html
    assert "Outsider Park" not in html and "pending-requests" not in html
    assert "Change status" not in html and "Change role" not in html
    response = post(client, f"/communities/mapo-tool-library/members/{outsider.pk}/approve/")
    assert said(response) == [("error", "Only the community's moderators can do that.")]
    assert of(outsider, community).status == "pending"


def test_the_owner_makes_a_moderator_and_a_member_cannot(client, make_community, admit, owner,
                                                         member, outsider):
    community = make_community()
    admit(community, member)
    admit(community, outsider)
    client.force_login(member)
    response = post(client, f"/communities/mapo-tool-library/members/{outsider.pk}/role/",
                           {"role": "moderator"})
    assert said(response)[0][0] == "error" and of(outsider, community).role == "member"
    client.force_login(owner)
    html = client.get("/communities/mapo-tool-library/members/", **EN).content.decode()
    assert f'data-testid="change-role-{member.pk}"' in html
    response = post(client, f"/communities/mapo-tool-library/members/{member.pk}/role/",
                           {"role": "moderator", "reason": "Runs Saturdays"})
    assert said(response) == [("success", "Member Lee's role is changed.")]
    event = MembershipEvent.objects.get(action="role_changed")
    assert (event.actor, event.to_value, event.reason) == (owner, "moderator",
                                                           "Runs Saturdays")


def test_an_owner_steps_down_from_the_members_page(client, make_community, admit, owner,
                                                   member):
    community = make_community()
    client.force_login(owner)
    alone = post(client, f"/communities/mapo-tool-library/members/{owner.pk}/role/",
                 {"role": "moderator"})
    assert said(alone) == [("error", "You are the only owner: make someone else an owner "
                                     "first.")]
    admit(community, member, "owner")
    html = client.get("/communities/mapo-tool-library/members/", **EN).content.decode()
    assert "Step down" in html
    stepped = post(client, f"/communities/mapo-tool-library/members/{owner.pk}/role/",
                   {"role": "moderator", "reason": "Too busy"})
    assert said(stepped) == [("success", "Owner Kim's role is changed.")]
    assert of(owner, community).role == "moderator"
    same = post(client, f"/communities/mapo-tool-library/members/{owner.pk}/role/",
                {"role": "moderator"})
    assert said(same) == [("success", "Nothing changed.")]


def test_a_moderator_gets_status_controls_for_members_only(client, make_community, admit,
                                                           owner, member, outsider):
    community = make_community()
    admit(community, member, "moderator")
    admit(community, outsider)
    client.force_login(member)
    html = client.get("/communities/mapo-tool-library/members/", **EN).content.decode()
    assert f'data-testid="change-status-{outsider.pk}"' in html
    assert f'data-testid="change-status-{owner.pk}"' not in html
    assert f'data-testid="change-status-{member.pk}"' not in html
    assert "change-role-" not in html


def test_suspend_until_a_date_from_the_members_page(client, make_community, admit, owner,
                                                    member):
    community = make_community()
    admit(community, member)
    client.force_login(owner)
    until = (timezone.localtime() + timedelta(days=5)).replace(second=0, microsecond=0)
    response = post(client, f"/communities/mapo-tool-library/members/{member.pk}/status/", {
        "status": "suspended", "suspended_until": until.strftime("%Y-%m-%dT%H:%M"),
        "reason": "Late twice"})
    assert said(response) == [("success", "Member Lee's status is changed.")]
    assert of(member, community).suspended_until == until
    bad = post(client, f"/communities/mapo-tool-library/members/{member.pk}/status/", {
        "status": "suspended", "suspended_until": "next week", "reason": "x"})
    assert said(bad) == [("error", "Give the end of the suspension as a date and a time.")]
    back = post(client, f"/communities/mapo-tool-library/members/{member.pk}/reinstate/",
                       {"reason": "Sorted"})
    assert said(back)[0][0] == "success" and of(member, community).status == "active"


def test_remove_from_the_members_page(client, make_community, admit, owner, member):
    community = make_community()
    admit(community, member)
    client.force_login(owner)
    response = post(client, f"/communities/mapo-tool-library/members/{member.pk}/remove/",
                           {"reason": "Moved away"})
    assert said(response) == [("success", "Member Lee is no longer in the community.")]
    assert not community.memberships.filter(user=member).exists()
    assert MembershipEvent.objects.get(action="removed").reason == "Moved away"


def test_actions_need_a_post(client, make_community, admit, owner, member):
    community = make_community()
    admit(community, member)
    client.force_login(owner)
    assert client.get(f"/communities/mapo-tool-library/members/{member.pk}/remove/"
                      ).status_code == 405
    assert client.get("/communities/mapo-tool-library/join/").status_code == 405
    assert of(member, community).status == "active"


def test_the_members_page_has_a_fixed_query_count(client, make_community, owner,
                                                  django_assert_max_num_queries):
    community = make_community(join_policy="approval")
    for n in range(60):
        joined = community_join(actor=make_person(f"m{n}@example.org", f"Person {n}"),
                                community=community)
        if n % 3:
            Membership.objects.filter(pk=joined.pk).update(status="active")
    client.force_login(owner)
    for page in (1, 2):
        with django_assert_max_num_queries(11):  # 10, and the header's bell
            response = client.get(f"/communities/mapo-tool-library/members/?page={page}",
                                  **EN)
        assert response.status_code == 200


# --- invites -------------------------------------------------------------------------


def test_moderators_make_an_invite_link(client, make_community, admit, owner, member):
    community = make_community(join_policy="invite")
    admit(community, member)
    client.force_login(member)
    refused = client.get("/communities/mapo-tool-library/invite/", **EN)
    assert refused.status_code == 403
    assert "Only the community's moderators can make invite links." in html_text.unescape(
        refused.content.decode())
    client.force_login(owner)
    response = post(client, "/communities/mapo-tool-library/invite/", {"days": "14"})
    page = response.content.decode()
    assert 'data-testid="invite-link"' in page and "http://testserver/communities/join/" in page


def test_an_invited_person_joins_a_private_community_from_the_link(client, make_community,
                                                                   owner, outsider):
    community = make_community("Raemian", join_policy="invite", visibility="private")
    token = invite_create(actor=owner, community=community)
    client.force_login(outsider)
    assert client.get("/communities/raemian/").status_code == 404
    page = client.get(f"/communities/join/{token}/", **EN)
    assert page.status_code == 200
    assert "You are invited to Raemian" in page.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()  # a GET joins no one
    response = post(client, f"/communities/join/{token}/")
    assert landed(response) == "/communities/raemian/"
    assert said(response) == [("success", "Welcome to Raemian!")]
    assert of(outsider, community).status == "active"
    again = client.get(f"/communities/join/{token}/", **EN).content.decode()
    assert 'data-testid="already-member"' in again


def test_an_invite_link_asks_anonymous_people_to_log_in(client, make_community, owner):
    token = invite_create(actor=owner, community=make_community(join_policy="invite"))
    response = client.get(f"/communities/join/{token}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_broken_and_expired_invite_links_say_why(client, make_community, owner, member,
                                                 monkeypatch):
    token = invite_create(actor=owner, community=make_community(join_policy="invite"),
                          days=1)
    client.force_login(member)
    broken = client.get(f"/communities/join/{token[:-3]}xyz/", **EN)
    assert broken.status_code == 403
    assert "This invite link is not valid" in broken.content.decode()
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expired = post(client, f"/communities/join/{token}/")
    assert expired.status_code == 403
    assert "This invite link has expired" in expired.content.decode()
    assert not Membership.objects.filter(user=member).exists()


# --- privacy --------------------------------------------------------------------------


def test_private_community_pages_are_404_for_outsiders(client, make_community, admit, owner,
                                                       member, outsider):
    community = make_community("Secret", visibility="private")
    admit(community, member)
    for person in (None, outsider):
        if person is not None:
            client.force_login(person)
        for path in ("/communities/secret/", "/communities/secret/members/"):
            assert client.get(path).status_code == 404, path
        assert "Secret" not in client.get("/communities/").content.decode()
    for path in ("/communities/secret/join/", "/communities/secret/leave/",
                 "/communities/secret/invite/",
                 f"/communities/secret/members/{member.pk}/remove/",
                 f"/communities/secret/members/{member.pk}/role/"):
        assert client.post(path, {"role": "owner"}).status_code == 404, path
    assert client.get("/communities/secret/invite/").status_code == 404
    assert of(member, community).role == "member"
    assert not Membership.objects.filter(user=outsider).exists()
    client.force_login(member)
    assert client.get("/communities/secret/").status_code == 200
    assert client.get("/communities/secret/members/").status_code == 200
