"""The bulk helpers: inserts that fill defaults like the ORM, and lookups without per-row queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xbank.core.identity import parse_document
from xbank.imports.bulk import insert_rows, rows_matching, update_rows
from xbank.learners.models import LearningAccount, LearningOutcome
from xbank.learners.services import account_id_hash

from .helpers import new_id

pytestmark = pytest.mark.django_db


def open_accounts(n: int) -> list[str]:
    documents = [parse_document(new_id()) for _ in range(n)]
    insert_rows(
        LearningAccount,
        ("name", "name_pinyin", "id_type", "id_number", "id_hash", "phone"),
        [
            (f"测试{i}", f"ce shi {i}", d.type, d.number, account_id_hash(d), "13800138000")
            for i, d in enumerate(documents)
        ],
    )
    return [account_id_hash(d) for d in documents]


def test_inserted_rows_read_back_like_orm_rows(college):
    hashes = open_accounts(2)
    account = LearningAccount.objects.get(id_hash=hashes[0])
    # Encrypted through the field, a random account number from the default, timestamps set.
    assert account.id_number and account.phone == "13800138000"
    raw = LearningAccount.objects.filter(pk=account.pk).values_list("id_number", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM learners_learningaccount WHERE id = %s", [account.pk])
        assert cursor.fetchone()[0].startswith("v1:")
    assert list(raw) == [account.id_number]
    assert len(account.account_no) == 16 and account.created_at is not None
    numbers = set(LearningAccount.objects.values_list("account_no", flat=True))
    assert len(numbers) == 2

    insert_rows(
        LearningOutcome,
        ("account_id", "kind", "title", "issuer", "number", "issued_on", "score"),
        [
            (
                account.pk,
                "other",
                "某证书",
                "某机构",
                "N1",
                datetime.date(2024, 6, 30),
                Decimal("85.5"),
            )
        ],
    )
    outcome = LearningOutcome.objects.get()
    assert (outcome.issued_on, outcome.score, outcome.status) == (
        datetime.date(2024, 6, 30),
        Decimal("85.5"),
        "verified",
    )
    update_rows(LearningOutcome, ("score",), [(outcome.pk, Decimal("90"))])
    outcome.refresh_from_db()
    assert outcome.score == Decimal("90") and outcome.updated_at >= outcome.created_at


def test_lookups_read_a_small_table_whole_and_a_large_one_by_chunks(college):
    hashes = open_accounts(6)
    table = LearningAccount.objects.all()
    with CaptureQueriesContext(connection) as small:  # 6 rows ≤ 2 × 4 values: one scan
        found = rows_matching(table, "id_hash", hashes[:4], ("id_hash", "id"))
    assert {h for h, _ in found} == set(hashes[:4])
    assert len(small) == 2 and " IN " not in small[-1]["sql"]
    with CaptureQueriesContext(connection) as large:  # 6 rows > 2 × 1 value: IN (…)
        found = rows_matching(table, "id_hash", [hashes[5], None], ("id_hash", "id"))
    assert [h for h, _ in found] == [hashes[5]]
    assert len(large) == 2 and " IN " in large[-1]["sql"]
