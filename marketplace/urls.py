from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from frontend.views import base as frontend_views
from marketplace.api import not_found_json

# Every app's API under /api/v1/ (shared/API.md).
api_v1 = [
    path("", include("accounts.api")),
    path("", include("community_rules.api")),
    path("", include("community_rules.api_governance")),
    path("", include("moderation.api")),
    path("", include("listings.api")),
    path("", include("bookings.api")),
    # Last: any other path under /api/v1/ answers the JSON 404 shape.
    re_path(r"^.*$", not_found_json),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("bookings.feeds")),
    path("", include("frontend.urls")),
]

if settings.DEBUG or settings.TESTING:
    # Uploaded files; at scale the proxy serves MEDIA_ROOT itself.
    urlpatterns += [
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler404 = frontend_views.not_found
handler500 = frontend_views.server_error
