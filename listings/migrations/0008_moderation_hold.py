"""A moderation hold on a listing (issue 14): who hid it, from which
community's queue, why, and what its status was; a held listing is never
active (a constraint says so). Existing listings are not on hold."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_share_companies'),
        ('community_rules', '0001_initial'),  # held_in needs only the Community table
        ('listings', '0007_listing_bounds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='listing',
            name='held_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='on hold since'),
        ),
        migrations.AddField(
            model_name='listing',
            name='held_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='listing',
            name='held_in',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='held_listings', to='community_rules.community'),
        ),
        migrations.AddField(
            model_name='listing',
            name='held_reason',
            field=models.TextField(blank=True, editable=False, max_length=2000, verbose_name='why it is on hold'),
        ),
        migrations.AddField(
            model_name='listing',
            name='status_before_hold',
            field=models.CharField(blank=True, editable=False, max_length=10),
        ),
        migrations.AddConstraint(
            model_name='listing',
            constraint=models.CheckConstraint(condition=models.Q(('held_at__isnull', True), models.Q(('status', 'active'), _negated=True), _connector='OR'), name='held_listing_is_not_active'),
        ),
    ]
