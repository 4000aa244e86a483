"""On PostgreSQL the database itself refuses what the application never does:

- an UPDATE or DELETE of a ledger entry (学分流水 is append-only; TRUNCATE, used only by test
  teardown and restores, is left alone);
- a change to a published conversion rule other than retiring it, or deleting one;
- adding, changing or removing the exempted courses of a rule that is no longer a draft.

SQLite has no such triggers: there the model and queryset guards stand alone, and
``verify_ledger`` detects what got past them.
"""

from django.db import migrations

POSTGRES_UP = r"""
CREATE OR REPLACE FUNCTION creditbank_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'creditbank_creditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER creditbank_creditentry_append_only
    BEFORE UPDATE OR DELETE ON creditbank_creditentry
    FOR EACH ROW EXECUTE FUNCTION creditbank_refuse_ledger_change();

CREATE OR REPLACE FUNCTION creditbank_guard_published_rule() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'published conversion rule % cannot be deleted', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'retired_on') IS DISTINCT FROM
       (to_jsonb(OLD) - 'status' - 'retired_on')
       OR NOT (
           (OLD.status = 'published' AND NEW.status = 'retired')
           OR (NEW.status = OLD.status AND NEW.retired_on IS NOT DISTINCT FROM OLD.retired_on)
       ) THEN
        RAISE EXCEPTION 'published conversion rule % cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER creditbank_conversionrule_immutable
    BEFORE UPDATE OR DELETE ON creditbank_conversionrule
    FOR EACH ROW EXECUTE FUNCTION creditbank_guard_published_rule();

CREATE OR REPLACE FUNCTION creditbank_guard_rule_exemption() RETURNS trigger AS $$
DECLARE
    rule_status text;
BEGIN
    SELECT status INTO rule_status FROM creditbank_conversionrule
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.rule_id ELSE NEW.rule_id END;
    IF rule_status IS NOT NULL AND rule_status <> 'draft' THEN
        RAISE EXCEPTION 'exempted courses of a published conversion rule cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER creditbank_ruleexemption_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON creditbank_ruleexemption
    FOR EACH ROW EXECUTE FUNCTION creditbank_guard_rule_exemption();
"""

POSTGRES_DOWN = r"""
DROP TRIGGER IF EXISTS creditbank_ruleexemption_immutable ON creditbank_ruleexemption;
DROP FUNCTION IF EXISTS creditbank_guard_rule_exemption();
DROP TRIGGER IF EXISTS creditbank_conversionrule_immutable ON creditbank_conversionrule;
DROP FUNCTION IF EXISTS creditbank_guard_published_rule();
DROP TRIGGER IF EXISTS creditbank_creditentry_append_only ON creditbank_creditentry;
DROP FUNCTION IF EXISTS creditbank_refuse_ledger_change();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
