"""Open data: GET /api/v1/stats/ (JSON) and /api/v1/stats/<table>.csv, the
same figures, for anyone, in the language asked for (?lang=ko or en, else
the request's language)."""

import csv
import io

from django.http import HttpResponse
from django.urls import path
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from figures.selectors import cached_city_figures
from figures.tables import TABLES, notes, published, rows
from marketplace.errors import NotFound
from marketplace.throttles import ScopedRateThrottle

LANGUAGE = OpenApiParameter("lang", enum=["ko", "en"],
                            description="Labels and headers in this language.")


def spreadsheet_safe(value):
    """A cell as a spreadsheet should read it: empty for a hidden figure,
    and text that would start a formula (a community named "=HYPERLINK(…)")
    kept as text with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class StatsQuery(serializers.Serializer):
    lang = serializers.ChoiceField(["ko", "en"], required=False)


def _language(request) -> str:
    query = StatsQuery(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data.get("lang") or translation.get_language()


class StatsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # public figures: nobody's session is read
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "stats"

    @extend_schema(parameters=[LANGUAGE], responses=OpenApiTypes.OBJECT,
                   description="The sharing city's figures: totals, companies by field, "
                               "listings by kind and category, loans by month, district "
                               "and public community. Rows behind fewer than `min_people` "
                               "people carry nulls and `suppressed: true`.")
    def get(self, request):
        with translation.override(_language(request)):
            return Response(published(cached_city_figures()))


class StatsCsv(StatsView):
    @extend_schema(parameters=[LANGUAGE], responses={(200, "text/csv"): OpenApiTypes.STR},
                   description="One table of /api/v1/stats/ as CSV: UTF-8 with a byte-order "
                               "mark, headers in the chosen language, then a blank line and "
                               "the source, licence and time of computation.")
    def get(self, request, table: str):
        chosen = TABLES.get(table)
        if chosen is None:
            raise NotFound()
        language = _language(request)
        with translation.override(language):
            data = published(cached_city_figures())
            out = io.StringIO()
            out.write("\ufeff")  # so a spreadsheet reads the Korean as UTF-8
            writer = csv.writer(out)
            writer.writerow([str(header) for _key, header in chosen.columns])
            for row in rows(chosen, data):
                writer.writerow([spreadsheet_safe(row[key]) for key, _header in chosen.columns])
            writer.writerow([])
            for line in notes(data):
                writer.writerow([line])
        response = HttpResponse(out.getvalue().encode("utf-8"),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="nanum-stats-{table}-{language}.csv"')
        return response


urlpatterns = [
    path("stats/", StatsView.as_view(), name="api-stats"),
    path("stats/<str:table>.csv", StatsCsv.as_view(), name="api-stats-csv"),
]
