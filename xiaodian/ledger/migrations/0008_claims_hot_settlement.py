"""Settling a commission claim rewrites its row in place (a heap-only tuple, no new index entries):
no index holds `settled_at` (the promoter's claims are listed by (promoter, -id)), and on
PostgreSQL the table's pages keep 30% free (fillfactor 70) for the new versions, as
`ledger_journal` does for sealing (0006). Measured by `xiaodian bench alliance`."""

from django.conf import settings
from django.db import migrations, models


def _fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_linecommission SET (fillfactor = 70)")


def _fillfactor_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_linecommission RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_claim_settled_fen'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='linecommission',
            name='ledger_line_promote_af491c_idx',
        ),
        migrations.AddIndex(
            model_name='linecommission',
            index=models.Index(fields=['promoter', '-id'], name='ledger_claim_by_promoter'),
        ),
        migrations.RunPython(_fillfactor, _fillfactor_back),
    ]
