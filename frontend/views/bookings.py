"""Pages for bookings: request with the quote, my bookings, the booking's
timeline, and the lender's calendar of a listing."""

import contextlib
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import pricing, selectors
from bookings import rules as booking_rules
from bookings.models import Booking, ConditionReport
from bookings.services import booking as booking_services
from bookings.services import calendar as calendar_services
from bookings.services import condition as condition_services
from bookings.services import extension as extension_services
from bookings.services import review as review_services
from bookings.services import waitlist as waitlist_services
from bookings.transitions import BORROWER, LENDER, actions_for
from frontend.forms import datetimes_from_form
from frontend.refusals import refusal_shown
from listings.selectors import Viewer, can_manage_listing, community_shown, listing_get
from marketplace.dates import LOCAL, datetime_from_input
from marketplace.errors import BookingConflict, DomainError, ValidationFailed

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _period(values, *, required: bool) -> tuple[datetime | None, datetime | None]:
    """The start and the end a form sent, in Seoul time (None where left
    empty and not `required`); ValidationFailed naming each one that is not
    a date and a time."""
    moments = datetimes_from_form(values, {"start": _("the start"), "end": _("the end")},
                                  required=required)
    return moments["start"], moments["end"]


def _shown(moment: datetime | None, typed: str | None) -> str:
    """A datetime-local field's value: the moment read, else what the person
    typed (a refused value stays there for them to correct)."""
    if moment is None:
        return typed or ""
    return timezone.localtime(moment).strftime(DATETIME_INPUT)


def _quote_context(listing, start, end, viewer: Viewer) -> dict:
    # A private community that lends it is named to its members only.
    lender = listing.owner_community if community_shown(
        community=listing.owner_community, viewer=viewer) else None
    if start is None or end is None or start >= end:
        return {"quote": None, "lender_community": lender}
    return {"quote": pricing.quote(listing, start, end), "lender_community": lender}


@login_required
def booking_new(request, pk: int):
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    communities = [c for c in listing.communities.all() if c.pk in viewer.community_ids]
    values = request.POST if request.method == "POST" else request.GET
    start = end = None
    offer_waitlist = False
    with refusal_shown(request) as reading:
        # A link may leave the period out (tomorrow 10:00, for a day); a sent
        # form must give both, and what it gives is never swapped for another.
        start, end = _period(values, required=request.method == "POST")
        start = start or (timezone.localtime() + timedelta(days=1)).replace(
            hour=10, minute=0, second=0, microsecond=0)
        end = end or start + timedelta(days=1)
    if request.method == "POST" and reading.error is None:
        with refusal_shown(request) as attempt:
            booking = booking_services.booking_request(
                actor=request.user, listing_id=listing.pk, start=start, end=end,
                community=request.POST.get("community") or None,
                message=request.POST.get("message", ""))
            messages.success(request, _("Your request is sent. The lender will answer soon.")
                             if booking.status == Booking.Status.REQUESTED
                             else _("Booked! The loan is confirmed."))
            return redirect("booking-detail", booking_id=booking.pk)
        offer_waitlist = isinstance(attempt.error, BookingConflict)
    chosen = request.POST.get("community") or request.GET.get("community")
    through = next((c for c in communities if c.slug == chosen), None) or (
        communities[0] if communities and listing.visibility != "public" else None)
    context = {
        "rules": booking_rules.rules_that_apply(listing=listing, community=through,
                                                asker=request.user),
        "offer_waitlist": offer_waitlist,
        "listing": listing, "communities": communities, "start": start, "end": end,
        "start_value": _shown(start, values.get("start")),
        "end_value": _shown(end, values.get("end")),
        "message_text": request.POST.get("message", ""),
        **_quote_context(listing, start, end, viewer),
    }
    return render(request, "bookings/request.html", context)


