"""The moved tables take this app's names, and what referred to the models under payments follows.

- `payments_sandboxtransaction` / `payments_sandboxrefund` are renamed to this app's default table
  names (ALTER TABLE ... RENAME: rows, keys and constraints stay; the foreign key from the refunds
  follows the rename on SQLite and PostgreSQL alike).
- The content types `payments.sandboxtransaction` / `payments.sandboxrefund`, when the database has
  them, become this app's, so the permissions granted on them (and admin log entries) carry over.
- Queued retries of a sandbox notification name their task by its old dotted path
  (`xiaodian.payments.tasks.deliver_sandbox_*`), which no longer imports: they are pointed at
  `xiaodian.wechatpay_sandbox.tasks`.
"""

from django.db import migrations

MODELS = ("sandboxtransaction", "sandboxrefund")
TASKS = ("deliver_sandbox_notification", "deliver_sandbox_refund_notification")


def _move_content_types(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "payments", "wechatpay_sandbox")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "wechatpay_sandbox", "payments")


def _retarget_tasks(apps, schema_editor, source, target):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    db = schema_editor.connection.alias
    for name in TASKS:
        DBTaskResult.objects.using(db).filter(task_path=f"{source}.{name}").update(task_path=f"{target}.{name}")


def tasks_forward(apps, schema_editor):
    _retarget_tasks(apps, schema_editor, "xiaodian.payments.tasks", "xiaodian.wechatpay_sandbox.tasks")


def tasks_backward(apps, schema_editor):
    _retarget_tasks(apps, schema_editor, "xiaodian.wechatpay_sandbox.tasks", "xiaodian.payments.tasks")


class Migration(migrations.Migration):
    dependencies = [
        ("wechatpay_sandbox", "0001_initial"),
        ("payments", "0006_sandbox_moves_to_wechatpay_sandbox"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="sandboxtransaction", table=None),
        migrations.AlterModelTable(name="sandboxrefund", table=None),
        migrations.RunPython(content_types_forward, content_types_backward),
        migrations.RunPython(tasks_forward, tasks_backward),
    ]
