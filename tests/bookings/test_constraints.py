"""The database's no-double-booking constraint (PostgreSQL, migration 0002)
covers exactly the states that hold a unit: a state added to
Booking.HOLDING later cannot slip past it."""

import importlib
import re

import pytest
from django.db import connection

from bookings.models import Booking

HOLDING = sorted(str(status) for status in Booking.HOLDING)


def test_the_migration_excludes_overlaps_for_exactly_the_holding_states():
    migration = importlib.import_module("bookings.migrations.0002_no_double_booking")
    assert sorted(migration.HOLDING) == HOLDING
    assert all(f"'{status}'" in migration.CREATE for status in HOLDING)


@pytest.mark.django_db
def test_the_constraint_in_the_database_lists_exactly_the_holding_states(settings):
    if connection.vendor != "postgresql":
        # No exclusion constraints in SQLite: the booking service's check of
        # Booking.HOLDING runs in an IMMEDIATE transaction, the write lock.
        assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conname = 'no_double_booking' "
                       "AND conrelid = 'bookings_booking'::regclass")
        [definition] = cursor.fetchone()
    assert definition.startswith("EXCLUDE USING gist")
    assert sorted(set(re.findall(r"'(\w+)'::", definition))) == HOLDING
