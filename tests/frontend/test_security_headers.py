"""Web security headers: a Content-Security-Policy that allows nothing inline
(and pages that need nothing inline), Permissions-Policy, and no caching of a
signed-in person's API answers."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from community_rules.governance import proposal_create, rule_add
from community_rules.models import Community, Membership

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/_allauth/app/v1/auth/login"


class InlineCode(HTMLParser):
    """Collects what a strict policy refuses: <script> without src, <style>,
    style= attributes and on*= handlers (hx-on* included)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style" or name.startswith(("on", "hx-on", "data-hx-on")):
                self.found.append(f'<{tag} {name}="{value}"> at line {self.getpos()[0]}')

    handle_startendtag = handle_starttag


def inline_code_in(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_strict_page(response, path):
    assert response.status_code == 200, (path, response.status_code)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy
    assert directives["script-src"] == "'self'", policy
    assert directives["style-src"] == "'self'", policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert inline_code_in(response.content.decode()) == [], path


@pytest.fixture
def library(owner, member):
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    rule_add(actor=owner, community=community, type="max_loan_duration", params={"days": 7})
    return community


@pytest.fixture
def parents(owner, member):
    community = Community.objects.create(name="Parents", slug="parents", governance="democratic")
    for person in (owner, member):
        Membership.objects.create(community=community, user=person, status="active")
    return community


def test_public_pages_carry_a_strict_policy_and_no_inline_code(client, drill, library):
    for path in ["/", "/listings/", "/listings/?q=drill", f"/listings/{drill.pk}/",
                 "/communities/", "/communities/library/", "/communities/library/charter/",
                 "/companies/", "/accounts/login/", "/accounts/signup/",
                 "/accounts/password/reset/"]:
        assert_strict_page(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), path)


def test_a_borrowers_pages_carry_a_strict_policy_and_no_inline_code(
        client, member, drill, requested, parents):
    proposal = proposal_create(actor=member, community=parents, action="add",
                               rule_type="max_loan_duration", params={"days": 2})
    client.force_login(member)
    for path in ["/", f"/listings/{drill.pk}/", f"/listings/{drill.pk}/book/",
                 "/my/bookings/", f"/bookings/{requested.pk}/", "/me/",
                 f"/proposals/{proposal.pk}/", "/communities/parents/proposals/new/",
                 "/communities/parents/charter/", "/communities/new/", "/companies/new/"]:
        assert_strict_page(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), path)


def test_a_lenders_and_moderators_pages_carry_a_strict_policy_and_no_inline_code(
        client, owner, drill, requested, library):
    client.force_login(owner)
    for path in [f"/listings/{drill.pk}/", "/listings/new/", f"/listings/{drill.pk}/edit/",
                 f"/listings/{drill.pk}/hours/", f"/listings/{drill.pk}/calendar/",
                 "/my/listings/", "/my/bookings/?role=lender", f"/bookings/{requested.pk}/",
                 "/communities/library/members/", "/communities/library/invite/",
                 "/communities/library/charter/", "/communities/library/history/",
                 "/communities/library/moderation/"]:
        assert_strict_page(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), path)
    # The invite link, once made, is selected on focus by our script.
    made = client.post("/communities/library/invite/", {"days": "7"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="invite-link"' in made.content.decode()
    assert_strict_page(made, "invite link")


def test_htmx_keeps_its_indicator_style_in_our_stylesheet(client):
    html = client.get("/").content.decode()
    assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles": false' in html
    assert "/static/js/nanum.js" in html


def test_sockets_to_the_same_host_are_allowed(client):
    policy = client.get("/")["Content-Security-Policy"]
    connect = next(d for d in policy.split(";") if d.strip().startswith("connect-src"))
    assert connect.split()[1:] == ["'self'", "ws://testserver"]
    secure = client.get("/", secure=True)["Content-Security-Policy"]
    assert "wss://testserver" in secure


def test_permissions_policy_switches_off_what_no_page_uses(client, api):
    for response in (client.get("/"), api.get("/api/v1/listings/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy
        assert "geolocation=(self)" in policy and "payment=(self)" in policy
    assert client.get("/")["Referrer-Policy"] == "same-origin"


def test_api_answers_to_a_signed_in_caller_are_not_stored(api, api_as, member, drill):
    signed_in = api_as(member)
    for path in ["/api/v1/me/", "/api/v1/listings/", f"/api/v1/listings/{drill.pk}/"]:
        assert "no-store" in signed_in.get(path)["Cache-Control"], path
    # Refusals too: they can name the caller's things.
    assert "no-store" in signed_in.get("/api/v1/bookings/999999/")["Cache-Control"]
    # A public answer to an anonymous caller may be cached.
    assert "no-store" not in api.get("/api/v1/listings/").get("Cache-Control", "")


def test_api_answers_to_an_app_token_are_not_stored(client, owner):
    login = client.post(LOGIN, {"email": owner.email, "password": "correct-horse-battery"},
                        content_type="application/json")
    assert "no-store" in login["Cache-Control"]
    token = login.json()["meta"]["session_token"]
    me = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)
    assert me.status_code == 200 and "no-store" in me["Cache-Control"]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DJANGO_ENV", "PYTEST_VERSION")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


PRODUCTION = {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "nanum.example",
              "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
              "KAKAO_CLIENT_ID": "kakao-app"}


def test_production_policy_passes_the_deploy_check_and_lets_social_sign_in_through():
    checked = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
    shown = manage("shell", "--no-imports", "-c",
                   "from csp.utils import build_policy; print(build_policy())", **PRODUCTION)
    policy = shown.stdout.strip()
    assert "'unsafe-inline'" not in policy, shown.stderr
    assert "form-action 'self' https://kauth.kakao.com" in policy
