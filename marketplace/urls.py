from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from frontend.views import base as frontend_views
from frontend.views import media as frontend_media
from marketplace.api import not_found_json

# Every app's API under /api/v1/ (shared/API.md).
api_v1 = [
    path("", include("accounts.api")),
    path("", include("accounts.api_designations")),
    path("", include("community_rules.api")),
    path("", include("community_rules.api_governance")),
    path("", include("moderation.api")),
    path("", include("listings.api")),
    # Before bookings: its bookings/<id>/<action>/ would take payment/ too.
    path("", include("payments.api")),
    path("", include("bookings.api")),
    path("", include("messaging.api")),
    path("", include("messaging.api_notifications")),
    path("", include("figures.api")),
    # Last: any other path under /api/v1/ answers the JSON 404 shape, for
    # every method: without the exemption a POST would meet the CSRF check's
    # HTML 403 page instead (an answer that changes nothing needs no token).
    re_path(r"^.*$", csrf_exempt(not_found_json)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    # The language switch (Django's), remembering a signed-in person's choice.
    path("i18n/setlang/", frontend_views.language_set, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger's start-up script as a file, and our
    # template its page rules: the page needs no inline code (settings, CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="schema", template_name="frontend/api_docs.html"), name="api-docs"),
    path("payments/", include("payments.urls")),
    path("", include("bookings.feeds")),
    path("", include("frontend.urls")),
]

if settings.DEBUG or settings.TESTING:
    # Avatars and company logos; listing and condition photos only through
    # their checked views (/photos/...). At scale the proxy serves these
    # public folders itself (README, "Running at scale").
    urlpatterns += [
        path("media/<path:path>", frontend_media.public_media),
    ]

handler404 = frontend_views.not_found
handler500 = frontend_views.server_error
