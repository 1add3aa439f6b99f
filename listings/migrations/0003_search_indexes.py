"""Search indexes on PostgreSQL (SQLite scans the same tokens with LIKE):
full-text over the listing's search tokens, trigrams over its lowercased
title. Also the btree_gist extension the bookings' exclusion constraint
uses. The expressions match those the search builds, so the planner can use
them."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX IF NOT EXISTS listing_search_tokens_fts ON listings_listing
    USING gin (to_tsvector('simple'::regconfig, COALESCE((search_tokens)::text, '')));
CREATE INDEX IF NOT EXISTS listing_title_trgm ON listings_listing
    USING gin (lower((title)::text) gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS listing_search_tokens_fts;
DROP INDEX IF EXISTS listing_title_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("listings", "0002_seed_categories")]

    operations = [migrations.RunPython(forwards, backwards)]
