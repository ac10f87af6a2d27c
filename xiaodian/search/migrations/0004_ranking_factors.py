"""The ranking's factors in the documents: freshness, a store's listed products, a product's
sales. Added with plain ALTER TABLE ... ADD COLUMN on both databases: on SQLite, Django would
re-make the tables for a NOT NULL column, dropping the full-text triggers (migration 0002)."""

from django.db import migrations, models

COLUMNS = (
    ("search_storedocument", "fresh_ts", "bigint NULL"),
    ("search_storedocument", "product_count", "integer NOT NULL DEFAULT 0"),
    ("search_productdocument", "fresh_ts", "bigint NULL"),
    ("search_productdocument", "sales", "bigint NOT NULL DEFAULT 0"),
)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_weight_updates_skip_fulltext")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {table} ADD COLUMN {column} {kind}",
                    f"ALTER TABLE {table} DROP COLUMN {column}",
                )
                for table, column, kind in COLUMNS
            ],
            state_operations=[
                migrations.AddField("storedocument", "fresh_ts", models.BigIntegerField(null=True)),
                migrations.AddField(
                    "storedocument", "product_count", models.IntegerField(db_default=0, default=0)
                ),
                migrations.AddField("productdocument", "fresh_ts", models.BigIntegerField(null=True)),
                migrations.AddField("productdocument", "sales", models.BigIntegerField(db_default=0, default=0)),
            ],
        )
    ]
