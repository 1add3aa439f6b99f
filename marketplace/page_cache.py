"""A few seconds' memory of the answers anyone would get.

Someone who is not signed in (no session, no app token, no cookie but the
language and CSRF ones) gets the same page or API answer as anyone else for
the same address, language and Accept header. Such answers (200, no cookie
set, no CSRF token used, nothing private, varying on nothing else) are kept
PAGE_CACHE_SECONDS in this process's memory and served from there without
running the view again: a crowd reading the same listing or the same
search costs one rendering every few seconds, not one each.

A write to what pages show (a model of PAGE_CACHE_APPS saved or deleted)
starts a new generation once it commits: the next answer is made afresh, so
a lender's new price is on the public page at once. A bulk update sends no
signal: its change shows within PAGE_CACHE_SECONDS. The generation lives in
the default cache, Redis at scale, so every process sees it. Signed-in
people never get a kept answer, and theirs are never kept.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse

GENERATION_KEY = "pages:generation"
# Request headers a kept answer may not depend on: whoever sends them gets
# an answer of their own.
PERSONAL_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN", "HTTP_HX_REQUEST")
# What a kept answer may vary on: the key holds the language and Accept,
# and it is only kept for requests without cookies of their own.
KEYED_VARY = {"accept-language", "cookie", "accept"}


def forget_pages(**_signal) -> None:
    """Start a new generation when the current transaction commits."""
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


def _cookies_allowed() -> set[str]:
    return {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def _anyones(request) -> bool:
    return (request.method == "GET"
            and not any(request.META.get(name) for name in PERSONAL_HEADERS)
            and set(request.COOKIES) <= _cookies_allowed())


def _key(request) -> str:
    generation = cache.get(GENERATION_KEY) or "-"
    parts = (generation, request.scheme, request.get_host(), request.LANGUAGE_CODE,
             request.META.get("HTTP_ACCEPT", ""), request.get_full_path())
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _keepable(request, response) -> bool:
    user = getattr(request, "user", None)
    if (response.status_code != 200 or response.streaming or response.cookies
            or (user is not None and user.is_authenticated)):
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
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
        key = _key(request)
        kept = store.get(key)
        if kept is not None:
            status, headers, content = kept
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            return response
        response = self.get_response(request)
        if _keepable(request, response):
            headers = [(name, value) for name, value in response.headers.items()
                       if name.lower() not in ("set-cookie", "date")]
            store.set(key, (response.status_code, headers, response.content), seconds)
        return response
