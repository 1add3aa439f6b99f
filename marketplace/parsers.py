"""Request bodies as the API reads them: DRF's JSON parser with limits.

Its own module: DRF imports the parser classes while rest_framework.views
loads, and marketplace.api imports that module.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# Deeper than any body the API takes (a rule's params are three levels down),
# and far below where Python's recursion limit would turn parsing into a 500.
MAX_JSON_DEPTH = 32
# What the databases' bigint holds: a larger number is nobody's id or amount.
MAX_JSON_INTEGER = 2**63 - 1


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        super().__init__(_("The request is larger than %(limit)d MB.") % {"limit": limit})


class BodyNotReadable(exceptions.ParseError):
    """A JSON body that is not JSON, or nested past MAX_JSON_DEPTH."""


def json_body_load(raw: bytes):
    """The JSON value of a request body, refusing what would crash or
    overflow further in: malformed or too deeply nested bodies
    (BodyNotReadable), and top-level fields holding a number past 64 bits
    or an infinite one (a 400 naming the field). Top-level fields are the
    serializers' fields, and none of them is an id, an amount or a count
    that large; numbers further in (a rule's params) are checked by what
    reads them, with their own message."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise BodyNotReadable(_("The request body is nested too deeply.")) from None
    except ValueError:
        raise BodyNotReadable(_("The request body is not valid JSON.")) from None
    # Walk without recursion: the point is not to depend on the stack.
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise BodyNotReadable(_("The request body is nested too deeply."))
            stack.extend((item, depth + 1)
                         for item in (value.values() if isinstance(value, dict) else value))
    if isinstance(data, dict):
        too_large = [name for name, value in data.items() if _beyond_64_bits(value)]
        if too_large:
            raise exceptions.ValidationError(
                {name: [_("This number is too large.")] for name in too_large})
    return data


def _beyond_64_bits(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_JSON_INTEGER
    return isinstance(value, float) and value in (float("inf"), float("-inf"))


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE
    (413 past it: DRF reads the stream itself, so Django's own check on
    `request.body` would not apply), and `json_body_load`'s refusals."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge()
        return json_body_load(raw)
