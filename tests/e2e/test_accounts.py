"""A new person signs up, verifies their e-mail, logs out, logs in, and
switches the site to Korean, all in Chromium."""

import re

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.e2e.conftest import body_of

PASSWORD = "a-long-passphrase-42"


def test_signup_verify_email_logout_login(page, mailbox):
    page.goto("/")
    page.get_by_test_id("nav-signup").click()
    page.fill("input[name=email]", "hana@example.org")
    page.fill("input[name=display_name]", "Hana")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()

    # Signed in at once (verification is optional in the embedded default).
    expect(page.get_by_test_id("nav-profile")).to_have_text("Hana")

    # The verification e-mail holds a link that confirms the address.
    sent = [m for m in mailbox() if m["To"] == "hana@example.org"]
    assert sent, "no verification e-mail was sent"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body_of(sent[-1])).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    assert EmailAddress.objects.get(email="hana@example.org").verified

    page.get_by_test_id("nav-logout").click()
    expect(page.get_by_test_id("nav-login")).to_be_visible()

    page.get_by_test_id("nav-login").click()
    page.fill("input[name=login]", "hana@example.org")
    page.fill("input[name=password]", "wrong-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("not correct")

    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("nav-profile")).to_have_text("Hana")


def test_language_switch_shows_korean(page):
    page.goto("/")
    expect(page.get_by_test_id("home-title")).to_have_text(
        "Share what you have. Borrow what you need.")

    page.get_by_test_id("language-select").select_option("ko")

    expect(page.get_by_test_id("home-title")).to_have_text("가진 것은 나누고, 필요한 것은 빌려요.")
    expect(page.get_by_test_id("nav-signup")).to_have_text("회원가입")
    assert page.locator("html").get_attribute("lang") == "ko"
