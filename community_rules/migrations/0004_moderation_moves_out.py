"""Reports and complaints move to the moderation app (its migration 0001
takes them over with their tables as they are), and a strike refers to its
late booking by id: the rules stand below bookings, so no foreign key
points up to them. No row is lost; no table is renamed."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community_rules', '0003_reports_and_complaints'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name='complaint', name='community_r_status_22167b_idx'),
                migrations.RemoveIndex(model_name='report', name='community_r_communi_65dd3b_idx'),
                migrations.DeleteModel(name='ComplaintStep'),
                migrations.DeleteModel(name='Complaint'),
                migrations.DeleteModel(name='Report'),
            ],
        ),
        migrations.RemoveConstraint(model_name='sanction', name='one_strike_per_late_booking'),
        migrations.AlterField(
            model_name='sanction',
            name='booking',
            field=models.PositiveBigIntegerField(blank=True, null=True, db_column='booking_id'),
        ),
        migrations.RenameField(model_name='sanction', old_name='booking', new_name='booking_id'),
        migrations.AlterField(
            model_name='sanction',
            name='booking_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='sanction',
            constraint=models.UniqueConstraint(condition=models.Q(('booking_id__isnull', False), ('kind', 'strike')), fields=('booking_id', 'kind'), name='one_strike_per_late_booking'),
        ),
    ]
