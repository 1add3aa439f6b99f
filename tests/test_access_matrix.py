"""The access-control matrix (issue 15, point 11): every API route, page and
socket that names an object, tried by the owner side, the other party, a
member of the same community with no part in it, an outsider and an
anonymous client (tests/access_world.py builds what they look at).

Each cell is one test. The codes say what a person may do:

- OK: 2xx or 3xx (not a redirect to the login page): they may do it.
- SEE: anything but 404, a login demand or a 5xx: they see the object,
  even if the action is refused (400, 403, 409, 422, or a page that
  redirects with the refusal).
- NO: refused, though they see it: a 4xx other than 401/404, or a page
  that redirects elsewhere than the login page with the refusal shown. A
  refused change must change nothing (`test_a_refused_change_changes_nothing`).
- HIDE: 404: they may not know the object exists.
- ANON: 404, 401, or a redirect to login (asked before the object is
  looked up, so it reveals nothing).

A URL pattern that names an object and has no row here fails
`test_every_route_that_names_an_object_has_a_row`: new routes (payments,
messaging) must add theirs; so must websocket routes that name an object
(WEBSOCKET_MATRIX). Changing requests that are refused (404, 401, login,
or NO) must change nothing (`test_a_refused_change_changes_nothing`).
"""

import hashlib
import json
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from messaging.models import Notification
from tests.access_world import PRIVATE_NAMES, build_world
from tests.fixtures.bookings import tomorrow_at
from tests.listings.conftest import image_file

ROLES = ("owner", "party", "bystander", "outsider", "anonymous")
LOGIN_PATH = "/accounts/login/"

# Prefixes that are not ours to guard here: the admin, allauth's pages and
# headless API, the schema and its docs, public media (avatars, logos).
SKIPPED = ("admin/", "accounts/", "_allauth/", "api/schema/", "api/docs/", "media/",
           "i18n/", "static/")


def row(url, *, key=False, **cases):
    """`row("/x/{listing}/", GET="OK SEE SEE HIDE ANON", POST=(data, "..."))`.
    `key`: the URL holds a secret token that is the key to what it names
    (an invite link, a calendar feed): whoever holds it may read the names."""
    parsed = {}
    for method, spec in cases.items():
        data, codes = spec if isinstance(spec, tuple) else (None, spec)
        codes = codes.split()
        assert len(codes) == len(ROLES), (url, method, codes)
        parsed[method] = (data, dict(zip(ROLES, codes, strict=True)))
    return {"url": url, "cases": parsed, "key": key}


def _photo_upload():
    return {"image": image_file("PNG")}


REASON = {"reason": "checking"}
NOTE = {"note": "checking"}

