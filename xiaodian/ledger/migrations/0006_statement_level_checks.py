"""PostgreSQL: journals are sealed in place (HOT), and the two checks that ran a query per row now run once per statement, over the
statement's rows (transition tables), so a batch posting of thousands of journals costs one check
per statement instead of one per row. The rules are the same (models.py, migration 0002):
entries go only into open journals; sealing a journal checks its entries sum to zero. SQLite keeps
its row triggers (it has no statement-level ones).

A journal's heap pages keep half their room free (fillfactor 50): sealing rewrites the row, and
with room on its page PostgreSQL writes the new version there without touching the journal's four
indexes (a heap-only tuple; `sealed` is in no index)."""

from django.db import migrations

FORWARD = """
ALTER TABLE ledger_journal SET (fillfactor = 50);
DROP TRIGGER ledger_entry_into_open_journal ON ledger_entry;
DROP FUNCTION ledger_entry_into_open_journal();
DROP TRIGGER ledger_journal_seal ON ledger_journal;
DROP FUNCTION ledger_journal_seal();

CREATE FUNCTION ledger_entries_into_open_journals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A scalar subquery per entry (an index probe), never flattened into a join: the transition
    -- table has no statistics, and a join planned without them scanned the whole journal table.
    IF EXISTS (
        SELECT 1 FROM new_entries e
        WHERE (SELECT NOT j.sealed FROM ledger_journal j WHERE j.id = e.journal_id) IS NOT TRUE
    ) THEN
        RAISE EXCEPTION 'ledger: entries go only into an open journal';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_into_open_journals AFTER INSERT ON ledger_entry
REFERENCING NEW TABLE AS new_entries
FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_into_open_journals();

CREATE FUNCTION ledger_journals_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE unbalanced bigint;
BEGIN
    -- The sum per journal sealed by this statement, as a scalar subquery (an index range on
    -- journal_id each): a join planned without the transition tables' statistics merged them
    -- with the whole entry index, a scan growing with the ledger.
    SELECT n.id INTO unbalanced
    FROM new_journals n JOIN old_journals o ON o.id = n.id
    WHERE n.sealed AND NOT o.sealed
    AND (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entry e WHERE e.journal_id = n.id) <> 0
    LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: journal % does not sum to zero', unbalanced;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_journals_seal AFTER UPDATE ON ledger_journal
REFERENCING OLD TABLE AS old_journals NEW TABLE AS new_journals
FOR EACH STATEMENT EXECUTE FUNCTION ledger_journals_seal();
"""

BACKWARD = """
ALTER TABLE ledger_journal RESET (fillfactor);
DROP TRIGGER ledger_journals_seal ON ledger_journal;
DROP FUNCTION ledger_journals_seal();
DROP TRIGGER ledger_entries_into_open_journals ON ledger_entry;
DROP FUNCTION ledger_entries_into_open_journals();

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
"""


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:  # no parameters: `%` is plpgsql's own
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_promoters")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
