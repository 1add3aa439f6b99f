"""The private calendar feeds: plain Django views, addressed by a secret."""

from django.http import Http404, HttpResponse
from django.urls import path

from bookings.services.calendar import calendar_feed_for_token, calendar_feed_render
from marketplace.errors import NotFound


def calendar_feed(request, token: str):
    # Rights are checked on every fetch: a listing's feed stops (404) once
    # its person no longer manages the listing.
    try:
        feed = calendar_feed_for_token(token=token)
    except NotFound:
        raise Http404() from None
    response = HttpResponse(calendar_feed_render(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="nanum.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]
