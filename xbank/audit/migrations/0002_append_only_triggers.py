"""The database refuses to change or delete an audit row (审计日志 is append-only), as it does a
ledger entry: nothing in the application updates or deletes these rows, and from here on nothing
that goes through the database as the application can either.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used only by test teardown and restores, is left
alone); with the application connected as a role that does not own the table
(docs/operations.md) it cannot switch the trigger off. SQLite refuses UPDATE; it has no TRUNCATE,
and the test runner empties tables with DELETE, so a DELETE there is left to the model guards.
"""

from django.db import migrations

POSTGRES_UP = r"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

POSTGRES_DOWN = r"""
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""

SQLITE_UP = r"""
CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit_auditentry is append-only (UPDATE refused)');
END;
"""

SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_auditentry_append_only;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
