from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    """Refunds made before this migration were submitted once and settled at once."""
    Refund = apps.get_model("payments", "Refund")
    Refund.objects.filter(attempts=0).update(attempts=1, last_attempt_at=F("created_at"))
    Refund.objects.filter(status="succeeded", succeeded_at__isnull=True).update(succeeded_at=F("created_at"))
    SandboxRefund = apps.get_model("payments", "SandboxRefund")
    SandboxRefund.objects.filter(status="SUCCESS", success_time__isnull=True).update(
        success_time=F("created_at"), notified_at=F("created_at")
    )


class Migration(migrations.Migration):
    """A migration of its own: on PostgreSQL, rows updated in a transaction leave trigger events
    that forbid altering the table later in the same transaction (0005 adds the constraints)."""

    dependencies = [
        ("payments", "0003_refund_notifications_and_retries"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
