"""A traffic-weight update no longer re-indexes a document's text on SQLite
(backends.narrow_update_triggers). Nothing to do on PostgreSQL."""

from django.db import migrations

from xiaodian.search import backends


def narrow(apps, schema_editor):
    backends.narrow_update_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]
    operations = [migrations.RunPython(narrow, migrations.RunPython.noop)]
