"""Pages under the strict Content-Security-Policy still work in Chromium: our
small scripts come from files, and the Swagger page runs without inline code.
(conftest fails any test whose pages the browser refused parts of.)"""

from playwright.sync_api import expect

from community_rules.models import Community, Membership
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def test_invite_link_is_selected_whole_when_focused(page, owner):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    log_in(page, owner.email, PASSWORD)

    page.goto("/communities/library/invite/")
    page.get_by_test_id("make-invite").click()
    link = page.get_by_test_id("invite-link")
    # The new page's scripts (deferred) have run: the focus is theirs to answer.
    page.wait_for_load_state("load")
    link.focus()

    value = link.input_value()
    assert "/communities/join/" in value
    page.wait_for_function(
        "() => { const input = document.querySelector('[data-testid=invite-link]');"
        " return input.value.length > 0 && input.selectionStart === 0"
        " && input.selectionEnd === input.value.length; }", timeout=5000)


def test_the_api_docs_page_lists_the_operations(page):
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 10
