"""Reads of bookings. Only the borrower, the lender side (owner, company
staff, community moderators) and city staff see a booking."""

from django.db.models import Q, QuerySet

from bookings.models import Booking
from listings.models import Listing
from listings.selectors import Viewer, managed_q
from marketplace.errors import NotFound


def _lender_q(viewer: Viewer) -> Q:
    """Bookings of listings the viewer manages."""
    return Q(listing__in=Listing.objects.filter(managed_q(viewer)).values("pk"))


def booking_list(*, user, role: str | None = None, status: str | None = None
                 ) -> QuerySet[Booking]:
    """The person's bookings: as borrower, as lender, or both."""
    viewer = Viewer.of(user)
    as_borrower = Q(borrower=user)
    as_lender = _lender_q(viewer)
    condition = {"borrower": as_borrower, "lender": as_lender}.get(role, as_borrower | as_lender)
    bookings = Booking.objects.filter(condition)
    if status:
        bookings = bookings.filter(status=status)
    return bookings.select_related(
        "listing__category", "listing__company", "unit", "borrower__profile", "community"
    ).order_by("-start", "-id")


def booking_get(*, booking_id: int, user) -> Booking:
    """The booking, or NotFound for anyone who is not a party to it."""
    if user is None or not user.is_authenticated:
        raise NotFound()
    bookings = Booking.objects.all()
    if not user.is_staff:
        viewer = Viewer.of(user)
        bookings = bookings.filter(Q(borrower=user) | _lender_q(viewer))
    booking = (
        bookings.select_related("listing__company", "listing__owner__profile", "unit",
                                "borrower__profile", "community")
        .prefetch_related("transitions__actor__profile")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking
