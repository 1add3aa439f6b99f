"""/stats/ in Chromium, in both languages and at a phone's width (issue 18):
the headline numbers and the charts are there; a screenshot of each is
kept in test-results/ as the run's artefact."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.figures.conftest import city  # noqa: F401  (the hand-counted city)
from tests.harness import ROOT

ARTEFACTS = ROOT / "test-results"


@pytest.mark.parametrize(("locale", "heading", "loans", "mapo"), [
    ("en-US", "The sharing city in numbers", "Loans completed", "Mapo-gu"),
    ("ko-KR", "숫자로 보는 공유도시", "완료된 대여", "마포구"),
])
def test_headline_and_charts_in_each_language(browser, live_site, transactional_db,
                                              city, locale, heading, loans, mapo):  # noqa: F811
    context = browser.new_context(base_url=live_site, locale=locale,
                                  viewport={"width": 360, "height": 800})
    try:
        page = context.new_page()
        page.goto("/stats/")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        loans_card = page.get_by_test_id("headline-bookings_completed")
        expect(loans_card).to_contain_text(loans)
        expect(loans_card.locator("dd")).to_have_text("12")
        expect(page.get_by_test_id("headline-money_saved").locator("dd")).to_have_text(
            "1,262,500원")
        for chart in ("loans", "saved", "districts"):
            svg = page.get_by_test_id(f"chart-{chart}")
            expect(svg).to_be_visible()
            assert svg.bounding_box()["width"] <= 360  # fits the phone
        # The bars are months (the fixture's lie in the past of today's
        # twelve); at most May's shows, the rest behind too few people.
        assert page.get_by_test_id("chart-loans").locator("rect").count() <= 1
        expect(page.get_by_test_id("table-by_district")).to_contain_text(mapo)
        # Nothing wider than the screen: the page reads on a phone.
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 361
                    && e.parentElement.getBoundingClientRect().right <= 361)
            .map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right
                 + ' in ' + e.parentElement.tagName + '.' + e.parentElement.className
                 + ' ' + getComputedStyle(e.parentElement).overflowX)
            .slice(0, 8)""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
        ARTEFACTS.mkdir(exist_ok=True)
        shot = Path(ARTEFACTS / f"stats-{locale[:2]}.png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        context.close()
