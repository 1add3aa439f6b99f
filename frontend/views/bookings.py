"""Pages for bookings: request with the quote, my bookings, the booking's
timeline, and the lender's calendar of a listing."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import pricing, selectors
from bookings.models import Booking, ConditionReport
from bookings.services import booking as booking_services
from bookings.services import calendar as calendar_services
from bookings.services import condition as condition_services
from bookings.services import extension as extension_services
from bookings.services import review as review_services
from bookings.services import waitlist as waitlist_services
from bookings.transitions import BORROWER, LENDER, actions_for
from community_rules import engine as rules_engine
from frontend.refusals import show_refusal
from listings.selectors import Viewer, can_manage_listing, listing_get
from marketplace.errors import BookingConflict, DomainError

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _parse_local(value: str | None) -> datetime | None:
    """A datetime-local field's value, in Seoul time."""
    if not value:
        return None
    try:
        return timezone.make_aware(datetime.strptime(value, DATETIME_INPUT))
    except ValueError:
        return None


def _quote_context(listing, start, end) -> dict:
    if start is None or end is None or start >= end:
        return {"quote": None}
    return {"quote": pricing.quote(listing, start, end)}


@login_required
def booking_new(request, pk: int):
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    communities = [c for c in listing.communities.all() if c.pk in viewer.community_ids]
    default_start = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    start = _parse_local(request.POST.get("start") or request.GET.get("start")) or default_start
    end = _parse_local(request.POST.get("end") or request.GET.get("end")) or (
        start + timedelta(days=1))
    offer_waitlist = False
    if request.method == "POST":
        try:
            booking = booking_services.booking_request(
                actor=request.user, listing_id=listing.pk, start=start, end=end,
                community=request.POST.get("community") or None,
                message=request.POST.get("message", ""))
        except DomainError as error:
            show_refusal(request, error)
            offer_waitlist = isinstance(error, BookingConflict)
        else:
            messages.success(request, _("Your request is sent. The lender will answer soon.")
                             if booking.status == Booking.Status.REQUESTED
                             else _("Booked! The loan is confirmed."))
            return redirect("booking-detail", booking_id=booking.pk)
    chosen = request.POST.get("community") or request.GET.get("community")
    through = next((c for c in communities if c.slug == chosen), None) or (
        communities[0] if communities and listing.visibility != "public" else None)
    context = {
        "rules": rules_engine.rules_that_apply(listing=listing, community=through),
        "offer_waitlist": offer_waitlist,
        "listing": listing, "communities": communities, "start": start, "end": end,
        "start_value": timezone.localtime(start).strftime(DATETIME_INPUT),
        "end_value": timezone.localtime(end).strftime(DATETIME_INPUT),
        "message_text": request.POST.get("message", ""),
        **_quote_context(listing, start, end),
    }
    return render(request, "bookings/request.html", context)


def booking_quote(request, pk: int):
    """The live quote under the request form (htmx swaps it in)."""
    listing = listing_get(listing_id=pk, viewer=Viewer.of(request.user))
    context = {"listing": listing, **_quote_context(
        listing, _parse_local(request.GET.get("start")), _parse_local(request.GET.get("end")))}
    return render(request, "bookings/_quote.html", context)


@login_required
@require_POST
def waitlist_new(request, pk: int):
    start, end = _parse_local(request.POST.get("start")), _parse_local(request.POST.get("end"))
    try:
        if start is None or end is None:
            raise DomainError(_("Choose a valid period to wait for."))
        waitlist_services.waitlist_join(actor=request.user, listing_id=pk, start=start, end=end)
    except DomainError as error:
        show_refusal(request, error)
    else:
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
    try:
        booking_services.booking_act(actor=request.user, booking=booking, action=action,
                                     note=request.POST.get("note", ""))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Done: the booking is now “%(status)s”.") % {
            "status": Booking.objects.get(pk=booking.pk).get_status_display()})
    return redirect(request.POST.get("next") or reverse("booking-detail", args=[booking.pk]))


@login_required
@require_POST
def condition_report_new(request, booking_id: int):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    try:
        condition_services.condition_report_add(
            actor=request.user, booking=booking, stage=request.POST.get("stage", ""),
            condition=request.POST.get("condition", ""), note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"))
    except DomainError as error:
        show_refusal(request, error)
    else:
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
    try:
        review_services.review_create(actor=request.user, booking=booking, rating=rating,
                                      text=request.POST.get("text", ""))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Thank you. Your review appears when the other side has "
                                    "written theirs, or in 14 days."))
    return _back_to(booking.pk)


@login_required
@require_POST
def extension_new(request, booking_id: int):
    booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
    new_end = _parse_local(request.POST.get("new_end"))
    try:
        if new_end is None:
            raise DomainError(_("Choose the new end date and time."))
        extension_services.extension_request(actor=request.user, booking=booking,
                                             new_end=new_end)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Your request for more time is sent to the lender."))
    return _back_to(booking.pk)


@login_required
@require_POST
def extension_decide(request, extension_id: int, decision: str):
    extension = selectors.extension_get(extension_id=extension_id,
                                        viewer=Viewer.of(request.user))
    try:
        extension_services.extension_decide(actor=request.user, extension=extension,
                                            approve=decision == "approve")
    except DomainError as error:
        show_refusal(request, error)
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
        try:
            calendar_services.calendar_import_set(actor=request.user, listing=listing,
                                                  url=request.POST.get("import_url", "").strip())
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("The external calendar is saved."))
        return redirect("listing-calendar", pk=listing.pk)
    feed = calendar_services.calendar_feed_get_or_create(actor=request.user, listing=listing)
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(28)]
    first = timezone.make_aware(datetime.combine(days[0], datetime.min.time()))
    last = first + timedelta(days=28)
    bookings = list(
        Booking.objects.filter(listing=listing, status__in=calendar_services.SHOWN,
                               start__lt=last, end__gt=first)
        .select_related("borrower__profile", "unit").order_by("start"))
    blackouts = list(listing.blackouts.filter(starts_at__lt=last, ends_at__gt=first))
    rows = []
    for unit in listing.units.filter(is_active=True):
        cells = []
        for day in days:
            start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            end = start + timedelta(days=1)
            held = [b for b in bookings if b.unit_id == unit.pk and b.start < end
                    and b.end > start]
            closed = any(b.starts_at < end and b.ends_at > start for b in blackouts)
            cells.append({"day": day, "bookings": held, "closed": closed})
        rows.append({"unit": unit, "cells": cells})
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return render(request, "bookings/calendar.html", {
        "listing": listing, "days": days, "rows": rows, "feed": feed, "feed_url": feed_url,
        "upcoming": [b for b in bookings if b.end >= timezone.now()],
    })


urlpatterns = [
    path("listings/<int:pk>/book/", booking_new, name="booking-new"),
    path("listings/<int:pk>/book/quote/", booking_quote, name="booking-quote"),
    path("listings/<int:pk>/calendar/", listing_calendar, name="listing-calendar"),
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
