"""The private calendar feeds: plain Django views, addressed by a secret."""

from django.http import Http404, HttpResponse
from django.urls import path

from bookings.models import CalendarFeed
from bookings.services.calendar import calendar_feed_render


def calendar_feed(request, token: str):
    feed = CalendarFeed.objects.select_related("user", "listing").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404()
    response = HttpResponse(calendar_feed_render(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="nanum.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]
