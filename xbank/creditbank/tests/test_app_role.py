"""PostgreSQL: the application connects as a role that does not own the tables (issue 9). With
the grants of docs/postgres-app-role.sql it posts and reads ledger entries and audit rows, but
cannot UPDATE or DELETE them, nor switch their append-only triggers off (only an owner may).

The role is created inside the test's transaction, so it is gone when the test rolls back.
"""

import secrets

import pytest
from django.conf import settings
from django.db import ProgrammingError, connection, transaction

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.creditbank import ledger, services
from xbank.creditbank.models import CreditEntry, LedgerHead
from xbank.creditbank.tests import test_ledger

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql]

world = test_ledger.world
posted = test_ledger.posted


@pytest.fixture
def app_role():
    role = f"xbank_app_test_{secrets.token_hex(4)}"
    grants = (settings.BASE_DIR / "docs" / "postgres-app-role.sql").read_text(encoding="utf-8")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(grants.replace("xbank_app", role))
    return role


def as_role(role: str, sql: str, params: list | None = None) -> list:
    """Run ``sql`` as ``role`` in a savepoint (a refusal rolls the SET ROLE back with it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else []
        cursor.execute("RESET ROLE")
    return rows


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE creditbank_creditentry SET credits = 99 WHERE id = %s",
        "DELETE FROM creditbank_creditentry WHERE id = %s",
        "ALTER TABLE creditbank_creditentry DISABLE TRIGGER creditbank_creditentry_append_only",
        "TRUNCATE creditbank_creditentry CASCADE",
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only",
    ],
)
def test_the_application_role_cannot_change_the_ledger_or_the_audit_log(
    world, posted, app_role, sql
):
    entry = CreditEntry.objects.first()
    params = [entry.pk if "creditentry" in sql else AuditEntry.objects.first().pk]
    with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
        as_role(app_role, sql, params if "%s" in sql else None)
    assert CreditEntry.objects.get(pk=entry.pk).credits == entry.credits


def test_the_application_role_posts_and_reads_entries_and_audit_rows(world, app_role):
    learner = world.learner()
    outcome = world.course_result(learner, "护理学基础")
    audits = AuditEntry.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
        entry = services.course_credit_post(actor=SYSTEM, outcome=outcome)  # INSERTs, head UPDATE
        seen = as_role(
            app_role, "SELECT seq, hash FROM creditbank_creditentry WHERE id = %s", [entry.pk]
        )
        assert ledger.verify().intact
        cursor.execute("RESET ROLE")
    assert seen == [(1, LedgerHead.objects.get(account=learner.account).last_hash)]
    assert AuditEntry.objects.count() == audits + 1
