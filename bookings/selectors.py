"""Reads of bookings. Only the borrower, the lender side (owner, company
staff, community moderators) and city staff see a booking."""

from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone

from bookings.models import Booking, BookingTransition, Extension, Review
from listings.models import Listing
from listings.selectors import Viewer, managed_q, visible_listings
from marketplace.errors import NotFound


def _lender_q(viewer: Viewer) -> Q:
    """Bookings of listings the viewer manages."""
    return Q(listing__in=Listing.objects.filter(managed_q(viewer)).values("pk"))


def booking_list(*, viewer: Viewer, role: str | None = None, status: str | None = None
                 ) -> QuerySet[Booking]:
    """The person's bookings: as borrower, as lender, or both."""
    as_borrower = Q(borrower_id=viewer.user_id)
    as_lender = _lender_q(viewer)
    condition = {"borrower": as_borrower, "lender": as_lender}.get(role, as_borrower | as_lender)
    bookings = Booking.objects.filter(condition)
    if status:
        bookings = bookings.filter(status=status)
    return bookings.select_related(
        "listing__category", "listing__company", "unit", "borrower__profile", "community"
    ).order_by("-start", "-id")


# What the booking pages show besides the booking; the API's answer needs
# less (API_RELATED).
DISPLAY_RELATED = ("listing__company", "listing__owner__profile", "unit", "borrower__profile",
                   "community")
API_RELATED = ("listing", "unit", "borrower__profile", "community")


def booking_get(*, booking_id: int, viewer: Viewer, related=DISPLAY_RELATED) -> Booking:
    """The booking, or NotFound for anyone who is not a party to it (city
    staff see every booking). `related` is what is loaded with it."""
    if viewer.user_id is None:
        raise NotFound()
    bookings = Booking.objects.all()
    if not viewer.user.is_staff:
        bookings = bookings.filter(Q(borrower_id=viewer.user_id) | _lender_q(viewer))
    booking = (
        bookings.select_related(*related)
        .prefetch_related(Prefetch(
            "transitions", queryset=BookingTransition.objects.select_related("actor__profile")))
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking


def extension_get(*, extension_id: int, viewer: Viewer) -> Extension:
    """An extension of a booking the viewer is party to, else NotFound."""
    extension = Extension.objects.select_related("booking").filter(pk=extension_id).first()
    if extension is None:
        raise NotFound()
    booking_get(booking_id=extension.booking_id, viewer=viewer)
    return extension


def listing_for_booking(*, listing_id: int, viewer: Viewer) -> Listing:
    """The listing with what a booking checks (its category path, the
    communities it is shared in, the lender), or NotFound when the viewer
    may not see it. Opening hours are read only for a listing that has
    them (bookings/terms.py)."""
    listing = (
        visible_listings(viewer)
        .select_related("company", "owner_community", "category__parent")
        .prefetch_related("communities")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound()
    return listing


def rating_summary(*, subject=None, listing=None, company=None) -> dict:
    """Average rating and count of published reviews: of a person (reviews
    about them), or of a listing or a company (borrowers' reviews)."""
    reviews = Review.objects.filter(published_at__isnull=False)
    if subject is not None:
        reviews = reviews.filter(subject=subject)
    else:
        reviews = reviews.filter(side=Review.Side.BORROWER)
        if listing is not None:
            reviews = reviews.filter(booking__listing=listing)
        if company is not None:
            reviews = reviews.filter(booking__listing__company=company)
    summary = reviews.aggregate(average=Avg("rating"), count=Count("id"))
    average = summary["average"]
    return {"average": round(average, 1) if average is not None else None,
            "count": summary["count"]}


def lender_calendar(*, listing: Listing, first_day: date, days: int, statuses) -> dict:
    """The lender's grid of a listing: `days` Seoul days from `first_day`;
    for each active unit, day by day, the bookings in `statuses` that hold
    it and whether a blackout closes it; and `bookings`, every one of them
    over the period by start. The caller has checked that the viewer
    manages the listing."""
    dates = [first_day + timedelta(days=n) for n in range(days)]
    first = timezone.make_aware(datetime.combine(dates[0], datetime.min.time()))
    last = first + timedelta(days=days)
    bookings = list(
        Booking.objects.filter(listing=listing, status__in=statuses, start__lt=last,
                               end__gt=first)
        .select_related("borrower__profile", "unit").order_by("start"))
    blackouts = list(listing.blackouts.filter(starts_at__lt=last, ends_at__gt=first))
    rows = []
    for unit in listing.units.filter(is_active=True):
        cells = []
        for day in dates:
            start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            end = start + timedelta(days=1)
            held = [b for b in bookings if b.unit_id == unit.pk and b.start < end
                    and b.end > start]
            closed = any(b.starts_at < end and b.ends_at > start for b in blackouts)
            cells.append({"day": day, "bookings": held, "closed": closed})
        rows.append({"unit": unit, "cells": cells})
    return {"days": dates, "rows": rows, "bookings": bookings}
