"""/stats/: the sharing city in numbers, for residents, journalists and
city staff. The figures are figures.selectors'; the tables figures.tables';
this page only draws them."""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from figures.selectors import cached_city_figures
from figures.tables import TABLES, TOTALS, published, rows
from frontend import charts


def _month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return date_format(date(year, number, 1), "YEAR_MONTH_FORMAT")


def _cell(key: str, value):
    if value is None:
        return None  # the template says it is not shown
    if key == "month":
        return _month_label(value)
    return f"{value:,}" if isinstance(value, int) else value


def _table(name: str, data: dict) -> dict:
    table = TABLES[name]
    # The codes are for machines (the CSV and JSON keep them); people read
    # the names.
    codes = {"slug", "field", "kind", "category", "figure"}
    if name == "by_district":
        codes.add("district")
    keys = [key for key, _header in table.columns if key not in codes]
    return {
        "name": name, "title": table.title,
        "headers": [header for key, header in table.columns if key in keys],
        "rows": [[_cell(key, row[key]) for key in keys] for row in rows(table, data)],
    }


@require_safe
def stats(request):
    """The page's body is drawn once per computation and language, and kept
    as long as the figures are."""
    figures = cached_city_figures()
    key = f"figures:page:{get_language()}:{figures['computed_at'].isoformat()}"
    body = cache.get(key)
    if body is None:
        body = render_to_string("stats/_body.html", _body_context(figures))
        cache.set(key, body, settings.STATS_CACHE_SECONDS)
    return render(request, "stats/page.html", {"body": mark_safe(body)})


def _body_context(figures: dict) -> dict:
    data = published(figures)
    months = data["by_month"]
    short = [row["month"][5:] for row in months]  # 01..12 under the bars
    districts = [row for row in data["by_district"] if not row["suppressed"]]
    districts.sort(key=lambda row: -row["bookings_completed"])
    return {
        "data": data, "computed_at": timezone.localtime(figures["computed_at"]),
        "headline": [(key, label, data["totals"][key]) for key, label in TOTALS.items()],
        "loans_chart": charts.columns(list(zip(short, [r["bookings_completed"] for r in months],
                                               strict=True))),
        "saved_chart": charts.columns(list(zip(short, [r["money_saved"] for r in months],
                                               strict=True))),
        "district_chart": charts.rows([(r["label"], r["bookings_completed"])
                                       for r in districts]),
        "tables": {name: _table(name, data) for name in TABLES},
    }


urlpatterns = [path("stats/", stats, name="stats")]