MATRIX = {
    # --- accounts: companies are public; staff and invitations are not ---
    "api/v1/companies/<slug:slug>/": row(
        "/api/v1/companies/{company}/",
        GET="OK OK OK OK OK",
        PATCH=({"description": "Changed"}, "OK NO NO NO ANON")),
    "api/v1/companies/<slug:slug>/verify/": row(
        "/api/v1/companies/{company}/verify/", POST="NO NO NO NO ANON"),
    "api/v1/companies/<slug:slug>/unverify/": row(
        "/api/v1/companies/{company}/unverify/", POST="NO NO NO NO ANON"),
    "api/v1/companies/<slug:slug>/staff/": row(
        "/api/v1/companies/{company}/staff/",
        GET="OK NO NO NO ANON",
        POST=({"email": "new@example.org", "role": "staff"}, "OK NO NO NO ANON")),
    "api/v1/companies/<slug:slug>/staff/<int:user_id>/": row(
        "/api/v1/companies/{company}/staff/{moderator}/",
        PATCH=({"role": "admin"}, "OK NO NO NO ANON"),
        DELETE="OK NO NO NO ANON"),
    # Designations are public; requests for one are the company's and the
    # city's (no role here is city staff).
    "api/v1/companies/<slug:slug>/designations/": row(
        "/api/v1/companies/{company}/designations/",
        GET="OK OK OK OK OK",
        POST=({"authority": "Seoul", "number": "1", "field": "goods",
               "starts_on": "2026-01-01", "expires_on": "2026-12-31"}, "NO NO NO NO ANON")),
    "api/v1/companies/<slug:slug>/designation-applications/": row(
        "/api/v1/companies/{company}/designation-applications/",
        GET="OK HIDE HIDE HIDE ANON",
        POST=({"field": "space"}, "OK NO NO NO ANON")),
    "api/v1/designation-applications/<int:application_id>/": row(
        "/api/v1/designation-applications/{designation_request}/",
        GET="OK HIDE HIDE HIDE ANON"),
    "api/v1/designation-applications/<int:application_id>/decide/": row(
        "/api/v1/designation-applications/{designation_request}/decide/",
        POST=({"decision": "refuse", "note": "No"}, "NO HIDE HIDE HIDE ANON")),
    # Open data: anyone (the table is a name, not an object).
    "api/v1/stats/<str:table>.csv": row(
        "/api/v1/stats/by_district.csv", GET="OK OK OK OK OK"),
    "api/v1/company-invitations/<str:token>/": row(
        # The token is the key, sent to one address: others holding it are
        # told to sign in with that address.
        "/api/v1/company-invitations/{invitation}/", key=True, GET="NO OK NO NO ANON"),
    "api/v1/company-invitations/<str:token>/<str:answer>/": row(
        "/api/v1/company-invitations/{invitation}/accept/", key=True,
        POST="NO OK NO NO ANON"),
    "companies/invitations/<str:token>/": row(
        "/companies/invitations/{invitation}/", key=True,
        GET="NO OK NO NO ANON",
        POST=({"answer": "accept"}, "NO OK NO NO ANON")),
    "companies/<slug:slug>/": row("/companies/{company}/", GET="OK OK OK OK OK"),
    "companies/<slug:slug>/edit/": row(
        "/companies/{company}/edit/",
        GET="OK NO NO NO ANON",
        POST=({"name": "Hidden Rentals", "description": "Changed"}, "OK NO NO NO ANON")),
    "companies/<slug:slug>/staff/<int:user_id>/remove/": row(
        "/companies/{company}/staff/{moderator}/remove/", POST="OK NO NO NO ANON"),
    "companies/<slug:slug>/verify/": row(
        "/companies/{company}/verify/", POST="NO NO NO NO ANON"),
    "companies/<slug:slug>/unverify/": row(
        "/companies/{company}/unverify/", POST="NO NO NO NO ANON"),
    # A company's designation page: its staff's and the city's (the world's
    # company has no request waiting: its admin may apply).
    "companies/<slug:slug>/designation/": row(
        "/companies/{company}/designation/",
        GET="OK HIDE HIDE HIDE ANON",
        POST=({"field": "space"}, "OK HIDE HIDE HIDE ANON")),
    # City staff alone decide: to everyone else the queue is not there.
    "staff/designations/<int:application_id>/decide/": row(
        "/staff/designations/{designation_request}/decide/",
        POST=({"decision": "refuse", "note": "No"}, "HIDE HIDE HIDE HIDE ANON")),
    "people/<int:user_id>/": row("/people/{party_id}/", GET="OK OK OK OK OK"),

    # --- communities (private): members see, moderators act ---
    "api/v1/communities/<slug:slug>/": row(
        "/api/v1/communities/{circle}/",
        GET="OK OK OK HIDE ANON",
        PATCH=({"description": "Changed"}, "OK NO NO HIDE ANON")),
    "api/v1/communities/<slug:slug>/join/": row(
        "/api/v1/communities/{circle}/join/", POST="NO NO NO HIDE ANON"),  # already in
    "api/v1/communities/<slug:slug>/leave/": row(
        "/api/v1/communities/{circle}/leave/", POST="NO OK OK HIDE ANON"),  # the owner stays
    "api/v1/communities/<slug:slug>/members/": row(
        "/api/v1/communities/{circle}/members/", GET="OK OK OK HIDE ANON"),
    "api/v1/communities/<slug:slug>/members/<int:user_id>/": row(
        "/api/v1/communities/{circle}/members/{party_id}/",
        PATCH=({"status": "suspended"}, "OK NO NO HIDE ANON"),
        DELETE=(REASON, "OK NO NO HIDE ANON")),
    "api/v1/communities/<slug:slug>/members/<int:user_id>/approve/": row(
        "/api/v1/communities/{circle}/members/{applicant}/approve/",
        POST="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/members/<int:user_id>/refuse/": row(
        "/api/v1/communities/{circle}/members/{applicant}/refuse/",
        POST="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/invites/": row(
        "/api/v1/communities/{circle}/invites/", POST="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/invites/revoke/": row(
        "/api/v1/communities/{circle}/invites/revoke/", POST="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/events/": row(
        "/api/v1/communities/{circle}/events/", GET="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/rules/": row(
        "/api/v1/communities/{circle}/rules/",
        GET="OK OK OK HIDE ANON",
        POST=({"type": "members_only", "params": {}}, "OK NO NO HIDE ANON")),
    "api/v1/communities/<slug:slug>/rules/<int:rule_id>/": row(
        "/api/v1/communities/{circle}/rules/{rule}/",
        PATCH=({"params": {"count": 6}}, "OK NO NO HIDE ANON"),
        DELETE="OK NO NO HIDE ANON"),
    "api/v1/communities/<slug:slug>/proposals/": row(
        "/api/v1/communities/{council}/proposals/",
        GET="OK OK OK HIDE ANON",
        POST=({"action": "add", "rule": {"type": "members_only", "params": {}}},
              "OK OK OK HIDE ANON")),
    "api/v1/proposals/<int:proposal_id>/": row(
        "/api/v1/proposals/{proposal}/", GET="OK OK OK HIDE ANON"),
    "api/v1/proposals/<int:proposal_id>/vote/": row(
        "/api/v1/proposals/{proposal}/vote/",
        POST=({"choice": "yes"}, "OK OK OK HIDE ANON")),
    "communities/join/<str:token>/": row(
        # The invite link is the key: whoever holds it may join.
        "/communities/join/{invite}/", key=True, GET="OK OK OK OK ANON"),
    "communities/<slug:slug>/": row("/communities/{circle}/", GET="OK OK OK HIDE ANON"),
    "communities/<slug:slug>/join/": row(
        "/communities/{circle}/join/", POST="NO NO NO HIDE ANON"),
    "communities/<slug:slug>/leave/": row(
        "/communities/{circle}/leave/", POST="NO OK OK HIDE ANON"),
    "communities/<slug:slug>/members/": row(
        "/communities/{circle}/members/", GET="OK OK OK HIDE ANON"),
    "communities/<slug:slug>/members/<int:user_id>/<str:action>/": row(
        "/communities/{circle}/members/{applicant}/approve/", POST="OK NO NO HIDE ANON"),
    "communities/<slug:slug>/invite/": row(
        "/communities/{circle}/invite/",
        GET="OK NO NO HIDE ANON",
        POST=({"days": "7"}, "OK NO NO HIDE ANON")),
    "communities/<slug:slug>/invites/revoke/": row(
        "/communities/{circle}/invites/revoke/", POST="OK NO NO HIDE ANON"),
    "communities/<slug:slug>/charter/": row(
        "/communities/{circle}/charter/", GET="OK OK OK HIDE ANON"),
    "communities/<slug:slug>/charter/rules/": row(
        "/communities/{circle}/charter/rules/",
        POST=({"type": "members_only"}, "OK NO NO HIDE ANON")),
    "communities/<slug:slug>/charter/rules/<int:rule_id>/delete/": row(
        "/communities/{circle}/charter/rules/{rule}/delete/", POST="OK NO NO HIDE ANON"),
    "communities/<slug:slug>/proposals/new/": row(
        "/communities/{council}/proposals/new/",
        GET="OK OK OK HIDE ANON",
        POST=({"action": "add", "type": "members_only"}, "OK OK OK HIDE ANON")),
    "communities/<slug:slug>/history/": row(
        "/communities/{circle}/history/", GET="OK OK OK HIDE ANON"),
    "communities/<slug:slug>/moderation/": row(
        "/communities/{circle}/moderation/", GET="OK NO NO HIDE ANON"),
    "communities/<slug:slug>/moderation/reports/<int:report_id>/": row(
        "/communities/{circle}/moderation/reports/{report}/",
        POST=({"outcome": "dismiss"}, "OK HIDE HIDE HIDE ANON")),
    "communities/<slug:slug>/moderation/holds/<int:listing_id>/lift/": row(
        "/communities/{circle}/moderation/holds/{held}/lift/", POST="OK HIDE HIDE HIDE ANON"),
    "proposals/<int:proposal_id>/": row("/proposals/{proposal}/", GET="OK OK OK HIDE ANON"),
    "proposals/<int:proposal_id>/tally/": row(
        "/proposals/{proposal}/tally/", GET="OK OK OK HIDE ANON"),
    "proposals/<int:proposal_id>/vote/": row(
        "/proposals/{proposal}/vote/", POST=({"choice": "yes"}, "OK OK OK HIDE ANON")),

    # --- moderation ---
    "api/v1/reports/<int:report_id>/handle/": row(
        "/api/v1/reports/{report}/handle/",
        POST=({"outcome": "dismiss"}, "OK HIDE HIDE HIDE ANON")),
    "api/v1/bookings/<int:booking_id>/complaints/": row(
        "/api/v1/bookings/{done}/complaints/",
        # The party has one open already.
        POST=({"text": "Scratched"}, "OK NO HIDE HIDE ANON")),
    "api/v1/complaints/<int:complaint_id>/resolve/": row(
        "/api/v1/complaints/{complaint}/resolve/",
        # At the first tier either party settles it.
        POST=({"outcome": "Refunded"}, "OK OK HIDE HIDE ANON")),
    "api/v1/listings/<int:listing_id>/unhide/": row(
        "/api/v1/listings/{held}/unhide/", POST="OK HIDE HIDE HIDE ANON"),

    # --- listings (shared only in the private community) ---
    "api/v1/listings/<int:listing_id>/": row(
        "/api/v1/listings/{listing}/",
        GET="OK OK OK HIDE ANON",
        PATCH=({"title": "Changed drill"}, "OK NO NO HIDE ANON"),
        DELETE="OK NO NO HIDE ANON"),
    "api/v1/listings/<int:listing_id>/photos/": row(
        "/api/v1/listings/{listing}/photos/", POST=(_photo_upload, "OK NO NO HIDE ANON")),
    "api/v1/listings/<int:listing_id>/blackouts/": row(
        # Those who see the listing see when it is closed (not why).
        "/api/v1/listings/{listing}/blackouts/",
        GET="OK OK OK HIDE ANON",
        POST=({"starts_at": "{later}", "ends_at": "{later_end}"}, "OK NO NO HIDE ANON")),
    "api/v1/listings/<int:listing_id>/blackouts/<int:blackout_id>/": row(
        "/api/v1/listings/{listing}/blackouts/{blackout}/", DELETE="OK NO NO HIDE ANON"),
    "api/v1/listings/<int:listing_id>/waitlist/": row(
        "/api/v1/listings/{listing}/waitlist/",
        POST=({"start": "{later}", "end": "{later_end}"}, "SEE SEE SEE HIDE ANON")),
    "api/v1/listings/<int:listing_id>/quote/": row(
        "/api/v1/listings/{listing}/quote/?start={later_q}&end={later_end_q}",
        GET="OK OK OK HIDE ANON"),
    "api/v1/listings/<int:listing_id>/availability/": row(
        "/api/v1/listings/{listing}/availability/?from={later_q}&to={later_end_q}",
        GET="OK OK OK HIDE ANON"),
    "listings/<int:pk>/": row("/listings/{listing}/", GET="OK OK OK HIDE ANON"),
    "listings/<int:pk>/edit/": row(
        "/listings/{listing}/edit/",
        GET="OK NO NO HIDE ANON",
        POST=({"title": "Changed drill"}, "SEE NO NO HIDE ANON")),
    "listings/<int:pk>/archive/": row(
        "/listings/{listing}/archive/", POST="OK NO NO HIDE ANON"),
    "listings/<int:pk>/photos/<int:photo_id>/remove/": row(
        "/listings/{listing}/photos/{photo}/remove/", POST="OK NO NO HIDE ANON"),
    "listings/<int:pk>/hours/": row(
        "/listings/{listing}/hours/", GET="OK NO NO HIDE ANON",
        POST=({}, "SEE NO NO HIDE ANON")),
    "listings/<int:pk>/blackouts/<int:blackout_id>/remove/": row(
        "/listings/{listing}/blackouts/{blackout}/remove/", POST="OK NO NO HIDE ANON"),
    "listings/<int:pk>/book/": row(
        "/listings/{listing}/book/",
        GET="SEE OK OK HIDE ANON",
        POST=({"start": "{later_local}", "end": "{later_end_local}"}, "SEE OK OK HIDE ANON")),
    "listings/<int:pk>/book/quote/": row(
        "/listings/{listing}/book/quote/?start={later_local_q}&end={later_end_local_q}",
        GET="OK OK OK HIDE ANON"),
    "listings/<int:pk>/calendar/": row(
        "/listings/{listing}/calendar/", GET="OK NO NO HIDE ANON"),
    "listings/<int:pk>/calendar/reset/": row(
        "/listings/{listing}/calendar/reset/", POST="OK NO NO HIDE ANON"),
    "listings/<int:pk>/waitlist/": row(
        "/listings/{listing}/waitlist/",
        POST=({"start": "{later_local}", "end": "{later_end_local}"}, "SEE SEE SEE HIDE ANON")),
    "photos/listing/<int:photo_id>/<str:size>/": row(
        "/photos/listing/{photo}/thumb/", GET="OK OK OK HIDE ANON"),

    # --- bookings: the two parties only ---
    "api/v1/bookings/<int:booking_id>/": row(
        "/api/v1/bookings/{loan}/", GET="OK OK HIDE HIDE ANON"),
    "api/v1/bookings/<int:booking_id>/<str:action>/": row(
        "/api/v1/bookings/{loan}/return/", POST=(NOTE, "OK NO HIDE HIDE ANON")),
    "api/v1/bookings/<int:booking_id>/reviews/": row(
        "/api/v1/bookings/{done}/reviews/",
        # The party has reviewed already.
        POST=({"rating": 4, "text": "Fine"}, "OK NO HIDE HIDE ANON")),
    "api/v1/bookings/<int:booking_id>/extensions/": row(
        "/api/v1/bookings/{loan}/extensions/?new_end={loan_later_end_q}",
        # Only the borrower asks (one request waits already).
        GET="NO OK HIDE HIDE ANON",
        POST=({"new_end": "{loan_later_end}"}, "NO NO HIDE HIDE ANON")),
    "api/v1/bookings/<int:booking_id>/condition-reports/": row(
        "/api/v1/bookings/{loan}/condition-reports/",
        POST=({"stage": "pickup", "condition": "as_listed"}, "OK OK HIDE HIDE ANON")),
    "api/v1/extensions/<int:extension_id>/<str:decision>/": row(
        "/api/v1/extensions/{extension}/approve/", POST="OK NO HIDE HIDE ANON"),
    "bookings/<int:booking_id>/": row("/bookings/{loan}/", GET="OK OK HIDE HIDE ANON"),
    "bookings/<int:booking_id>/conditions/": row(
        "/bookings/{loan}/conditions/",
        POST=({"stage": "pickup", "condition": "as_listed"}, "OK OK HIDE HIDE ANON")),
    "bookings/<int:booking_id>/review/": row(
        "/bookings/{done}/review/", POST=({"rating": "4", "text": "Fine"}, "OK NO HIDE HIDE ANON")),
    "bookings/<int:booking_id>/extend/": row(
        "/bookings/{loan}/extend/",
        POST=({"new_end": "{loan_later_end_local}"}, "NO NO HIDE HIDE ANON")),
    "extensions/<int:extension_id>/<str:decision>/": row(
        "/extensions/{extension}/approve/", POST="OK NO HIDE HIDE ANON"),
    "bookings/<int:booking_id>/<str:action>/": row(
        "/bookings/{loan}/return/", POST=(NOTE, "OK NO HIDE HIDE ANON")),
    "photos/condition/<int:photo_id>/<str:size>/": row(
        "/photos/condition/{condition_photo}/thumb/", GET="OK OK HIDE HIDE ANON"),
    # The feed's secret address is its key: whoever holds it reads it.
    "calendar/<str:token>.ics": row("/calendar/{feed}.ics", key=True, GET="OK OK OK OK OK"),

    # --- payments: only the borrower pays; the parties read. The world runs
    # offline (no card payments): the borrower is told nothing is due online
    # (409), and has no card payment to check (404, as for the others). The
    # lender side is told 404 too: paying is no step of theirs. ---
    "api/v1/bookings/<int:booking_id>/payment/": row(
        "/api/v1/bookings/{loan}/payment/", POST="HIDE NO HIDE HIDE ANON"),
    "api/v1/bookings/<int:booking_id>/payment/confirm/": row(
        "/api/v1/bookings/{loan}/payment/confirm/",
        POST=({"token": "tok_checking"}, "HIDE NO HIDE HIDE ANON")),
    "api/v1/bookings/<int:booking_id>/payment/check/": row(
        "/api/v1/bookings/{loan}/payment/check/", POST="HIDE HIDE HIDE HIDE ANON"),
    "api/v1/bookings/<int:booking_id>/payments/": row(
        "/api/v1/bookings/{loan}/payments/", GET="OK OK HIDE HIDE ANON"),
    "api/v1/bookings/<int:booking_id>/damage-claim/": row(
        # The lender may claim, but not on a completed loan (409); the
        # borrower never (403).
        "/api/v1/bookings/{done}/damage-claim/",
        POST=({"amount": 1000, "text": "Scratched"}, "NO NO HIDE HIDE ANON")),
    # The payment pages: the pay page and its card and check steps are the
    # borrower's alone (offline here: the card step is refused, nothing to
    # check); receipts for the parties; the claim form as the API's.
    "bookings/<int:booking_id>/pay/": row("/bookings/{loan}/pay/", GET="HIDE OK HIDE HIDE ANON"),
    "bookings/<int:booking_id>/pay/card/": row(
        "/bookings/{loan}/pay/card/", POST=({"token": "tok_checking"}, "HIDE NO HIDE HIDE ANON")),
    "bookings/<int:booking_id>/pay/check/": row(
        "/bookings/{loan}/pay/check/", POST="HIDE HIDE HIDE HIDE ANON"),
    "bookings/<int:booking_id>/pay/return/": row(
        "/bookings/{loan}/pay/return/", GET="HIDE OK HIDE HIDE ANON"),
    "bookings/<int:booking_id>/receipt/": row(
        "/bookings/{done}/receipt/", GET="OK OK HIDE HIDE ANON"),
    "bookings/<int:booking_id>/claim/": row(
        "/bookings/{done}/claim/",
        POST=({"amount": "1000", "text": "Scratched"}, "NO NO HIDE HIDE ANON")),
    # --- messaging: a conversation is its participants' alone ---
    "api/v1/conversations/<int:conversation_id>/messages/": row(
        "/api/v1/conversations/{conversation}/messages/",
        GET="OK OK HIDE HIDE ANON",
        POST=({"text": "checking"}, "OK OK HIDE HIDE ANON")),
    "api/v1/conversations/<int:conversation_id>/read/": row(
        "/api/v1/conversations/{conversation}/read/",
        POST=({"message": "{message}"}, "OK OK HIDE HIDE ANON")),
    # A block is its maker's: party's of the applicant; nobody else has one.
    "api/v1/blocks/<int:user_id>/": row(
        "/api/v1/blocks/{applicant}/", DELETE="HIDE OK HIDE HIDE ANON"),
    # A notification is its person's alone: the owner's, here.
    "api/v1/notifications/<int:notification_id>/read/": row(
        "/api/v1/notifications/{owner_notification}/read/", POST="OK HIDE HIDE HIDE ANON"),
    # The conversation pages: its participants' alone (the loan's: owner and party).
    "messages/<int:conversation_id>/": row(
        "/messages/{conversation}/", GET="OK OK HIDE HIDE ANON"),
    "messages/<int:conversation_id>/send/": row(
        "/messages/{conversation}/send/", POST=({"text": "checking"}, "OK OK HIDE HIDE ANON")),
    # Blocks the other side (the owner blocks party; party blocks the owner).
    "messages/<int:conversation_id>/block/": row(
        "/messages/{conversation}/block/", POST=({"action": "block"}, "OK OK HIDE HIDE ANON")),
    # Opening a notification marks it read: its person's alone.
    "notifications/<int:notification_id>/open/": row(
        "/notifications/{owner_notification}/open/", POST="OK HIDE HIDE HIDE ANON"),
    # Staff alone pay lenders out: to everyone else the page is not there.
    "staff/payouts/<int:user_id>/paid/": row(
        "/staff/payouts/{owner_id}/paid/",
        POST=({"currency": "KRW", "amount": "1000"}, "HIDE HIDE HIDE HIDE ANON")),
}

# Websocket patterns that name an object, each with who may connect
# (codes as above: OK accepted, HIDE/ANON refused as for a missing object),
# e.g. "ws/conversations/<int:conversation_id>/": {"url": "/ws/conversations/
# {conversation}/", "roles": "OK OK HIDE HIDE ANON"}.
WEBSOCKET_MATRIX: dict[str, dict] = {
    # The loan's conversation: its two sides only.
    "ws/conversations/<int:conversation_id>/": {
        "url": "/ws/conversations/{conversation}/", "roles": "OK OK HIDE HIDE ANON"},
}
# Sockets that name nothing: the notifications socket is the signed-in
# person's own.
OBJECTLESS_SOCKETS = {"ws/notifications/"}


# --- the routes ---------------------------------------------------------------


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def routes_naming_an_object() -> set[str]:
    return {pattern for pattern in _walk(get_resolver())
            if ("<" in pattern or "(?P<" in pattern) and not pattern.startswith(SKIPPED)}


def websocket_routes() -> set[str]:
    from messaging.routing import websocket_urlpatterns

    return {str(entry.pattern) for entry in websocket_urlpatterns}


def test_every_route_that_names_an_object_has_a_row():
    routes = routes_naming_an_object()
    assert len(routes) > 80, sorted(routes)
    missing = sorted(routes - MATRIX.keys())
    unknown = sorted(MATRIX.keys() - routes)
    assert not missing, f"add these routes to the access matrix: {missing}"
    assert not unknown, f"these matrix rows name no route: {unknown}"


def test_every_socket_that_names_an_object_has_a_row():
    sockets = websocket_routes()
    naming = {s for s in sockets if "<" in s}
    missing = sorted(naming - WEBSOCKET_MATRIX.keys())
    assert not missing, f"add these sockets to WEBSOCKET_MATRIX: {missing}"
    assert WEBSOCKET_MATRIX.keys() <= sockets, "a WEBSOCKET_MATRIX row names no socket"
    assert sockets - naming == OBJECTLESS_SOCKETS, (
        "a socket that names no object: add it to OBJECTLESS_SOCKETS, or give it a row")


# --- the world ------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, inside a transaction rolled back at its
    end; each test runs in its own savepoint on top, so what one changes
    the next does not see."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media,
                                                        NANUM_PROTECTED_MEDIA=""):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _values(world) -> dict:
    """What the URL and body templates name: the world's ids and keys, and
    times to ask for (weeks ahead, clear of the world's bookings)."""
    loan = Booking.objects.get(pk=world.ids["loan"])
    later, later_end = tomorrow_at(10, 40), tomorrow_at(10, 41)
    loan_later = loan.end + timedelta(hours=3)
    local = _local
    # The world's events left notifications: the owner's first one.
    owner_notification = Notification.objects.filter(user=world.people["owner"]).order_by(
        "pk").values_list("pk", flat=True).first()
    return {**world.ids, "owner_notification": owner_notification,
            "later": later.isoformat(), "later_end": later_end.isoformat(),
            "later_q": quote(later.isoformat()), "later_end_q": quote(later_end.isoformat()),
            "later_local": local(later), "later_end_local": local(later_end),
            "later_local_q": local(later), "later_end_local_q": local(later_end),
            "loan_later_end": loan_later.isoformat(),
            "loan_later_end_q": quote(loan_later.isoformat()),
            "loan_later_end_local": local(loan_later)}


def _fill(value, values):
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _client(world, role) -> APIClient:
    client = APIClient()
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    return client


def _send(world, route, method, role, client=None, rows=None):
    spec = (rows or MATRIX)[route]
    data, _codes = spec["cases"][method]
    values = _values(world)
    url = spec["url"].format(**values)
    client = client or _client(world, role)
    kwargs = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "GET":
        return client.get(url, **kwargs)
    if callable(data):
        return getattr(client, method.lower())(url, data(), format="multipart", **kwargs)
    body = _fill(data or {}, values)
    if url.startswith("/api/"):
        return getattr(client, method.lower())(url, body, format="json", **kwargs)
    return getattr(client, method.lower())(url, body, **kwargs)


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATH)


def _not_authenticated(response) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code == 403 and response.get("Content-Type", "").startswith(
            "application/json"):
        return response.json().get("code") == "not_authenticated"
    return False


def matches(code: str, response) -> bool:
    status = response.status_code
    if status >= 500:
        return False
    login = _to_login(response) or _not_authenticated(response)
    if code == "OK":
        return status < 400 and not login
    if code == "SEE":
        return status != 404 and not login
    if code == "NO":
        page_refusal = 300 <= status < 400 and not response.wsgi_request.path.startswith("/api/")
        return (400 <= status < 500 or page_refusal) and status != 404 and not login
    if code == "HIDE":
        return status == 404
    if code == "ANON":
        return status == 404 or login
    raise AssertionError(f"unknown code {code}")


CELLS = [(route, method, role, codes[role])
         for route, spec in MATRIX.items()
         for method, (_data, codes) in spec["cases"].items()
         for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role", "code"), CELLS,
                         ids=[f"{r}|{m}|{p}" for r, m, p, _c in CELLS])
def test_access(world, route, method, role, code):
    response = _send(world, route, method, role)
    detail = response.content[:300] if not response.streaming else b"<stream>"
    assert matches(code, response), (
        f"{method} {route} as {role}: expected {code}, got {response.status_code} "
        f"{response.get('Location', '')} {detail!r}")
    if route.startswith("api/") and response.status_code == 404:
        # The same answer as for something that does not exist.
        assert response.json()["code"] == "not_found", detail
    if role in ("outsider", "anonymous") and not response.streaming and not MATRIX[route]["key"]:
        text = response.content.decode(errors="replace")
        leaked = [name for name in PRIVATE_NAMES if name in text]
        assert not leaked, f"{method} {route} as {role} shows {leaked}"


# The public listing, for contrast: what the private one hides, it shows to
# everyone (anonymous clients included), and only its lender changes it.
PUBLIC_ROWS = {
    "api/v1/listings/<int:listing_id>/": row(
        "/api/v1/listings/{public}/",
        GET="OK OK OK OK OK",
        PATCH=({"title": "Changed tent"}, "OK NO NO NO ANON")),
    "api/v1/listings/<int:listing_id>/quote/": row(
        "/api/v1/listings/{public}/quote/?start={later_q}&end={later_end_q}",
        GET="OK OK OK OK OK"),
    "api/v1/listings/<int:listing_id>/availability/": row(
        "/api/v1/listings/{public}/availability/?from={later_q}&to={later_end_q}",
        GET="OK OK OK OK OK"),
    "listings/<int:pk>/": row("/listings/{public}/", GET="OK OK OK OK OK"),
    "listings/<int:pk>/edit/": row("/listings/{public}/edit/", GET="OK NO NO NO ANON"),
    "listings/<int:pk>/book/": row("/listings/{public}/book/", GET="SEE OK OK OK ANON"),
    "listings/<int:pk>/book/quote/": row(
        "/listings/{public}/book/quote/?start={later_local_q}&end={later_end_local_q}",
        GET="OK OK OK OK OK"),
}

PUBLIC_CELLS = [(route, method, role, codes[role])
                for route, spec in PUBLIC_ROWS.items()
                for method, (_data, codes) in spec["cases"].items()
                for role in ROLES]


def test_public_rows_name_matrix_routes():
    assert PUBLIC_ROWS.keys() <= MATRIX.keys()


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role", "code"), PUBLIC_CELLS,
                         ids=[f"public:{r}|{m}|{p}" for r, m, p, _c in PUBLIC_CELLS])
def test_public_listing_access(world, route, method, role, code):
    response = _send(world, route, method, role, rows=PUBLIC_ROWS)
    assert matches(code, response), (
        f"{method} {route} (public) as {role}: expected {code}, got {response.status_code}")


# --- a hidden change changes nothing -------------------------------------------


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for app in ("accounts", "community_rules", "listings", "bookings", "payments",
                "moderation"):
        for model in apps.get_app_config(app).get_models():
            rows = list(model.objects.order_by("pk").values())
            digest.update(model.__name__.encode())
            digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return digest.hexdigest()


REFUSED_CHANGES = [(route, method, role)
                   for route, spec in MATRIX.items()
                   for method, (_data, codes) in spec["cases"].items() if method != "GET"
                   for role in ROLES if codes[role] in ("HIDE", "ANON", "NO")]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role"), REFUSED_CHANGES,
                         ids=[f"{r}|{m}|{p}" for r, m, p in REFUSED_CHANGES])
def test_a_refused_change_changes_nothing(world, route, method, role):
    client = _client(world, role)  # signing in stamps last_login: before the count
    before = _fingerprint()
    response = _send(world, route, method, role, client)
    assert matches(MATRIX[route]["cases"][method][1][role], response)
    assert _fingerprint() == before, f"{method} {route} as {role} changed something"


@pytest.mark.django_db
def test_each_row_tries_its_own_route(world):
    """A row's URL reaches the pattern it is filed under (no typo testing
    another route in its place)."""
    values = _values(world)
    for rows in (MATRIX, PUBLIC_ROWS):
        for route, spec in rows.items():
            path = urlsplit(spec["url"].format(**values)).path
            assert resolve(path).route == route, (route, path)
