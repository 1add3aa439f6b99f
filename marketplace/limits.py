"""Request limits, checked before any view runs: the URL's length (414), a
non-file body's size (413) and, for the JSON endpoints DRF does not parse
(allauth's headless API, webhooks), its nesting. Every refusal has the API's
error shape. README.md, "Request limits", says what the server in front must
let through for these answers to be given."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions

from marketplace.api import refusal_json
from marketplace.parsers import BodyNotReadable, json_body_load

# Path plus query string. Browsers and proxies stop near 8 KB anyway.
MAX_URL_LENGTH = 8 * 1024


class RequestLimits:
    """After LocaleMiddleware, so refusals speak the caller's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        url_length = len(request.META.get("PATH_INFO", "")) + len(
            request.META.get("QUERY_STRING", ""))
        if url_length > MAX_URL_LENGTH:
            return refusal_json("uri_too_long", _("The address is too long."), 414)
        content_type = request.content_type or ""
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        # Uploaded files do not count (Django leaves them out too); photos
        # have their own limit.
        if (declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                and not content_type.startswith("multipart/")):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            return refusal_json("request_too_large",
                                _("The request is larger than %(limit)d MB.") % {"limit": limit},
                                413)
        # DRF's own parser (marketplace.parsers.JSONParser) checks the API's bodies.
        # allauth's headless API reads any body as JSON, whatever its type.
        if declared and not request.path_info.startswith("/api/") and (
                content_type == "application/json"
                or request.path_info.startswith("/_allauth/")):
            try:
                json_body_load(request.body)
            except BodyNotReadable as refused:
                return refusal_json("validation_failed", str(refused.detail), 400, fields={})
            except exceptions.ValidationError:
                pass  # large numbers: the view's own validation answers
        return self.get_response(request)
