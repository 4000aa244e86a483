-- XBank on PostgreSQL: the application's role (docs/operations.md, section 3).
--
-- Run as the owner role (xbank_owner) in the xbank database, after every `manage.py migrate`:
--   psql "postgres://xbank_owner@127.0.0.1:5432/xbank" -f docs/postgres-app-role.sql
-- The web and worker processes connect as xbank_app. It may read and write the application's
-- tables, but the ledger (creditbank_creditentry) and the audit log (audit_auditentry) only
-- SELECT and INSERT: no UPDATE, DELETE or TRUNCATE, and since it owns no table it cannot
-- switch their append-only triggers off either.

GRANT USAGE ON SCHEMA public TO xbank_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO xbank_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO xbank_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON creditbank_creditentry, audit_auditentry FROM xbank_app;
GRANT SELECT, INSERT ON creditbank_creditentry, audit_auditentry TO xbank_app;
