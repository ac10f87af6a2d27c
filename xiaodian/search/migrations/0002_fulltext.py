"""The full-text side of the documents: FTS5 tables and triggers on SQLite, a generated tsvector
with a GIN index on PostgreSQL (xiaodian/search/backends.py)."""

from django.db import migrations

from xiaodian.search import backends


def create(apps, schema_editor):
    backends.create_schema(schema_editor)


def drop(apps, schema_editor):
    backends.drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
