"""The backup and restore drill (issue 9): ``manage.py backup`` then ``manage.py restore`` give back
the same chain heads, and both end by verifying the ledger of the copy. Runs on SQLite (online
backup API) and, with DATABASE_URL, on PostgreSQL (pg_dump/pg_restore).

Transactional: a backup is taken by another process (pg_dump) or from the committed database.
"""

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conftest import on_postgresql
from xbank.core.actors import SYSTEM
from xbank.creditbank import services
from xbank.creditbank.models import CreditEntry, LedgerHead
from xbank.creditbank.tests import test_ledger

pytestmark = pytest.mark.django_db(transaction=True)

world = test_ledger.world
posted = test_ledger.posted


def heads() -> list[tuple[int, int, str]]:
    return list(
        LedgerHead.objects.order_by("account_id").values_list("account_id", "last_seq", "last_hash")
    )


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_a_restored_backup_has_the_same_chain_heads_and_verifies(world, posted, tmp_path):
    learner, _, _ = posted
    before = heads()
    assert before[0][1:] == (4, CreditEntry.objects.get(account=learner.account, seq=4).hash)
    archive = tmp_path / "xbank.backup"
    output = run("backup", out=str(archive))
    assert archive.stat().st_size > 0 and "备份完成" in output
    if not on_postgresql():
        assert "学分流水完好：1 个账户、4 条流水" in output  # checked on the copy itself

    services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, "老年照护实训"))
    assert heads() != before

    output = run("restore", str(archive), yes=True)
    assert heads() == before
    assert CreditEntry.objects.filter(account=learner.account).count() == 4
    assert "学分流水完好：1 个账户、4 条流水" in output and "校验通过" in output


def test_restore_asks_for_confirmation(world, tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        run("restore", str(tmp_path / "any.backup"))


@pytest.mark.skipif(on_postgresql(), reason="alters a SQLite backup file")
def test_restoring_a_backup_altered_on_disk_fails_its_ledger_check(world, posted, tmp_path):
    learner, _, _ = posted
    archive = tmp_path / "xbank.sqlite3"
    run("backup", out=str(archive))
    target = CreditEntry.objects.get(account=learner.account, seq=3)
    copy = sqlite3.connect(archive)
    copy.execute("DROP TRIGGER creditbank_creditentry_append_only")
    copy.execute("UPDATE creditbank_creditentry SET credits = 40 WHERE id = ?", [target.pk])
    copy.commit()
    copy.close()
    with pytest.raises(CommandError) as exc:
        run("restore", str(archive), yes=True)
    assert exc.value.returncode == 1
    assert f"第 3 条，流水 id {target.pk}" in str(exc.value)
