"""The settlement run by stores (services.settle_due): a chunk's one UPDATE marks its orders and
probes, per order, whether a line is still open. `ledger_line_open` holds only open lines (the
probe finds nothing to read once they have ended); `ledger_ordermoney.store_id` loses its own
index, which (store, settled_at) already serves, so settling writes one index entry fewer per
order; and on PostgreSQL the order rows' pages keep 30% free (fillfactor 70) so that the
settled version of a row is written on its own page. Measured by `xiaodian bench ledger`."""

import django.db.models.deletion
from django.db import migrations, models


def _fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_ordermoney SET (fillfactor = 70)")


def _fillfactor_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_ordermoney RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0008_claims_hot_settlement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ordermoney",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stores.store",
            ),
        ),
        migrations.AddIndex(
            model_name="linemoney",
            index=models.Index(
                condition=models.Q(("period_ended_at__isnull", True)),
                fields=["order"],
                name="ledger_line_open",
            ),
        ),
        migrations.RunPython(_fillfactor, _fillfactor_back),
    ]
