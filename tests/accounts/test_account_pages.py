"""allauth's account pages work in Nanum: password reset, two-factor (TOTP),
and social providers that switch on when their keys are set."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value
from django.core import mail

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_password_reset_sends_a_link_that_sets_a_new_password(client, member):
    response = client.post("/accounts/password/reset/", {"email": member.email},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(word for word in body.split() if "/accounts/password/reset/key/" in word)
    path = link.split("testserver", 1)[1]

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    reset_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(reset_url, {"password1": "a-brand-new-pass-99",
                                   "password2": "a-brand-new-pass-99"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-brand-new-pass-99")


def test_a_person_turns_on_totp_and_is_asked_for_a_code_at_login(client, member):
    client.force_login(member)
    # Security settings ask for the password again first.
    page = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/reauthenticate/")
    client.post(page["Location"], {"password": "correct-horse-battery"})
    page = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = hotp_value(secret, int(time.time()) // 30)
    activated = client.post("/accounts/2fa/totp/activate/", {"code": f"{code:06d}"})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()

    client.logout()
    login = client.post("/accounts/login/", {"login": member.email,
                                             "password": "correct-horse-battery"})
    # The password alone is not enough any more: the second step asks for the code.
    assert login.status_code == 302
    assert "/accounts/2fa/authenticate/" in login["Location"]


def test_social_providers_switch_on_when_their_keys_are_set():
    code = ("from django.conf import settings; "
            "print(sorted(a for a in settings.INSTALLED_APPS if '.providers.' in a))")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}

    def providers(**keys):
        return subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
                              cwd=ROOT, env={**env, **keys}, capture_output=True, text=True,
                              timeout=120).stdout.strip()

    assert providers() == "[]"
    assert providers(KAKAO_CLIENT_ID="k", KAKAO_SECRET="s", NAVER_CLIENT_ID="n") == (
        "['allauth.socialaccount.providers.kakao', 'allauth.socialaccount.providers.naver']")
