"""A suspension or a ban can be lifted before its end (issue 14): when,
and by whom. The rows made before are brought in line by 0006."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community_rules', '0004_moderation_moves_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='sanction',
            name='lifted_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='sanction',
            name='lifted_by',
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=models.deletion.SET_NULL, related_name='+',
                                    to=settings.AUTH_USER_MODEL),
        ),
    ]
