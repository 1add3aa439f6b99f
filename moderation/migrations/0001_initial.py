"""Reports and complaints, taken over from community_rules with their
tables as they are (see community_rules' migration 0004): state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('bookings', '0005_rule_set_version'),
        ('community_rules', '0004_moderation_moves_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('target_type', models.CharField(choices=[('listing', 'Listing'), ('user', 'Person'), ('message', 'Message')], max_length=10)),
                        ('target_id', models.PositiveBigIntegerField()),
                        ('reason', models.TextField(max_length=3000)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('dismissed', 'Dismissed'), ('actioned', 'Acted on')], default='open', max_length=10)),
                        ('outcome', models.CharField(blank=True, choices=[('dismiss', 'Dismissed'), ('hide_listing', 'Listing hidden'), ('warn', 'Warned'), ('suspend', 'Suspended'), ('ban', 'Banned')], max_length=14)),
                        ('note', models.TextField(blank=True, max_length=2000)),
                        ('handled_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='community_rules.community')),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reporter', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports_made', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'community_rules_report',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['community', 'status'], name='community_r_communi_65dd3b_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(max_length=5000)),
                        ('tier', models.CharField(choices=[('party', 'The other party'), ('moderators', "The community's moderators"), ('staff', 'City staff')], default='party', max_length=10)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], default='open', max_length=10)),
                        ('deadline', models.DateTimeField()),
                        ('outcome', models.TextField(blank=True, max_length=3000)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='complaints', to='bookings.booking')),
                        ('raised_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints_raised', to=settings.AUTH_USER_MODEL)),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'community_rules_complaint',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'deadline'], name='community_r_status_22167b_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('tier', models.CharField(choices=[('party', 'The other party'), ('moderators', "The community's moderators"), ('staff', 'City staff')], max_length=10)),
                        ('action', models.CharField(max_length=20)),
                        ('text', models.TextField(blank=True, max_length=3000)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='moderation.complaint')),
                    ],
                    options={
                        'db_table': 'community_rules_complaintstep',
                        'ordering': ['created_at', 'id'],
                    },
                ),
            ],
        ),
    ]
