"""Hypothesis drives random sequences of requests, cancellations and returns
over a few units; after every step no two holding bookings of one unit
overlap. Runs on both databases; on PostgreSQL the exclusion constraint
stands behind the service's own check."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import user_create
from bookings.models import Booking
from bookings.services.booking import booking_act, booking_request
from marketplace.errors import DomainError
from tests.fixtures.bookings import make_listing, tomorrow_at

request_step = st.tuples(st.just("request"), st.integers(0, 3), st.integers(0, 47),
                         st.integers(1, 30))
other_step = st.tuples(st.sampled_from(["cancel", "approve", "pickup", "return", "decline"]),
                       st.integers(0, 30))
steps = st.lists(st.one_of(request_step, other_step), min_size=1, max_size=25)


def assert_no_overlap():
    holding = Booking.objects.filter(status__in=Booking.HOLDING).order_by("unit_id", "start")
    previous = None
    for booking in holding:
        if previous is not None and previous.unit_id == booking.unit_id:
            assert previous.end <= booking.start, (previous, booking)
        previous = booking


@pytest.mark.django_db
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(script=steps)
def test_holding_bookings_of_a_unit_never_overlap(owner, script):
    Booking.objects.all().delete()
    listing = make_listing(owner, title="Property-tested tents", units=3)
    people = [user_create(email=f"h{n}-{listing.pk}@example.org", password="x")
              for n in range(4)]
    base = tomorrow_at(8)
    for step in script:
        try:
            if step[0] == "request":
                _, who, offset_hours, length_hours = step
                start = base + timedelta(hours=offset_hours)
                booking_request(actor=people[who], listing_id=listing.pk, start=start,
                                end=start + timedelta(hours=length_hours))
            else:
                action, index = step
                bookings = list(Booking.objects.filter(listing=listing).order_by("pk"))
                if not bookings:
                    continue
                booking = bookings[index % len(bookings)]
                actor = booking.borrower if action == "cancel" else owner
                booking_act(actor=actor, booking=booking, action=action)
        except DomainError:
            pass  # refusals are fine; what matters is what was saved
        assert_no_overlap()
