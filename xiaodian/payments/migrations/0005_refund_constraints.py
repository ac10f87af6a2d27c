from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_backfill_refund_attempts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name='refund',
            index=models.Index(fields=['status', 'gave_up'], name='refund_status_gave_up'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(('gave_up', False), ('status', 'failed'), _connector='OR'), name='refund_gave_up_only_failed'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'succeeded'), _negated=True), ('succeeded_at__isnull', False), _connector='OR'), name='refund_succeeded_has_time'),
        ),
    ]
