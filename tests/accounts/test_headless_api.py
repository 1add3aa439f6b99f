"""Apps sign up and log in through allauth's headless API, then use the token."""

import pytest

from accounts.models import User

SIGNUP = "/_allauth/app/v1/auth/signup"
LOGIN = "/_allauth/app/v1/auth/login"

pytestmark = pytest.mark.django_db


def signup(client, email="app-user@example.org", password="a-long-passphrase-42"):
    return client.post(SIGNUP, {"email": email, "password": password},
                       content_type="application/json")


def test_signup_returns_a_session_token_that_authenticates_the_api(client):
    response = signup(client)
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]

    me = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)

    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "app-user@example.org"
    # Changed with issue 15: never the e-mail's local part, a neutral name.
    assert body["display_name"].startswith(("Neighbour ", "이웃 ")) and "app-user" not in body["display_name"]
    # The sign-up made the profile in the same step.
    assert User.objects.get(email="app-user@example.org").profile.display_name == ""


def test_login_with_the_right_password_returns_a_token(client, owner):
    response = client.post(LOGIN, {"email": owner.email, "password": "correct-horse-battery"},
                           content_type="application/json")
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]

    me = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)
    assert me.json()["id"] == owner.id
    assert me.json()["display_name"] == "Owner Kim"


def test_wrong_password_is_refused_with_a_clear_message(client, owner):
    response = client.post(LOGIN, {"email": owner.email, "password": "not-it"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any("password" in e["message"].lower() for e in errors), errors


def test_repeated_wrong_passwords_are_rate_limited(client, owner):
    def attempt(password):
        response = client.post(LOGIN, {"email": owner.email, "password": password},
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        return response.status_code, [e["code"] for e in response.json()["errors"]]

    first = [attempt(f"wrong-{i}") for i in range(5)]
    assert first == [(400, ["email_password_mismatch"])] * 5
    # allauth's failed-login limit (5 per 5 minutes per account) now holds...
    assert attempt("wrong-again") == (400, ["too_many_login_attempts"])
    # ...even against the right password, so guessing gains nothing.
    assert attempt("correct-horse-battery") == (400, ["too_many_login_attempts"])


def test_a_bad_token_is_not_a_login(client):
    response = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN="not-a-real-token")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_without_credentials_is_401_not_authenticated(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_person_edits_their_profile_through_the_api(api_as, member):
    response = api_as(member).patch("/api/v1/me/", {"district": "마포구", "bio": "Hi"})
    assert response.status_code == 200
    assert response.json()["district"] == "마포구"
    member.profile.refresh_from_db()
    assert member.profile.bio == "Hi"
