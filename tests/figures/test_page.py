"""/stats/ (issue 18, point 4): headline figures, charts drawn as SVG on the
server, a table under every chart, in Korean and English."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from figures.selectors import CACHE_KEY, city_figures
from tests.figures.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed_on_the_fixtures_day(city):
    """The figures as on the hand-counted city's day, in the cache the page
    reads (the page itself computes on today's clock)."""
    cache.set(CACHE_KEY, city_figures(now=NOW), 300)


def page(client, language):
    response = client.get("/stats/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_headline_charts_and_tables_in_english(client, city, computed_on_the_fixtures_day):
    html = page(client, "en")
    assert "The sharing city in numbers" in html
    loans = re.search(r'data-testid="headline-bookings_completed"><dt>([^<]+)</dt><dd>([^<]+)<',
                      html)
    assert loans.groups() == ("Loans completed", "12")
    assert 'data-testid="headline-money_saved"><dt>Kept in residents&#x27; pockets (won)</dt>' \
           '<dd>1,262,500원' in html
    for chart in ("loans", "saved", "districts"):
        assert f'data-testid="chart-{chart}"' in html
    # May's eight loans are drawn; the months behind too few people are not.
    assert re.search(r'class="chart-value">8</text>', html)
    for table in ("by_month", "by_district", "companies_by_field", "listings_by_kind",
                  "listings_by_category", "communities"):
        assert f'data-testid="table-{table}"' in html
    assert "not shown" in html and "Secret Shed" not in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_in_korean(client, city):
    html = page(client, "ko")
    assert 'lang="ko"' in html
    assert re.search(r'data-testid="headline-bookings_completed"><dt>[^<]*[가-힣][^<]*</dt>'
                     r'<dd>12<', html)
    assert "마포구" in html
    assert "/api/v1/stats/by_month.csv?lang=ko" in html


def test_from_the_cache_a_fixed_small_number_of_queries(client, city):
    page(client, "en")
    with CaptureQueriesContext(connection) as queries:
        page(client, "en")
    assert len(queries) == 0  # nobody signed in; the figures from the cache


def test_an_empty_city_says_so(client, db):
    html = page(client, "en")
    assert "Nothing to count yet." in html
    assert 'data-testid="chart-loans"' in html


def test_the_footer_links_it(client, db):
    assert 'href="/stats/"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_values_above_narrow_bars_are_short():
    from django.utils import translation

    from frontend.charts import short_number
    with translation.override("ko"):
        assert [short_number(v) for v in (9_999, 562_500, 123_000_000)] == [
            "9,999", "56만", "1.2억"]
    with translation.override("en"):
        assert [short_number(v) for v in (9_999, 562_500, 1_250_000)] == [
            "9,999", "562k", "1.2M"]


def test_the_drawn_page_is_kept_per_language(client, city):
    english = page(client, "en")
    korean = page(client, "ko")
    assert "The sharing city in numbers" in english and "숫자로 보는 공유도시" in korean
    assert "숫자로 보는 공유도시</h1>" not in english
    def main(html):
        return html.split("<main", 1)[1].split("</main>", 1)[0]
    assert main(page(client, "en")) == main(english)


def test_the_page_only_reads(client, db):
    assert client.post("/stats/").status_code == 405
