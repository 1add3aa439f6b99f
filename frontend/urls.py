from django.urls import include, path

from frontend.views import base

urlpatterns = [
    path("", base.home, name="home"),
    path("me/", base.profile, name="profile"),
    path("people/<int:user_id>/", base.person, name="person"),
    path("", include("frontend.views.browse")),
    path("", include("frontend.views.listings")),
    path("", include("frontend.views.communities")),
    # Before companies: its companies/<slug>/ pages.
    path("", include("frontend.views.designations")),
    path("", include("frontend.views.companies")),
    # Before bookings: its bookings/<id>/<action>/ would take pay/, claim/...
    path("", include("frontend.views.payments")),
    path("", include("frontend.views.bookings")),
    path("", include("frontend.views.governance")),
    path("", include("frontend.views.media")),
    path("", include("frontend.views.messaging")),
    path("", include("frontend.views.stats")),
]
