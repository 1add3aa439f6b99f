"""The approximate point others see, kept by the database (issue 15):
approx_lat/approx_lng are generated from lat/lng, rounded to 0.01 degree,
and stored, so existing rows get theirs as the column is added and no
write can leave them behind. Search's bounding box uses their index; the
exact point is no longer searched, so its index goes."""

import django.db.models.functions.math
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('listings', '0009_unguessable_photo_names'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='listing',
            name='listings_li_lat_f221d2_idx',
        ),
        migrations.AddField(
            model_name='listing',
            name='approx_lat',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.math.Round(models.F('lat'), 2), output_field=models.FloatField()),
        ),
        migrations.AddField(
            model_name='listing',
            name='approx_lng',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.math.Round(models.F('lng'), 2), output_field=models.FloatField()),
        ),
        migrations.AddIndex(
            model_name='listing',
            index=models.Index(fields=['approx_lat', 'approx_lng'], name='listing_approx_point'),
        ),
    ]
