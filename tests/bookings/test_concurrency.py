"""No double booking under real concurrency, on SQLite and PostgreSQL: many
threads, each with its own database connection, ask at the same instant."""

from datetime import timedelta

import pytest
from django.db import connection

from accounts.services import user_create
from bookings.models import Booking, BookingTransition
from bookings.services.booking import booking_act, booking_request
from marketplace.errors import BookingConflict
from tests.fixtures.bookings import make_listing
from tests.fixtures.threads import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 40


def test_forty_people_ask_for_the_same_unit_and_exactly_one_gets_it(owner, period):
    drill = make_listing(owner, title="The only drill")
    people = [user_create(email=f"p{i}@example.org", password="x") for i in range(THREADS)]

    outcomes = run_at_once(
        lambda i: booking_request(actor=people[i], listing_id=drill.pk, start=period[0],
                                  end=period[1]),
        THREADS,
    )

    winners = [o for o in outcomes if isinstance(o, Booking)]
    conflicts = [o for o in outcomes if isinstance(o, BookingConflict)]
    assert len(winners) == 1
    assert len(conflicts) == THREADS - 1
    assert all(c.code == "booking_conflict" for c in conflicts)
    # No half-made rows: one booking, one transition.
    assert Booking.objects.count() == 1
    assert BookingTransition.objects.count() == 1


def test_three_units_go_to_three_people_and_no_more(owner, period):
    tents = make_listing(owner, title="Tents", units=3)
    people = [user_create(email=f"t{i}@example.org", password="x") for i in range(THREADS)]

    outcomes = run_at_once(
        lambda i: booking_request(actor=people[i], listing_id=tents.pk, start=period[0],
                                  end=period[1] + timedelta(hours=i % 5)),
        THREADS,
    )

    winners = [o for o in outcomes if isinstance(o, Booking)]
    assert len(winners) == 3
    assert len({w.unit_id for w in winners}) == 3
    assert Booking.objects.count() == 3


def test_two_simultaneous_approvals_move_the_booking_once(owner, member, period):
    drill = make_listing(owner)
    booking = booking_request(actor=member, listing_id=drill.pk, start=period[0],
                              end=period[1])

    outcomes = run_at_once(
        lambda i: booking_act(actor=owner, booking=Booking.objects.get(pk=booking.pk),
                              action="approve"),
        2,
    )

    assert sum(isinstance(o, Booking) for o in outcomes) == 1
    assert sum(getattr(o, "code", "") == "invalid_transition" for o in outcomes) == 1
    approvals = BookingTransition.objects.filter(booking=booking, to_status="approved")
    assert approvals.count() == 1


def test_the_database_itself_refuses_an_overlapping_hold(owner, member, outsider, period,
                                                         settings):
    """Even a write that skips the service cannot double-book on PostgreSQL.
    SQLite has no exclusion constraints: there the service's check runs in
    an IMMEDIATE transaction (the write lock), asserted instead."""
    from django.db import IntegrityError, transaction

    drill = make_listing(owner)
    unit = drill.units.get()
    fields = dict(listing=drill, unit=unit, start=period[0], end=period[1])
    Booking.objects.create(borrower=member, status="confirmed", **fields)
    if connection.vendor != "postgresql":
        assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(borrower=outsider, status="requested",
                               **dict(fields, start=period[0] + timedelta(hours=1)))
    # A finished booking no longer holds the unit.
    Booking.objects.create(borrower=outsider, status="cancelled", **fields)
    assert Booking.objects.count() == 2
