"""The ledger's rules in the database, per vendor (models.py says what they are).

Note for later migrations: SQLite rebuilds a table for many ALTERs, dropping its triggers; a
migration that alters `ledger_entry` or `ledger_journal` on SQLite must create them again."""

from django.db import migrations

REFUSE = "ledger: %s"

POSTGRES = [
    (
        """
        CREATE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'ledger: %', TG_ARGV[0]; END $$;

        CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse('entries are append-only');

        CREATE TRIGGER ledger_journal_no_delete BEFORE DELETE ON ledger_journal
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse('journals are never deleted');

        CREATE TRIGGER ledger_journal_inserted_open BEFORE INSERT ON ledger_journal
        FOR EACH ROW WHEN (NEW.sealed) EXECUTE FUNCTION ledger_refuse('a journal is inserted open');

        CREATE TRIGGER ledger_journal_sealed_unchanged BEFORE UPDATE ON ledger_journal
        FOR EACH ROW WHEN (OLD.sealed) EXECUTE FUNCTION ledger_refuse('a sealed journal never changes');

        CREATE FUNCTION ledger_entry_into_open_journal() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM ledger_journal WHERE id = NEW.journal_id AND NOT sealed) THEN
                RAISE EXCEPTION 'ledger: entries go only into an open journal';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER ledger_entry_into_open_journal BEFORE INSERT ON ledger_entry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_into_open_journal();

        CREATE FUNCTION ledger_journal_seal() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry WHERE journal_id = NEW.id) <> 0 THEN
                RAISE EXCEPTION 'ledger: journal % does not sum to zero', NEW.id;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER ledger_journal_seal BEFORE UPDATE OF sealed ON ledger_journal
        FOR EACH ROW WHEN (NEW.sealed AND NOT OLD.sealed) EXECUTE FUNCTION ledger_journal_seal();

        CREATE FUNCTION ledger_journal_sealed_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM ledger_journal WHERE id = NEW.id AND sealed) THEN
                RAISE EXCEPTION 'ledger: journal % was left open', NEW.id;
            END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER ledger_journal_sealed_at_commit AFTER INSERT ON ledger_journal
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION ledger_journal_sealed_at_commit();
        """,
        """
        DROP TRIGGER ledger_journal_sealed_at_commit ON ledger_journal;
        DROP TRIGGER ledger_journal_seal ON ledger_journal;
        DROP TRIGGER ledger_entry_into_open_journal ON ledger_entry;
        DROP TRIGGER ledger_journal_sealed_unchanged ON ledger_journal;
        DROP TRIGGER ledger_journal_inserted_open ON ledger_journal;
        DROP TRIGGER ledger_journal_no_delete ON ledger_journal;
        DROP TRIGGER ledger_entry_append_only ON ledger_entry;
        DROP FUNCTION ledger_journal_sealed_at_commit();
        DROP FUNCTION ledger_journal_seal();
        DROP FUNCTION ledger_entry_into_open_journal();
        DROP FUNCTION ledger_refuse();
        """,
    )
]


def _sqlite_trigger(name: str, when: str, message: str) -> tuple[str, str]:
    return (
        f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{REFUSE % message}'); END;",
        f"DROP TRIGGER {name};",
    )


# SQLite has no deferred triggers: a journal is inserted open, takes its entries, and is sealed by
# an UPDATE whose trigger checks the sum. The wipe function: see ledger/guard.py.
SQLITE = [
    _sqlite_trigger("ledger_entry_no_update", "BEFORE UPDATE ON ledger_entry", "entries are append-only"),
    _sqlite_trigger(
        "ledger_entry_no_delete",
        "BEFORE DELETE ON ledger_entry WHEN NOT xiaodian_ledger_wipe()",
        "entries are append-only",
    ),
    _sqlite_trigger(
        "ledger_journal_no_delete",
        "BEFORE DELETE ON ledger_journal WHEN NOT xiaodian_ledger_wipe()",
        "journals are never deleted",
    ),
    _sqlite_trigger(
        "ledger_journal_inserted_open", "BEFORE INSERT ON ledger_journal WHEN NEW.sealed", "a journal is inserted open"
    ),
    _sqlite_trigger(
        "ledger_journal_sealed_unchanged",
        "BEFORE UPDATE ON ledger_journal WHEN OLD.sealed",
        "a sealed journal never changes",
    ),
    _sqlite_trigger(
        "ledger_entry_into_open_journal",
        "BEFORE INSERT ON ledger_entry WHEN NOT EXISTS "
        "(SELECT 1 FROM ledger_journal WHERE id = NEW.journal_id AND sealed = 0)",
        "entries go only into an open journal",
    ),
    _sqlite_trigger(
        "ledger_journal_seal",
        "BEFORE UPDATE OF sealed ON ledger_journal WHEN NEW.sealed AND NOT OLD.sealed AND "
        "(SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry WHERE journal_id = NEW.id) != 0",
        "a journal does not sum to zero",
    ),
]


def _run(vendor: str, statements: list[tuple[str, str]], *, forward: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != vendor:
            return
        with schema_editor.connection.cursor() as cursor:  # no parameters: `%` is plpgsql's own
            for create, drop in statements if forward else reversed(statements):
                cursor.execute(create if forward else drop)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run("postgresql", POSTGRES, forward=True), _run("postgresql", POSTGRES, forward=False)
        ),
        migrations.RunPython(_run("sqlite", SQLITE, forward=True), _run("sqlite", SQLITE, forward=False)),
    ]
