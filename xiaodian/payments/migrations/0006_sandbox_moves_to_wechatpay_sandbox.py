"""The sandbox's models now belong to the wechatpay_sandbox app (its migration 0001 takes them over,
tables and rows untouched): payments forgets them, and drops nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_refund_constraints"),
        ("wechatpay_sandbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="SandboxRefund"),
                migrations.DeleteModel(name="SandboxTransaction"),
            ],
        ),
    ]
