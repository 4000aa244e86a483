"""On SQLite too, the database refuses to change a ledger entry (PostgreSQL has refused UPDATE
and DELETE since 0002). SQLite has no TRUNCATE and the test runner empties tables with DELETE,
so there only UPDATE is refused; a deleted entry is still found by ``verify_ledger`` (the head
or the latest signed checkpoint no longer matches)."""

from django.db import migrations

SQLITE_UP = r"""
CREATE TRIGGER creditbank_creditentry_append_only
    BEFORE UPDATE ON creditbank_creditentry
BEGIN
    SELECT RAISE(ABORT, 'creditbank_creditentry is append-only (UPDATE refused)');
END;
"""

SQLITE_DOWN = "DROP TRIGGER IF EXISTS creditbank_creditentry_append_only;"


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0003_rechain_under_ledger_key")]

    operations = [migrations.RunPython(up, down)]
