"""Search tokens made again with the Korean analyzer and its vocabulary
(issue 19): listings saved before it keep finding what people type."""

from django.db import migrations


def retokenize(apps, schema_editor):
    from listings.search import search_tokens_for

    Listing = apps.get_model("listings", "Listing")
    batch = []
    for listing in Listing.objects.select_related("category__parent").iterator(chunk_size=500):
        listing.search_tokens = search_tokens_for(listing)
        batch.append(listing)
        if len(batch) == 500:
            Listing.objects.bulk_update(batch, ["search_tokens"])
            batch = []
    Listing.objects.bulk_update(batch, ["search_tokens"])


class Migration(migrations.Migration):
    dependencies = [("listings", "0013_search_terms")]
    operations = [migrations.RunPython(retokenize, migrations.RunPython.noop)]
