"""Answers anyone would get, kept a few seconds (marketplace/page_cache.py):
served again without running the view, apart by language and Accept, made
afresh after a write, and never for, nor from, someone signed in."""

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from listings.categories import seed_categories
from listings.models import Listing
from listings.services.listing import listing_archive, listing_create, listing_update
from marketplace import page_cache
from marketplace.page_cache import _new_generation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_kept(settings):
    settings.PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def ladder(owner):
    seed_categories()
    return listing_create(actor=owner, title="Aluminium ladder", category="tools",
                          pricing="per_day", price=3000)


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("path", ["/", "/listings/", "/listings/?q=ladder", "listing",
                                  "/communities/", "/api/v1/listings/", "api listing"])
def test_a_page_anyone_gets_is_served_again_without_a_query(client, ladder, path,
                                                            django_assert_num_queries):
    path = {"listing": f"/listings/{ladder.pk}/",
            "api listing": f"/api/v1/listings/{ladder.pk}/"}.get(path, path)
    first = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 200 and not first.cookies, "no cookie, no token"
    with django_assert_num_queries(0):
        again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_languages_are_kept_apart(client, ladder):
    english = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    korean = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="ko"))
    assert '<html lang="en">' in english and '<html lang="ko">' in korean
    assert '<html lang="en">' in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    client.cookies["django_language"] = "ko"  # the header's switch
    assert '<html lang="ko">' in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_the_language_switch_is_a_get_form_that_sets_the_language(client):
    html = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'method="get" class="inline-form language-form"' in html
    assert "csrfmiddlewaretoken" not in html
    response = client.get("/i18n/setlang/", {"language": "ko", "next": "/listings/"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Location"]) == (302, "/listings/")
    assert '<html lang="ko">' in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    elsewhere = client.get("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/"


@pytest.mark.django_db(transaction=True)
def test_a_lenders_change_is_on_the_public_page_at_once(client, ladder, owner):
    path = f"/listings/{ladder.pk}/"
    assert "Aluminium ladder" in _html(client.get(path, HTTP_ACCEPT_LANGUAGE="en"))
    listing_update(actor=owner, listing=ladder, title="Steel ladder")
    html = _html(client.get(path, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Steel ladder" in html and "Aluminium ladder" not in html
    api = client.get("/api/v1/listings/?q=ladder").json()
    listing_create(actor=owner, title="Folding ladder", category="tools")
    again = client.get("/api/v1/listings/?q=ladder").json()
    assert again["count"] == api["count"] + 1


def test_a_signed_in_person_neither_gets_nor_leaves_a_kept_page(client, member):
    anyone = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Member Lee" not in anyone
    client.force_login(member)
    theirs = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Member Lee" in theirs and "nav-logout" in theirs
    client.logout()
    client.cookies.clear()
    assert "Member Lee" not in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_a_signed_in_api_caller_is_not_served_what_anyone_gets(api_as, member, ladder, client):
    client.get(f"/api/v1/listings/{ladder.pk}/")  # kept for anyone
    as_member = api_as(member)
    answer = as_member.get(f"/api/v1/listings/{ladder.pk}/")
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]  # made for them, not the kept one


def test_pages_that_set_a_cookie_or_show_a_form_token_are_not_kept(client):
    login = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "csrfmiddlewaretoken" in login.content.decode()
    client.cookies.clear()
    again = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.cookies.get("csrftoken"), "made afresh, with its own token"


def test_a_refusal_is_not_kept(client, ladder, owner):
    assert client.get("/listings/999999/").status_code == 404
    assert client.get("/api/v1/listings/?radius_km=oops").status_code == 400
    hidden = listing_create(actor=owner, title="Hidden ladder", category="tools",
                            status="draft")
    assert client.get(f"/listings/{hidden.pk}/").status_code == 404
    # Nothing commits inside the test's transaction, so no new generation
    # starts: the 404 was simply not kept.
    Listing.objects.filter(pk=hidden.pk).update(status="active")
    assert client.get(f"/listings/{hidden.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_bulk_update_or_archive_is_on_the_public_page_at_once(client, ladder, owner):
    """Writes that send no signal count too: every write to a table of
    what pages show starts a new generation."""
    path = f"/listings/{ladder.pk}/"
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/listings/?q=ladder").json()["count"] == 1
    listing_archive(actor=owner, listing=ladder)
    assert client.get(path).status_code == 404
    assert client.get("/api/v1/listings/?q=ladder").json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_one_new_generation_a_transaction_however_many_writes(owner):
    seed_categories()
    connection_now = transaction.get_connection()
    before = len(connection_now.run_on_commit)
    with transaction.atomic():
        for n in range(3):
            listing_create(actor=owner, title=f"Ladder {n}", category="tools")
        added = [entry[1] for entry in connection_now.run_on_commit[before:]]
    assert added.count(_new_generation) == 1


def test_a_sign_in_leaves_the_kept_pages(client, member, ladder):
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    other = Client()
    other.force_login(member)  # last_login written
    kept = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert kept.status_code == 200


def test_a_kept_answer_still_varies_on_cookie(client):
    made = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    kept = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Cookie" in made["Vary"] and "Cookie" in kept["Vary"]


def test_requests_with_headers_of_their_own_get_answers_of_their_own(client, ladder,
                                                                     django_assert_max_num_queries):
    path = f"/api/v1/listings/{ladder.pk}/"
    client.get(path)
    for header in ("HTTP_X_EMAIL_VERIFICATION_KEY", "HTTP_HX_REQUEST", "HTTP_AUTHORIZATION"):
        with CaptureQueriesContext(connection) as made:
            client.get(path, **{header: "x"})
        assert len(made) > 0, f"{header}: made afresh"
    with django_assert_max_num_queries(0):
        client.get(path, HTTP_X_FORWARDED_FOR="203.0.113.9")  # a proxy's: still anyone's


def test_with_the_cache_unreachable_pages_are_made_afresh(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache.cache, "get", unreachable)  # the default cache, Redis at scale
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    monkeypatch.setattr(page_cache.cache, "set", unreachable)
    page_cache._new_generation()  # logged, not raised: the write it follows has happened


def test_a_big_answer_is_not_kept(client, ladder, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(page_cache, "MAX_KEPT_BYTES", 100)
    client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as made:
        client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(made) > 0


def test_a_signed_in_switch_is_a_post_and_a_get_does_not_change_their_language(client, member):
    client.force_login(member)
    html = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'method="post" class="inline-form language-form"' in html
    client.get("/i18n/setlang/", {"language": "ko", "next": "/"})
    member.refresh_from_db()
    assert member.language != "ko"
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    member.refresh_from_db()
    assert member.language == "ko"
