"""No double booking, guaranteed by PostgreSQL: two bookings in a holding
state may not hold the same unit over overlapping [start, end) ranges.
(SQLite has no exclusion constraints: there the booking service checks
inside an IMMEDIATE transaction, which holds the write lock.)"""

from django.db import migrations

HOLDING = ("requested", "approved", "confirmed", "picked_up")

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT no_double_booking EXCLUDE USING gist (
    unit_id WITH =,
    tstzrange("start", "end", '[)') WITH &&
) WHERE (status IN ({", ".join(f"'{s}'" for s in HOLDING)}));
"""

DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS no_double_booking;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
