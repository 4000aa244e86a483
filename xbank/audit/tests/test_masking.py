"""Audit data never holds a full ID or mobile number (invariant 11)."""

import json

from django.db import connection

from xbank.accounts.tests.factories import UserFactory
from xbank.audit import services as audit
from xbank.audit.models import AuditEntry


def test_log_stores_masked_numbers_at_any_depth(db):
    actor = UserFactory()
    entry = audit.log(
        actor,
        "learners.id_number.exported",
        data={
            "rows": 2443,
            "filters": {"q": "11010519491231002X", "phone": "13812345678"},
            "query": "export=xlsx&full_id=1&q=440106199001011234",
        },
    )
    expected = {
        "rows": 2443,
        "filters": {"q": "110105********002X", "phone": "138****5678"},
        "query": "export=xlsx&full_id=1&q=440106********1234",
    }
    assert entry.data == expected
    assert AuditEntry.objects.get(pk=entry.pk).data == expected
    with connection.cursor() as cursor:  # the stored bytes, not what the ORM makes of them
        cursor.execute("SELECT data FROM audit_auditentry WHERE id = %s", [entry.pk])
        raw = cursor.fetchone()[0]
    raw = raw if isinstance(raw, str) else json.dumps(raw)
    assert "11010519491231002X" not in raw and "13812345678" not in raw


def test_log_keeps_digests_and_ordinary_numbers(db):
    digest = "a3f11010519491231002Xb" + "0" * 42
    entry = audit.log(None, "imports.batch.committed", data={"file_sha256": digest, "rows": 7})
    assert entry.data == {"file_sha256": digest, "rows": 7}
