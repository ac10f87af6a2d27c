"""What a commission claim's settlement moved (`LineCommission.settled_fen`): a claim is settled
(WeChat's 100) when it is above 0, whether it settled in a journal of its own or in a batch's
(`services.settle_claims_due`: one journal per chunk). Claims settled before this migration get
what their own journal took out of the promoter's pending."""

from django.db import migrations, models

FILL = """
UPDATE ledger_linecommission SET settled_fen = COALESCE((
    SELECT -e.amount_fen FROM ledger_journal j
    JOIN ledger_entry e ON e.journal_id = j.id
    JOIN ledger_account a ON a.id = e.account_id
    WHERE j.source_type = 'commission_settled' AND j.source_key = ledger_linecommission.reference
      AND a.kind = 'promoter_pending'
), 0)
WHERE settled_at IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_statement_level_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="linecommission",
            name="settled_fen",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
