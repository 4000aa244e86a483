"""Invariant 3: the ledger is append-only and hash-chained; ``verify_ledger`` finds tampering.
Also: course credits from course results, reversals, and revocation of an outcome."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from conftest import on_postgresql
from xbank.accounts.notifications import notification_list
from xbank.core.actors import SYSTEM
from xbank.creditbank import ledger, selectors, services
from xbank.creditbank.models import (
    ERR_LEDGER_APPEND_ONLY,
    GENESIS_HASH,
    CreditEntry,
    Exemption,
    LedgerHead,
    RecognitionRequest,
)
from xbank.creditbank.tests.factories import build_credit_world
from xbank.learners.models import LearningOutcome
from xbank.learners.services import ERR_REVOKE_REASON, outcome_revoke
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_credit_world()
    w.rule(credits=2, credit_category="elective")  # 老年照护 中级 → 免修 老年护理 + 2 选修学分
    return w


@pytest.fixture
def posted(world):
    """A learner with two course results posted and one approved request: four entries."""
    learner = world.learner()
    for name in ("护理学基础", "岗位实习"):
        services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, name))
    cert = world.certificate(learner)
    request = world.decide(learner, [cert])
    return learner, cert, request


def run_verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_ledger", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_entries_form_a_hash_chain_per_account(world, posted):
    learner, _, _ = posted
    entries = list(CreditEntry.objects.filter(account=learner.account).order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.kind for e in entries] == ["course", "course", "exemption", "conversion"]
    assert entries[0].prev_hash == GENESIS_HASH
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
    for entry in entries:
        assert entry.hash == entry.compute_hash()
    head = LedgerHead.objects.get(account=learner.account)
    assert (head.last_seq, head.last_hash) == (4, entries[-1].hash)


def test_balance_is_the_sum_of_entries(world, posted):
    learner, _, _ = posted
    assert selectors.account_balance(account=learner.account) == 8 + 40 + 4 + 2
    assert selectors.account_balance(account=learner.account, curriculum=world.curriculum) == 54


def test_entries_are_never_updated_or_deleted_by_the_application(world, posted):
    entry = CreditEntry.objects.first()
    entry.credits = Decimal("99")
    with pytest.raises(ValidationError) as exc:
        entry.save()
    assert exc.value.messages == [ERR_LEDGER_APPEND_ONLY]
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        CreditEntry.objects.filter(pk=entry.pk).update(credits=99)
    with pytest.raises(ValidationError):
        CreditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        CreditEntry.objects.bulk_update([entry], ["credits"])
    assert CreditEntry.objects.get(pk=entry.pk).credits == 8


def test_the_same_posting_is_refused_by_the_database(world, posted):
    learner, _, request = posted
    key = CreditEntry.objects.filter(request=request).first().key
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.post(
            actor=None,
            account_id=learner.account_id,
            drafts=[ledger.EntryDraft(kind="conversion", credits=Decimal("2"), key=key)],
        )


def test_verify_ledger_reports_all_accounts_intact(world, posted):
    world.decide(other := world.learner(), [world.certificate(other)])
    code, output = run_verify()
    assert code == 0
    assert "2 个账户、6 条流水" in output and "完好" in output


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the application's back, past the append-only trigger (on SQLite
    dropped, on PostgreSQL disabled: either way only until the test's transaction rolls back)."""
    with connection.cursor() as cursor:
        if not on_postgresql():
            cursor.execute("DROP TRIGGER IF EXISTS creditbank_creditentry_append_only")
        if on_postgresql():
            # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE creditbank_creditentry DISABLE TRIGGER creditbank_creditentry_append_only"
            )
        cursor.execute(sql, params)
        if on_postgresql():
            cursor.execute(
                "ALTER TABLE creditbank_creditentry ENABLE TRIGGER creditbank_creditentry_append_only"
            )


def test_verify_ledger_finds_an_entry_altered_behind_the_applications_back(world, posted):
    learner, _, _ = posted
    target = CreditEntry.objects.get(account=learner.account, seq=3)
    _tamper("UPDATE creditbank_creditentry SET credits = 40 WHERE id = %s", [target.pk])
    code, message = run_verify()
    assert code == 1
    assert f"账户 {learner.account.account_no}" in message
    assert f"第 3 条，流水 id {target.pk}" in message
    assert "流水内容与哈希不符" in message


def test_verify_ledger_finds_a_rewritten_hash_by_the_next_link(world, posted):
    learner, _, _ = posted
    target = CreditEntry.objects.get(account=learner.account, seq=2)
    target.credits = Decimal("30")
    forged = target.compute_hash()
    _tamper(
        "UPDATE creditbank_creditentry SET credits = 30, hash = %s WHERE id = %s",
        [forged, target.pk],
    )
    code, message = run_verify()
    assert code == 1 and "第 3 条" in message and "前序哈希" in message


def test_verify_ledger_finds_entries_cut_off_the_end(world):
    learner = world.learner()
    for name in ("护理学基础", "岗位实习"):
        services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, name))
    last = CreditEntry.objects.get(account=learner.account, seq=2)
    _tamper("DELETE FROM creditbank_creditentry WHERE id = %s", [last.pk])
    code, message = run_verify()
    assert code == 1 and "链头记录到第 2 条" in message and "只到第 1 条" in message


