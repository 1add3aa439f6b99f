"""PostgreSQL keeps each listing's full-text vector in a stored, generated
column, so matching rows are rechecked without recomputing to_tsvector; the
GIN index moves onto that column. (SQLite matches the same tokens with LIKE.)"""

from django.db import migrations

CREATE = """
ALTER TABLE listings_listing ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(search_tokens, ''))) STORED;
DROP INDEX IF EXISTS listing_search_tokens_fts;
CREATE INDEX listing_search_vector ON listings_listing USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS listing_search_vector;
ALTER TABLE listings_listing DROP COLUMN IF EXISTS search_vector;
CREATE INDEX IF NOT EXISTS listing_search_tokens_fts ON listings_listing
    USING gin (to_tsvector('simple'::regconfig, COALESCE((search_tokens)::text, '')));
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("listings", "0004_newest_index")]

    operations = [migrations.RunPython(forwards, backwards)]