def booking_quote(request, pk: int):
    """The live quote under the request form (htmx swaps it in)."""
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    start = end = None
    with contextlib.suppress(ValidationFailed):  # no price until both read
        start, end = _period(request.GET, required=False)
    context = {"listing": listing, **_quote_context(listing, start, end, viewer)}
    return render(request, "bookings/_quote.html", context)


@login_required
@require_POST
def waitlist_new(request, pk: int):
    listing_get(listing_id=pk, viewer=Viewer.of(request.user))  # 404 when hidden
    with refusal_shown(request):
        start, end = _period(request.POST, required=False)
        if start is None or end is None:
            raise DomainError(_("Choose a valid period to wait for."))
        waitlist_services.waitlist_join(actor=request.user, listing_id=pk, start=start, end=end)
        messages.success(request, _("You are on the waitlist: we will tell you as soon as a "
                                    "unit frees up in that period."))
    return redirect("booking-new", pk=pk)


@login_required
def my_bookings(request):
    viewer = Viewer.of(request.user)
    role = request.GET.get("role") if request.GET.get("role") in (BORROWER, LENDER) else BORROWER
    bookings = list(selectors.booking_list(viewer=viewer, role=role)[:100])
    side = {role}
    for booking in bookings:
        booking.available_actions = actions_for(status=booking.status, sides=side)
    return render(request, "bookings/mine.html", {"bookings": bookings, "role": role})


@login_required
def booking_detail(request, booking_id: int):
    viewer = Viewer.of(request.user)
    booking = selectors.booking_get(booking_id=booking_id, viewer=viewer)
    sides = booking_services.booking_sides(booking=booking, user=request.user)
    reports = booking.condition_reports.select_related("author__profile").prefetch_related(
        "photos")
    extensions = booking.extensions.all()
    reviews = list(booking.reviews.all())
    mine = [r for r in reviews if r.author_id == request.user.pk]
    context = {
        "booking": booking, "sides": sides,
        "is_lender": LENDER in sides, "is_borrower": BORROWER in sides,
        "actions": actions_for(status=booking.status, sides=sides),
        "reports": reports, "extensions": extensions,
        "visible_reviews": [r for r in reviews if r.published_at or r.author_id
                            == request.user.pk],
        "can_review": bool(sides) and booking.status == Booking.Status.COMPLETED and not mine,
        "conditions": ConditionReport.Condition.choices,
        "can_report": booking.status in (Booking.Status.CONFIRMED, Booking.Status.PICKED_UP,
                                         Booking.Status.RETURNED, Booking.Status.DISPUTED),
        "can_extend": BORROWER in sides and booking.status in extension_services.EXTENDABLE,
        "terms": pricing.cancellation_terms(booking.cancellation_policy),
    }
    return render(request, "bookings/detail.html", context)


def _back_to(booking_id: int):
    return redirect("booking-detail", booking_id=booking_id)


@login_required
@require_POST
def booking_action(request, booking_id: int, action: str):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    with refusal_shown(request):
        booking_services.booking_act(actor=request.user, booking=booking, action=action,
                                     note=request.POST.get("note", ""))
        messages.success(request, _("Done: the booking is now “%(status)s”.") % {
            "status": Booking.objects.get(pk=booking.pk).get_status_display()})
    return redirect(request.POST.get("next") or reverse("booking-detail", args=[booking.pk]))


