"""A new person joins an open community, lists a drill with a photo, finds
it by a Korean word, and opens it: issue 3 in Chromium."""

import io

from playwright.sync_api import expect

from community_rules.services import community_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 140, 100)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_join_list_with_a_photo_find_by_korean_word_and_open(page, owner, member):
    community_create(actor=owner, name="Mapo Tool Library", join_policy="open")
    log_in(page, member.email, PASSWORD)

    page.get_by_test_id("nav-communities").click()
    page.get_by_role("link", name="Mapo Tool Library").click()
    page.get_by_test_id("join-community").click()
    expect(page.get_by_test_id("membership-status")).to_contain_text("You are a member")

    page.get_by_test_id("nav-share").click()
    page.fill("#id_title", "전동 드릴 빌려드려요")
    page.fill("#id_description", "보쉬 18V, 배터리 두 개")
    page.select_option("#id_category", "power-tools")
    page.fill("#id_deposit", "10000")
    page.fill("#id_district", "마포구")
    page.locator("#id_communities input[value=mapo-tool-library]").check()
    page.set_input_files("#id_photos", files=[{"name": "drill.jpg", "mimeType": "image/jpeg",
                                               "buffer": jpeg_bytes()}])
    page.get_by_test_id("save-listing").click()
    expect(page.get_by_test_id("listing-title")).to_have_text("전동 드릴 빌려드려요")

    page.get_by_test_id("nav-browse").click()
    page.get_by_test_id("search-q").fill("드릴")
    page.get_by_test_id("search-submit").click()
    card = page.get_by_test_id("listing-card").filter(has_text="전동 드릴 빌려드려요")
    expect(card).to_have_count(1)
    expect(card.locator("img")).to_have_count(1)
    card.get_by_role("link").first.click()
    expect(page.get_by_test_id("listing-title")).to_have_text("전동 드릴 빌려드려요")
    expect(page.locator("main")).to_contain_text("Mapo Tool Library")
