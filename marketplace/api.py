"""The API's shared pieces: pagination and the error shape.

The v1 URL list is `api_v1` in marketplace/urls.py (DRF imports this module
while it loads, so it must not import the apps' API views).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import exceptions, fields, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.errors import DomainError
from marketplace.parsers import BodyNotReadable, RequestTooLarge


class Pagination(pagination.PageNumberPagination):
    """`page` and `page_size` are whole numbers of 1 or more, given once: 400
    otherwise (DRF would quietly fall back to the defaults). A page past the
    last is 404; a page size past 100 is 100."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        size = _positive_number(request, self.page_size_query_param)
        return min(size, self.max_page_size) if size else self.page_size

    def get_page_number(self, request, paginator):
        return _positive_number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


def _positive_number(request, name: str) -> int | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1 or not (values[0].isascii() and values[0].isdigit()) or int(values[0]) < 1:
        raise exceptions.ValidationError({name: [_("Give a whole number of 1 or more.")]})
    return int(values[0])


class CappedPaginator(Paginator):
    """Counts exactly up to CAP results and stops there: counting a broad
    search (say 40,000 free listings) costs more than the page itself, and
    nobody pages past the first thousand; they refine the search instead."""

    CAP = 1000

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "order_by"):
            return len(self.object_list)
        # Which 1,001 rows are counted does not matter: no sort needed, and
        # none of what a result shows (a company's designation, the distance,
        # how well the title matches) is worked out for the rows counted.
        return self.object_list.order_by().values("pk")[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


class SearchPagination(Pagination):
    """Pagination for searches: `count` is exact up to 1,000; beyond that it
    is 1001 and `count_is_capped` is true (the pages stop at the 1,000th
    result)."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_capped"] = {"type": "boolean"}
        return schema


def paginated(view, request, queryset, serialize):
    """One page of `queryset` in the {count, next, previous, results} shape,
    paginated by the view's `pagination_class`; `serialize(page)` gives the
    results."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serialize(page))


def _text_only(self, data):
    """DRF's CharField (and its Email, Slug, URL and Regex kin) takes a
    number for text and stores "0" for 0. The API's text fields take text
    only: a number where words belong is a client's mistake, refused with
    400 like any other wrong type (forms send text anyway)."""
    if not isinstance(data, str):
        self.fail("invalid")
    return _char_field_to_internal(self, data)


_char_field_to_internal = fields.CharField.to_internal_value
fields.CharField.to_internal_value = _text_only


# DRF's own exceptions, by the code shared/API.md gives them.
_CODES = [
    (RequestTooLarge, "request_too_large"),
    (exceptions.ValidationError, "validation_failed"),
    (exceptions.ParseError, "validation_failed"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.Throttled, "rate_limited"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
]


def exception_handler(exc, context):
    """Turn every refusal into `{"code", "detail", ...}` (shared/API.md)."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for kind, c in _CODES if isinstance(exc, kind)), "error")
    if isinstance(exc, (exceptions.ValidationError, exceptions.ParseError)):
        fields = response.data if isinstance(exc, exceptions.ValidationError) else {}
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        response.data = {
            "code": code,
            "detail": _("Some of the information is not valid.") if fields
            else str(exc.detail) if isinstance(exc, BodyNotReadable)
            # DRF's own parse errors quote the parser, in English.
            else _("The request body could not be read."),
            "fields": fields,
        }
    else:
        detail = str(exc.detail)
        if isinstance(exc, exceptions.PermissionDenied) and detail.startswith("CSRF Failed"):
            # DRF's session check says it in English, naming the cookie.
            detail = _("This request lacks the page's security token (CSRF): reload the "
                       "page and try again, or sign in with a token.")
        response.data = {"code": code, "detail": detail}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after"] = int(exc.wait)
    return response


def refusal_json(code: str, detail: str, status: int, **extra) -> JsonResponse:
    """The error shape, for refusals made outside DRF (middleware, URLs)."""
    return JsonResponse({"code": code, "detail": detail, **extra}, status=status)


def not_found_json(request, *args, **kwargs) -> JsonResponse:
    return refusal_json("not_found", _("Not found."), 404)


def server_error_json(request) -> JsonResponse:
    return JsonResponse(
        {"code": "server_error", "detail": _("Something went wrong on our side.")},
        status=500,
    )

