"""The audit log is append-only in the database, not only by convention (issue 9): an UPDATE is
refused on SQLite and PostgreSQL, a DELETE on PostgreSQL (SQLite's test runner empties tables
with DELETE, so there it stays allowed)."""

import pytest
from django.db import IntegrityError, connection, transaction

from conftest import on_postgresql
from xbank.audit import services as audit
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_an_audit_row():
    entry = audit.log(SYSTEM, "creditbank.recognition.approved", data={"credits": 4})
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET action = %s WHERE id = %s",
                ["creditbank.recognition.rejected", entry.pk],
            )
    assert AuditEntry.objects.get(pk=entry.pk).action == "creditbank.recognition.approved"


@pytest.mark.postgresql
def test_postgresql_refuses_to_delete_an_audit_row():
    assert on_postgresql()
    entry = audit.log(SYSTEM, "creditbank.recognition.approved")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_new_audit_rows_are_still_written():
    before = AuditEntry.objects.count()
    audit.log(SYSTEM, "imports.batch.committed", data={"rows": 1})
    assert AuditEntry.objects.count() == before + 1
