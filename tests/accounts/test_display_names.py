"""Public names never come from the e-mail address (issue 15, point 5):
one is chosen at sign-up, else the person shows as "Neighbour 1234"."""

import re

import pytest
from django.utils import translation

from accounts.models import User
from accounts.services import user_create

pytestmark = pytest.mark.django_db
SIGNUP = "/_allauth/app/v1/auth/signup"


def test_without_a_chosen_name_a_person_is_a_neighbour_with_a_number():
    person = user_create(email="kim.minji@example.org", password=None)
    assert re.fullmatch(r"(Neighbour|이웃) \d{4}", person.display_name)
    assert "kim.minji" not in person.display_name
    number = person.display_name[-4:]
    with translation.override("ko"):  # rendered in the reader's language, same number
        assert person.display_name.endswith(number) and "kim.minji" not in person.display_name


def test_the_sign_up_page_asks_for_an_optional_display_name(client):
    page = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="display_name"' in page
    client.post("/accounts/signup/", {"email": "park@example.org", "display_name": "Park J",
                                      "password1": "a-long-passphrase-42",
                                      "password2": "a-long-passphrase-42"})
    assert User.objects.get(email="park@example.org").display_name == "Park J"
    client.logout()
    client.post("/accounts/signup/", {"email": "lee.secret@example.org",
                                      "password1": "a-long-passphrase-42",
                                      "password2": "a-long-passphrase-42"})
    unnamed = User.objects.get(email="lee.secret@example.org")
    assert re.fullmatch(r"(Neighbour|이웃) \d{4}", unnamed.display_name)


def test_the_headless_sign_up_takes_a_display_name(client):
    response = client.post(SIGNUP, {"email": "app@example.org", "password": "a-long-pass-42",
                                    "display_name": "Choi"}, content_type="application/json")
    assert response.status_code == 200
    assert User.objects.get(email="app@example.org").display_name == "Choi"


def test_the_api_shows_the_neutral_name_and_a_chosen_one_replaces_it(api_as):
    person = user_create(email="hidden.name@example.org", password=None)
    shown = api_as(person).get("/api/v1/me/").json()["display_name"]
    assert re.fullmatch(r"(Neighbour|이웃) \d{4}", shown)
    changed = api_as(person).patch("/api/v1/me/", {"display_name": "Min"})
    assert changed.json()["display_name"] == "Min"
