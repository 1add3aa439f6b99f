from django.db import migrations


def seed(apps, schema_editor):
    from listings.categories import seed_categories

    seed_categories(apps.get_model("listings", "Category"))


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
