import pytest

pytestmark = pytest.mark.django_db


def test_home_says_what_nanum_is(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Share what you have. Borrow what you need." in html
    assert "Sign up" in html and "Log in" in html


def test_language_switch_shows_korean(client):
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ko">' in html
    assert "가진 것은 나누고, 필요한 것은 빌려요." in html
    assert "회원가입" in html
    assert "Share what you have" not in html


def test_allauth_pages_render_in_the_nanum_layout(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="site-header"' in html
    assert 'name="password"' in html


def test_signed_in_person_sees_their_name_and_edits_their_profile(client, member):
    client.force_login(member)
    assert "Member Lee" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    response = client.post("/me/", {"display_name": "이멤버", "bio": "", "district": "성북구"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.display_name == "이멤버"
    assert member.profile.district == "성북구"


def test_profile_page_needs_a_login(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_page_is_a_friendly_404(client, settings):
    settings.DEBUG = False
    page = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404
    assert "not shared with you" in page.content.decode()