@login_required
@require_POST
def condition_report_new(request, booking_id: int):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    with refusal_shown(request):
        condition_services.condition_report_add(
            actor=request.user, booking=booking, stage=request.POST.get("stage", ""),
            condition=request.POST.get("condition", ""), note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"))
        messages.success(request, _("The condition is recorded."))
    return _back_to(booking.pk)


@login_required
@require_POST
def review_new(request, booking_id: int):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    try:
        rating = int(request.POST.get("rating", "0"))
    except ValueError:
        rating = 0
    with refusal_shown(request):
        review_services.review_create(actor=request.user, booking=booking, rating=rating,
                                      text=request.POST.get("text", ""))
        messages.success(request, _("Thank you. Your review appears when the other side has "
                                    "written theirs, or in 14 days."))
    return _back_to(booking.pk)


@login_required
@require_POST
def extension_new(request, booking_id: int):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    with refusal_shown(request):
        new_end = datetime_from_input(request.POST.get("new_end"), field="new_end",
                                      label=_("the new end"), naive=LOCAL)
        if new_end is None:
            raise DomainError(_("Choose the new end date and time."))
        extension_services.extension_request(actor=request.user, booking=booking,
                                             new_end=new_end)
        messages.success(request, _("Your request for more time is sent to the lender."))
    return _back_to(booking.pk)


@login_required
@require_POST
def extension_decide(request, extension_id: int, decision: str):
    extension = selectors.extension_get(extension_id=extension_id,
                                        viewer=Viewer.of(request.user))
    with refusal_shown(request):
        extension_services.extension_decide(actor=request.user, extension=extension,
                                            approve=decision == "approve")
    return _back_to(extension.booking_id)


@login_required
def listing_calendar(request, pk: int):
    """The lender's view: each unit's bookings over the coming four weeks,
    the private feed address and the external calendar import."""
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    if not can_manage_listing(listing=listing, viewer=viewer):
        messages.error(request, _("Only the lender can see this listing's calendar."))
        return redirect("home")
    if request.method == "POST":
        with refusal_shown(request):
            calendar_services.calendar_import_set(actor=request.user, listing=listing,
                                                  url=request.POST.get("import_url", "").strip())
            messages.success(request, _("The external calendar is saved."))
        return redirect("listing-calendar", pk=listing.pk)
    feed = calendar_services.calendar_feed_get_or_create(actor=request.user, listing=listing)
    calendar = selectors.lender_calendar(listing=listing, first_day=timezone.localdate(),
                                         days=28, statuses=calendar_services.SHOWN)
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return render(request, "bookings/calendar.html", {
        "listing": listing, "days": calendar["days"], "rows": calendar["rows"], "feed": feed,
        "feed_url": feed_url,
        "upcoming": [b for b in calendar["bookings"] if b.end >= timezone.now()],
    })


@login_required
@require_POST
def listing_calendar_reset(request, pk: int):
    """A new private address for the listing's feed; the old one stops."""
    listing = listing_get(listing_id=pk, viewer=Viewer.of(request.user))
    with refusal_shown(request):
        feed = calendar_services.calendar_feed_get_or_create(actor=request.user, listing=listing)
        calendar_services.calendar_feed_rotate(actor=request.user, feed=feed)
        messages.success(request, _("The calendar has a new private address: the old one "
                                    "no longer works."))
    return redirect("listing-calendar", pk=listing.pk)


urlpatterns = [
    path("listings/<int:pk>/book/", booking_new, name="booking-new"),
    path("listings/<int:pk>/book/quote/", booking_quote, name="booking-quote"),
    path("listings/<int:pk>/calendar/", listing_calendar, name="listing-calendar"),
    path("listings/<int:pk>/calendar/reset/", listing_calendar_reset,
         name="listing-calendar-reset"),
    path("listings/<int:pk>/waitlist/", waitlist_new, name="waitlist-new"),
    path("my/bookings/", my_bookings, name="my-bookings"),
    path("bookings/<int:booking_id>/", booking_detail, name="booking-detail"),
    path("bookings/<int:booking_id>/conditions/", condition_report_new,
         name="booking-condition-new"),
    path("bookings/<int:booking_id>/review/", review_new, name="booking-review-new"),
    path("bookings/<int:booking_id>/extend/", extension_new, name="booking-extension-new"),
    path("extensions/<int:extension_id>/<str:decision>/", extension_decide,
         name="extension-decide"),
    path("bookings/<int:booking_id>/<str:action>/", booking_action, name="booking-action"),
]
