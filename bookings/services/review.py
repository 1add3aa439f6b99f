"""Reviews after a completed booking: both sides, once each, within 14 days;
hidden until both have written or the window closes, so neither answers the
other's review."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, Review
from bookings.services.booking import booking_sides
from bookings.transitions import BORROWER
from marketplace.errors import Conflict, InvalidTransition, ValidationFailed

REVIEW_WINDOW = timedelta(days=14)


def review_create(*, actor, booking: Booking, rating: int, text: str = "") -> Review:
    """Review the other side of a completed booking."""
    sides = booking_sides(booking=booking, user=actor)
    if not sides:
        raise InvalidTransition(_("Only the borrower and the lender can review a booking."))
    if booking.status != Booking.Status.COMPLETED or booking.completed_at is None:
        raise InvalidTransition(_("You can review a booking once it is completed."))
    if timezone.now() > booking.completed_at + REVIEW_WINDOW:
        raise InvalidTransition(_("Reviews close 14 days after the booking is completed."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        message = _("Give a rating from 1 to 5.")
        raise ValidationFailed(message, fields={"rating": [message]})
    side = Review.Side.BORROWER if BORROWER in sides else Review.Side.LENDER
    subject_id = booking.listing.owner_id if side == Review.Side.BORROWER else booking.borrower_id
    try:
        with transaction.atomic():
            review = Review.objects.create(booking=booking, side=side, author=actor,
                                           subject_id=subject_id, rating=rating, text=text)
            # Both sides have written: both become visible together.
            if Review.objects.filter(booking=booking).count() == 2:
                Review.objects.filter(booking=booking, published_at__isnull=True).update(
                    published_at=timezone.now())
                review.refresh_from_db()
    except IntegrityError as error:
        raise Conflict(_("You have already reviewed this booking.")) from error
    return review


def reviews_publish_closed_windows(*, now=None) -> int:
    """Publish the reviews whose 14-day window has closed (a job)."""
    now = now or timezone.now()
    return Review.objects.filter(
        published_at__isnull=True, booking__completed_at__lte=now - REVIEW_WINDOW,
    ).update(published_at=now)



