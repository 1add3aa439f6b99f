"""A few seconds' memory of the answers anyone would get.

Someone who is not signed in (no session, no app token, no cookie but the
language and CSRF ones) gets the same page or API answer as anyone else for
the same address, language and Accept header. Such answers (200, no cookie
set, no CSRF token used, nothing private, varying on nothing else) are kept
PAGE_CACHE_SECONDS in this process's memory and served from there without
running the view again: a crowd reading the same listing or the same
search costs one rendering every few seconds, not one each.

A write to what pages show (an INSERT, UPDATE or DELETE on a table of
PAGE_CACHE_APPS, however it was made: a save, a bulk update, a cascade)
starts a new generation once it commits, so a lender's new price or an
archived listing is on the public page at once. The generation lives in the
default cache, Redis at scale, so every process sees it (without Redis each
process has its own, and a write made in another process shows within
PAGE_CACHE_SECONDS). Signed-in people never get a kept answer, and theirs are
never kept. With the cache unreachable, answers are made afresh.
"""

import hashlib
import logging
import re
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, patch_vary_headers

logger = logging.getLogger("nanum.pages")

GENERATION_KEY = "pages:generation"
# Request headers of their own: whoever sends them gets an answer of their
# own (an app token, allauth's key headers, htmx's partials).
OWN_HEADER_PREFIXES = ("HTTP_X_", "HTTP_HX_")
OWN_HEADERS = ("HTTP_AUTHORIZATION",)
COMMON_X_HEADERS = {"HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                    "HTTP_X_FORWARDED_PORT", "HTTP_X_REAL_IP", "HTTP_X_REQUEST_ID",
                    "HTTP_X_REQUESTED_WITH"}
# What a kept answer may vary on: the key holds the language and Accept,
# and it is only kept for requests without cookies of their own.
KEYED_VARY = {"accept-language", "cookie", "accept"}
# A bigger answer is made afresh each time: the store holds at most
# MAX_ENTRIES of these a process.
MAX_KEPT_BYTES = 128 * 1024

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_SIGN_IN = re.compile(r'\s*UPDATE "accounts_user" SET "last_login" = %s WHERE')


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache away: kept answers end with their seconds
        logger.warning("could not start a new generation of kept pages", exc_info=True)


def forget_pages(using: str = "default") -> None:
    """Start a new generation when the current transaction commits (once a
    transaction, however many writes it made)."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
            entry[1] is _new_generation for entry in connection.run_on_commit):
        return
    transaction.on_commit(_new_generation, using=using, robust=True)


def watch_writes(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection, see
    frontend/apps.py): a write to a table of PAGE_CACHE_APPS forgets the
    kept pages. A sign-in's last_login changes no page."""
    result = execute(sql, params, many, context)
    if settings.PAGE_CACHE_SECONDS and isinstance(sql, str):
        write = _WRITE.match(sql)
        if (write and write.group(1).startswith(_table_prefixes())
                and not _SIGN_IN.match(sql)):
            forget_pages(context["connection"].alias)
    return result


def _table_prefixes() -> tuple[str, ...]:
    return tuple(f"{label}_" for label in settings.PAGE_CACHE_APPS)


def _cookies_allowed() -> set[str]:
    return {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def _anyones(request) -> bool:
    if request.method != "GET" or not set(request.COOKIES) <= _cookies_allowed():
        return False
    return not any(name in OWN_HEADERS
                   or (name.startswith(OWN_HEADER_PREFIXES) and name not in COMMON_X_HEADERS)
                   for name in request.META)


def _key(request, generation: str) -> str:
    parts = (generation, request.scheme, request.get_host(), request.LANGUAGE_CODE,
             request.META.get("HTTP_ACCEPT", ""), request.get_full_path())
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _keepable(request, response) -> bool:
    user = getattr(request, "user", None)
    if (response.status_code != 200 or response.streaming or response.cookies
            or len(response.content) > MAX_KEPT_BYTES
            or (user is not None and user.is_authenticated)):
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.lower() for v in cc_delim_re.split(response.get("Vary", "")) if v}
    return vary <= KEYED_VARY


class AnonymousPageCache:
    """After LocaleMiddleware (the key holds the language it chose)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not _anyones(request):
            return self.get_response(request)
        store = caches[settings.PAGE_CACHE_ALIAS]
        try:
            generation = cache.get(GENERATION_KEY) or "-"
        except Exception:  # the cache away: made afresh
            logger.warning("kept pages unreachable", exc_info=True)
            return self.get_response(request)
        key = _key(request, generation)
        kept = store.get(key)
        if kept is not None:
            status, headers, content = kept
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            # As the answer made afresh says (the session middleware, outside,
            # adds it only when it read the session): a shared cache in front
            # must not hand this to someone signed in.
            patch_vary_headers(response, ["Cookie"])
            return response
        response = self.get_response(request)
        if _keepable(request, response):
            headers = [(name, value) for name, value in response.headers.items()
                       if name.lower() not in ("set-cookie", "date")]
            store.set(key, (response.status_code, headers, response.content), seconds)
        return response