@pytest.mark.postgresql
def test_postgresql_refuses_update_and_delete_of_entries(world, posted):
    entry = CreditEntry.objects.first()
    for sql in (
        "UPDATE creditbank_creditentry SET credits = 99 WHERE id = %s",
        "DELETE FROM creditbank_creditentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert CreditEntry.objects.get(pk=entry.pk).credits == entry.credits


def test_the_database_refuses_an_update_of_an_entry_on_sqlite_and_postgresql(world, posted):
    entry = CreditEntry.objects.first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE creditbank_creditentry SET credits = 99 WHERE id = %s", [entry.pk]
            )
    assert CreditEntry.objects.get(pk=entry.pk).credits == entry.credits


def test_course_results_post_their_credits_once(world):
    learner = world.learner()
    result = world.course_result(learner, "护理学基础")
    entry = services.course_credit_post(actor=SYSTEM, outcome=result)
    assert (entry.kind, entry.credits, entry.course, entry.curriculum) == (
        "course", 8, world.courses["护理学基础"], world.curriculum
    )  # fmt: skip
    assert entry.category == "core"
    assert services.course_credit_post(actor=SYSTEM, outcome=result) == entry
    failed = world.course_result(learner, "老年护理", score=Decimal("55"))
    assert services.course_credit_post(actor=SYSTEM, outcome=failed) is None
    world.course_result(learner, "岗位实习")
    assert services.course_credits_sync(actor=SYSTEM) == 1
    assert services.course_credits_sync(actor=SYSTEM) == 0
    assert CreditEntry.objects.filter(kind="course").count() == 2


def test_revoking_an_outcome_reverses_what_was_built_on_it(world, posted):
    learner, cert, request = posted
    credential = services.transcript_issue(
        actor=learner.account.user, learner=learner, curriculum=world.curriculum
    )
    before = selectors.account_balance(account=learner.account)
    with pytest.raises(ValidationError, match=ERR_REVOKE_REASON):
        outcome_revoke(actor=SYSTEM, outcome=cert, reason="")
    outcome_revoke(actor=world.users["continuing_ed"], outcome=cert, reason="评价组织撤销证书")
    cert.refresh_from_db()
    assert cert.status == LearningOutcome.Status.REVOKED
    reversals = CreditEntry.objects.filter(kind="reversal").order_by("seq")
    assert [(r.seq, r.reverses.kind, r.credits) for r in reversals] == [
        (5, "exemption", -4),
        (6, "conversion", -2),
    ]
    # The revocation nets to zero; only the course credits remain.
    assert sum(e.credits for e in CreditEntry.objects.filter(outcome=cert)) == 0
    assert selectors.account_balance(account=learner.account) == before - 6
    assert Exemption.objects.get().status == "withdrawn"
    request.refresh_from_db()
    assert request.status == RecognitionRequest.Status.REVERSED
    assert request.events.last().action == "reversed"
    assert "学分认定已冲正" in notification_list(user=learner.account.user).values_list(
        "title", flat=True
    )
    for who in ("school_staff", "academic_affairs"):
        assert notification_list(user=world.users[who]).filter(title__contains="冲正").exists()
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED
    assert ledger.verify().intact
    # Revoking again changes nothing; the course can be exempted again by another outcome.
    outcome_revoke(actor=SYSTEM, outcome=cert, reason="重复")
    assert CreditEntry.objects.filter(kind="reversal").count() == 2
    again = world.decide(learner, [world.certificate(learner, "senior")])
    assert [line.result for line in again.lines.all()] == ["granted", "granted"]


def test_revoking_a_course_result_reverses_its_credits(world):
    learner = world.learner()
    result = world.course_result(learner, "护理学基础")
    services.course_credit_post(actor=SYSTEM, outcome=result)
    outcome_revoke(actor=SYSTEM, outcome=result, reason="成绩录入错误")
    assert selectors.account_balance(account=learner.account) == 0
    assert notification_list(user=learner.account.user).first().title == "学分流水已冲正"


def test_an_open_request_sees_a_revoked_outcome(world):
    learner = world.learner()
    cert = world.certificate(learner)
    request = world.submit(learner, [cert])
    outcome_revoke(actor=SYSTEM, outcome=cert, reason="证书作废")
    assert [line.result for line in request.lines.all()] == ["ineligible"]
    world.school_approve(request)
    world.approve(request)
    assert not CreditEntry.objects.exists()


def test_staff_correct_an_entry_by_reversing_it(world, posted):
    learner, _, request = posted
    entry = CreditEntry.objects.get(request=request, kind="exemption")
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.entry_reverse(actor=world.users["school_staff"], entry=entry, reason="误记")
    reversal = services.entry_reverse(
        actor=world.users["academic_affairs"], entry=entry, reason="免修课程选错"
    )
    assert reversal.credits == -4 and reversal.reverses == entry
    assert Exemption.objects.get().status == "withdrawn"
    with pytest.raises(ValidationError, match=services.ERR_ALREADY_REVERSED):
        services.entry_reverse(actor=world.users["academic_affairs"], entry=entry, reason="再冲")
    with pytest.raises(ValidationError, match=services.ERR_REVERSE_KIND):
        services.entry_reverse(actor=world.users["academic_affairs"], entry=reversal, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.post(
            actor=None,
            account_id=learner.account_id,
            drafts=[ledger.reversal_draft(entry, memo="第二次冲正")],
        )


def test_the_background_tasks_post_course_credits_and_check_the_chains(world):
    from xbank.creditbank import tasks

    learner = world.learner()
    world.course_result(learner, "护理学基础")
    result = tasks.post_course_credits.enqueue([learner.account_id], None)
    assert result.return_value == 1
    check = tasks.verify_ledger.enqueue().return_value
    assert check == {
        "accounts": 1,
        "entries": 1,
        "intact": True,
        "checkpoint": None,
        "checkpoint_problem": None,
        "first_break": None,
    }
