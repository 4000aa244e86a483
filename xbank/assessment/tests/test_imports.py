"""The evaluation organisation's result and certificate files: matched by ID number AND ticket
number, every mismatch a row error in Chinese, all or nothing (invariant 8), audited (10)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services
from xbank.assessment.imports import (
    ERR_RESULT_EMPTY,
    ERR_ROLE,
    ERR_SESSION_STATUS,
    ERR_TICKET_INSTITUTION,
    ERR_TICKET_PERSON,
    ERR_UNKNOWN_TICKET,
)
from xbank.assessment.models import CertificateAward, ExamResult
from xbank.assessment.tests import factories as f
from xbank.audit.models import AuditEntry
from xbank.imports import services as import_services
from xbank.imports.models import ImportBatch
from xbank.imports.tests.helpers import messages, upload, xlsx
from xbank.learners.models import LearningOutcome
from xbank.learners.tests.factories import student

pytestmark = pytest.mark.django_db

RESULTS = ["姓名", "身份证号", "准考证号", "理论成绩", "实操成绩", "是否缺考"]
AWARDS = ["考生姓名", "证件号码", "准考证号", "证书编号", "发证日期"]


@pytest.fixture
def session_in_progress():
    people = [student(name=name).account for name in ("梁晓雯", "韦志强", "覃美玲")]
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=people)
    return s, examiners


@pytest.fixture
def staff(session_in_progress):
    s, _ = session_in_progress
    return user_with_role(Role.CONTINUING_ED, institution=s.institution)


def candidates(s):
    return list(s.candidates.select_related("account").order_by("seat_no"))


def result_row(candidate, theory, practical, absent="否", name=None):
    account = candidate.account
    return [name or account.name, account.id_number, candidate.ticket_no, theory, practical, absent]


def test_a_clean_result_file_is_imported_whole_and_audited(session_in_progress, staff):
    s, _ = session_in_progress
    a, b, c = candidates(s)
    content = xlsx(
        RESULTS,
        [result_row(a, 86, 78.5), result_row(b, 50, 90), result_row(c, None, None, absent="是")],
        title="2025年老年照护（初级）考核成绩（评价组织）",
    )
    batch = upload("results", content, institution=s.institution, actor=staff)
    assert batch.status == ImportBatch.Status.READY, messages(batch)
    batch = import_services.batch_commit(actor=staff, batch=batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    results = {r.candidate_id: r for r in ExamResult.objects.all()}
    assert (results[a.pk].theory_score, results[a.pk].practical_score) == (
        Decimal(86),
        Decimal("78.5"),
    )
    assert results[a.pk].passed and not results[b.pk].passed
    assert results[c.pk].absent and results[c.pk].source == ExamResult.Source.IMPORT
    entry = AuditEntry.objects.get(action="assessment.results.imported")
    assert entry.actor == staff and len(entry.data["results"]) == 3
    # The same file again changes nothing; a corrected score is an audited update.
    again = upload("results", content, institution=s.institution, actor=staff)
    assert again.status == ImportBatch.Status.UNCHANGED
    fixed = xlsx(RESULTS, [result_row(b, 61, 90)])
    batch = import_services.batch_commit(
        actor=staff, batch=upload("results", fixed, institution=s.institution, actor=staff)
    )
    assert batch.updated_count == 1
    assert ExamResult.objects.get(candidate=b).passed
    latest = AuditEntry.objects.filter(action="assessment.results.imported").order_by("-id")[0]
    assert latest.data["results"][0]["old"]["theory_score"] == "50.0"


def test_mismatches_are_listed_per_row_and_nothing_is_written(session_in_progress, staff):
    s, _ = session_in_progress
    a, b, c = candidates(s)
    other_session, _, _ = f.ready_session(accounts=[student().account])
    foreign = other_session.candidates.get()
    rows = [
        result_row(a, 86, 78),  # fine
        [b.account.name, a.account.id_number, b.ticket_no, 80, 80, "否"],  # a's ID, b's ticket
        result_row(c, 80, None),  # a missing score
        [a.account.name, a.account.id_number, "20259999999999", 80, 80, "否"],  # no such ticket
        result_row(foreign, 80, 80),  # another college's session
    ]
    batch = upload("results", xlsx(RESULTS, rows), institution=s.institution, actor=staff)
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch) == [
        f"第 4 行，列「准考证号」：{ERR_TICKET_PERSON.format(ticket=b.ticket_no)}",
        f"第 5 行，列「实操成绩」：{ERR_RESULT_EMPTY}",
        f"第 6 行，列「准考证号」：{ERR_UNKNOWN_TICKET.format(ticket='20259999999999')}",
        "第 7 行，列「准考证号」："
        + ERR_TICKET_INSTITUTION.format(ticket=foreign.ticket_no, institution=s.institution.name),
    ]
    with pytest.raises(Exception):  # noqa: B017 - an invalid batch cannot be committed
        import_services.batch_commit(actor=staff, batch=batch)
    assert not ExamResult.objects.exists()


def test_results_are_imported_only_while_the_session_is_being_scored(staff):
    s, _, _ = f.ready_session(accounts=[student().account])  # scheduled, not started
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    (a,) = candidates(s)
    batch = upload(
        "results", xlsx(RESULTS, [result_row(a, 90, 90)]), institution=s.institution, actor=staff
    )
    assert messages(batch) == [
        "第 3 行，列「准考证号」："
        + ERR_SESSION_STATUS.format(
            title=s.title, status="已排考", what="不能导入成绩（须为“考核中”或“已评分”）"
        )
    ]


def test_only_continuing_education_imports_results(session_in_progress):
    s, _ = session_in_progress
    registrar = user_with_role(Role.ACADEMIC_AFFAIRS, institution=s.institution)
    (a, *_) = candidates(s)
    batch = upload(
        "results",
        xlsx(RESULTS, [result_row(a, 90, 90)]),
        institution=s.institution,
        actor=registrar,
    )
    assert messages(batch) == [ERR_ROLE.format(what="考核成绩")]


def test_the_award_file_creates_outcomes_and_credentials(session_in_progress, staff):
    s, examiners = session_in_progress
    a, b, c = candidates(s)
    for candidate, score in ((a, 90), (b, 40), (c, 75)):
        services.result_enter(
            actor=examiners[candidate.session_room_id][0],
            candidate=candidate,
            theory_score=Decimal(score),
            practical_score=Decimal(score),
        )
    s = services.session_finish_scoring(actor=staff, session=s)
    f.complete_confidentiality(s, *examiners[a.session_room_id])
    s = services.session_publish(actor=staff, session=s)
    july = datetime.date(2025, 7, 15)
    rows = [
        [a.account.name, a.account.id_number, a.ticket_no, "LNZH-2025-1-000001", july],
        [b.account.name, b.account.id_number, b.ticket_no, "LNZH-2025-1-000002", july],  # failed
        [c.account.name, c.account.id_number, c.ticket_no, "LNZH-2025-1-000001", july],  # repeat
    ]
    batch = upload("awards", xlsx(AWARDS, rows), institution=s.institution, actor=staff)
    assert messages(batch) == [
        f"第 4 行，列「准考证号」：{services.ERR_NOT_PASSED.format(name=b.account.name)}",
        "第 5 行，列「证书编号」：与第 3 行重复",
    ]
    rows = [rows[0], [c.account.name, c.account.id_number, c.ticket_no, "LNZH-2025-1-000003", july]]
    batch = import_services.batch_commit(
        actor=staff,
        batch=upload("awards", xlsx(AWARDS, rows), institution=s.institution, actor=staff),
    )
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_count == 2
    award = CertificateAward.objects.get(candidate=a)
    assert award.outcome.status == LearningOutcome.Status.VERIFIED
    assert award.outcome.account == a.account and award.credential.is_valid
    assert AuditEntry.objects.filter(action="assessment.award.issued", actor=staff).count() == 2
    # Importing the same file again changes nothing.
    again = upload("awards", xlsx(AWARDS, rows), institution=s.institution, actor=staff)
    assert again.status == ImportBatch.Status.UNCHANGED


def test_the_templates_of_both_kinds_download(client, staff):
    client.force_login(staff)
    for kind in ("results", "awards"):
        response = client.get(f"/imports/template/{kind}.xlsx")
        assert response.status_code == 200
