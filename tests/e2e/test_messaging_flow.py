"""Two people, two browsers, one live server: the borrower writes to the
lender from the listing page, then over the conversation's socket; the
lender's open conversation shows it without a reload, with the borrower's
"typing…" first, and the bell in the header of the lender's other page
counts it. The borrower then sees the read mark."""

from playwright.sync_api import expect

from messaging.models import Conversation, Message
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.fixtures.bookings import make_listing


def test_a_message_arrives_live_with_typing_read_mark_and_bell(new_page, owner, member):
    tent = make_listing(owner, title="Family tent")
    borrower, lender = new_page(), new_page()
    log_in(borrower, member.email, PASSWORD)
    log_in(lender, owner.email, PASSWORD)

    # The borrower starts the conversation from the listing (a plain form).
    borrower.goto(f"/listings/{tent.pk}/")
    borrower.get_by_test_id("message-lender").click()
    borrower.get_by_test_id("new-message-text").fill("Hello! Is the tent free this weekend?")
    borrower.get_by_test_id("new-message-send").click()
    conversation = Conversation.objects.get()
    expect(borrower).to_have_url(f"{borrower.url.split('/messages/')[0]}/messages/"
                                 f"{conversation.pk}/")

    # The lender has the conversation open, and another page of the site.
    lender.goto(f"/messages/{conversation.pk}/")
    expect(lender.get_by_test_id("messages")).to_contain_text("Is the tent free")
    elsewhere = lender.context.new_page()
    elsewhere.goto("/my/listings/")
    # Opening the conversation read its notification: no badge.
    expect(elsewhere.get_by_test_id("bell-count")).to_have_class("visually-hidden")
    for page in (borrower, lender):
        expect(page.locator("#conversation-form[data-live=on]")).to_have_count(1)
    expect(elsewhere.locator("[data-bell-count][data-live=on]")).to_have_count(1)
    lender.evaluate("window.stillTheSamePage = true")
    # Every count the other page's bell shows: the lender's open conversation
    # reads the message at once, so the bell's 1 lasts only a moment.
    elsewhere.evaluate("""() => {
        const count = document.querySelector("[data-testid=bell-count]");
        window.bellCounts = [];
        new MutationObserver(() => window.bellCounts.push(count.textContent))
            .observe(count, {childList: true, characterData: true, subtree: true});
    }""")

    # Typing shows on the lender's page; the message follows without a reload.
    borrower.get_by_test_id("message-input").press_sequentially("Can I pick it up at 7?",
                                                                  delay=20)
    expect(lender.get_by_test_id("typing")).to_contain_text("Member Lee is typing")
    borrower.get_by_test_id("message-send").click()
    expect(borrower.get_by_test_id("message-input")).to_have_value("")
    expect(lender.get_by_test_id("message")).to_have_count(2)
    expect(lender.get_by_test_id("message").last).to_contain_text("Can I pick it up at 7?")
    expect(lender.get_by_test_id("message").last).to_contain_text("Member Lee")
    assert lender.evaluate("window.stillTheSamePage") is True
    expect(lender.get_by_test_id("typing")).to_have_text("")

    # The lender's other page: the bell counted it and said so; once the open
    # conversation read it, the count went back to nothing.
    elsewhere.wait_for_function("window.bellCounts.includes('1')")
    expect(elsewhere.get_by_test_id("bell-live")).not_to_be_empty()
    expect(elsewhere.get_by_test_id("bell-count")).to_have_text("0")

    # The lender's page read it: the borrower sees the mark, live.
    expect(borrower.get_by_test_id("read-mark")).to_contain_text("Read")
    assert list(Message.objects.order_by("pk").values_list("text", flat=True)) == [
        "Hello! Is the tent free this weekend?", "Can I pick it up at 7?"]

    # The lender answers; the borrower's page shows it, without a reload.
    lender.get_by_test_id("message-input").fill("Yes, after 7 works.")
    lender.get_by_test_id("message-send").click()
    expect(borrower.get_by_test_id("message").last).to_contain_text("Yes, after 7 works.")
    expect(lender.get_by_test_id("read-mark")).to_contain_text("Read")
