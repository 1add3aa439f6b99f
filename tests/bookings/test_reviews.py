from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Review
from bookings.services.booking import booking_act
from bookings.services.review import review_create, reviews_publish_closed_windows
from marketplace.errors import Conflict, InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(picked_up, owner):
    returned = booking_act(actor=owner, booking=picked_up, action="return")
    return booking_act(actor=owner, booking=returned, action="complete")


def test_reviews_stay_hidden_until_both_sides_have_written(completed, owner, member):
    by_borrower = review_create(actor=member, booking=completed, rating=5, text="Great drill")
    assert by_borrower.published_at is None and by_borrower.subject == owner
    by_lender = review_create(actor=owner, booking=completed, rating=4, text="Returned clean")
    assert by_lender.published_at is not None
    by_borrower.refresh_from_db()
    assert by_borrower.published_at == by_lender.published_at
    assert by_lender.subject == member


def test_one_review_per_side(completed, member):
    review_create(actor=member, booking=completed, rating=5)
    with pytest.raises(Conflict):
        review_create(actor=member, booking=completed, rating=1)
    assert Review.objects.count() == 1


def test_no_review_before_completion_or_by_strangers(picked_up, member, outsider, completed):
    with pytest.raises(InvalidTransition):
        review_create(actor=outsider, booking=completed, rating=3)
    with pytest.raises(ValidationFailed):
        review_create(actor=member, booking=completed, rating=6)


def test_reviews_close_after_14_days_and_lone_reviews_are_published(completed, owner, member):
    review = review_create(actor=member, booking=completed, rating=4)
    later = timezone.now() + timedelta(days=15)
    Booking.objects.filter(pk=completed.pk).update(completed_at=timezone.now()
                                                   - timedelta(days=15))
    completed.refresh_from_db()
    with pytest.raises(InvalidTransition, match="14 days"):
        review_create(actor=owner, booking=completed, rating=4)
    assert reviews_publish_closed_windows(now=later) == 1
    review.refresh_from_db()
    assert review.published_at is not None


def test_averages_count_only_published_reviews(completed, owner, member, client):
    from bookings.selectors import rating_summary

    review_create(actor=member, booking=completed, rating=4)
    assert rating_summary(subject=owner) == {"average": None, "count": 0}
    review_create(actor=owner, booking=completed, rating=5)
    assert rating_summary(subject=owner) == {"average": 4, "count": 1}
    assert rating_summary(listing=completed.listing) == {"average": 4, "count": 1}
    assert rating_summary(subject=member) == {"average": 5, "count": 1}
    page = client.get(f"/people/{owner.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "★ 4" in page and "1 review" in page
