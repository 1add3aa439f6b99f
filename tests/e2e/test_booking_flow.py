"""A borrower requests a listing after seeing the quote and policy; the
lender approves; pickup and return are recorded with condition notes; both
leave reviews. Two people, two browsers, one live server."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, Review
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.fixtures.bookings import make_listing


def test_request_approve_pickup_return_review(new_page, owner, member):
    tent = make_listing(owner, title="Family tent", pricing="per_day", price=8000,
                        deposit=30000, cancellation_policy="moderate")
    borrower, lender = new_page(), new_page()
    log_in(borrower, member.email, PASSWORD)
    log_in(lender, owner.email, PASSWORD)

    # The borrower chooses two days and sees the price and terms first.
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=10, minute=0)
    borrower.goto(f"/listings/{tent.pk}/book/")
    borrower.fill("#start", start.strftime("%Y-%m-%dT%H:%M"))
    borrower.fill("#end", (start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    borrower.locator("#end").dispatch_event("change")
    expect(borrower.get_by_test_id("quote-rental")).to_contain_text("16,000원")
    expect(borrower.get_by_test_id("quote-deposit")).to_contain_text("30,000원")
    expect(borrower.get_by_test_id("quote-total")).to_contain_text("46,000원")
    expect(borrower.get_by_test_id("quote-policy")).to_contain_text("5 days")
    expect(borrower.get_by_test_id("lender-identity")).to_contain_text("Owner Kim")
    borrower.fill("#message", "For a weekend at Nanji camping ground")
    borrower.get_by_test_id("request-booking").click()
    expect(borrower.get_by_test_id("booking-status")).to_have_text("Requested")
    booking = Booking.objects.get()

    # The lender approves from their bookings; nothing to pay online: confirmed.
    lender.goto("/my/bookings/?role=lender")
    lender.get_by_test_id("action-approve").click()
    lender.goto(f"/bookings/{booking.pk}/")
    expect(lender.get_by_test_id("booking-status")).to_have_text("Confirmed")

    # Pickup with a condition note, then the return with another.
    lender.get_by_test_id("condition-note").fill("Tent complete, 12 pegs")
    lender.get_by_test_id("save-condition").click()
    lender.get_by_test_id("action-pickup").click()
    expect(lender.get_by_test_id("booking-status")).to_have_text("Picked up")
    lender.get_by_test_id("condition-note").fill("Back dry and clean, 12 pegs")
    lender.get_by_test_id("save-condition").click()
    lender.get_by_test_id("action-return").click()
    expect(lender.get_by_test_id("booking-status")).to_have_text("Returned")
    expect(lender.get_by_test_id("timeline")).to_contain_text("Tent complete, 12 pegs")
    expect(lender.get_by_test_id("timeline")).to_contain_text("Back dry and clean")
    lender.get_by_test_id("action-complete").click()
    expect(lender.get_by_test_id("booking-status")).to_have_text("Completed")

    # Both review; the reviews show once both have written.
    lender.get_by_test_id("rating-5").check()
    lender.get_by_test_id("review-text").fill("Returned spotless")
    lender.get_by_test_id("save-review").click()
    borrower.goto(f"/bookings/{booking.pk}/")
    expect(borrower.get_by_test_id("booking-status")).to_have_text("Completed")
    expect(borrower.get_by_test_id("review")).to_have_count(0)
    borrower.get_by_test_id("rating-4").check()
    borrower.get_by_test_id("review-text").fill("Great tent, thank you")
    borrower.get_by_test_id("save-review").click()
    expect(borrower.get_by_test_id("review")).to_have_count(2)
    assert Review.objects.filter(published_at__isnull=False).count() == 2
    assert [t.to_status for t in Booking.objects.get().transitions.all()] == [
        "requested", "approved", "confirmed", "picked_up", "returned", "completed"]
