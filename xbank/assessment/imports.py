"""Imports of the evaluation organisation's files (培训评价组织的成绩与发证文件), on the shared
pipeline:

- ``results`` (考核成绩): theory and practical scores, or 缺考, per candidate;
- ``awards`` (证书发放): the certificate number and date of each candidate who passed.

A row names its candidate twice, by ID number and by admission ticket number (准考证号); both
must point at the same candidate of a session of the importing institution, else the row is
refused ("第 N 行，列「准考证号」：…"). Like every import, a file is written whole or not at all
(invariant 8). Only the continuing education college of the institution imports them (the
command line, which has no user, may too).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from xbank.audit import services as audit
from xbank.catalog.services import ERR_CANCELLED
from xbank.core.actors import Actor, is_system
from xbank.imports import cleaners
from xbank.imports.bulk import rows_matching
from xbank.imports.pipeline import (
    Column,
    Context,
    ImportSpec,
    Plan,
    Report,
    Table,
    duplicates,
    register,
)
from xbank.learners.imports import id_number_column, id_type_column, prepare_people
from xbank.learners.models import LearningOutcome

from . import errors, rules, services
from .access import access_for
from .models import Candidate, CertificateAward, ExamResult, ExamSession, PassMark

ERR_ROLE = "只有本院校继续教育学院可以导入{what}"
ERR_UNKNOWN_TICKET = "没有准考证号为 {ticket} 的考生"
ERR_TICKET_PERSON = "准考证号 {ticket} 与证件号码不是同一考生"
ERR_TICKET_INSTITUTION = "准考证号 {ticket} 的考核批次不属于{institution}"
ERR_NAME = "姓名与准考证号 {ticket} 的考生「{name}」不一致"
ERR_SESSION_STATUS = "考核批次「{title}」的状态为「{status}」，{what}"
ERR_RESULT_EMPTY = "请填写理论成绩和实操成绩，或在「是否缺考」中填“是”"
ERR_AWARD_OTHER_NUMBER = "该考生已发放证书（编号 {number}）"

ABSENT_OPTIONS = {"是": True, "缺考": True, "Y": True, "否": False, "正常": False, "N": False}
TICKET_SYNONYMS = ("准考证", "准考证编号", "考号", "考生号", "准考号")


def _name_column() -> Column:
    return Column(
        "name",
        "姓名",
        cleaners.person_name,
        synonyms=("考生姓名", "学员姓名", "持证人", "持证人姓名"),
        example="张三",
        help=_("填写时与准考证号的考生核对"),
        width=12,
    )


def _ticket_column() -> Column:
    return Column(
        "ticket_no",
        "准考证号",
        cleaners.code(20),
        synonyms=TICKET_SYNONYMS,
        required=True,
        example="20250000101001",
        text_format=True,
        width=18,
    )


def _actor(ctx: Context) -> Actor:
    """Who imports: the person, or ``SYSTEM`` (``import_excel`` without ``--user``)."""
    return ctx.actor


def _refuse_other_roles(ctx: Context, what: str) -> bool:
    """File-level refusal for users who do not run the institution's assessments."""
    actor = _actor(ctx)
    if is_system(actor) or ctx.institution.pk in access_for(actor).manage:
        return False
    ctx.report.error(None, None, ERR_ROLE.format(what=what))
    return True


def _candidates(table: Table) -> dict[str, dict]:
    """ticket number → the candidate's ids, account hash and name, session and its state."""
    fields = (
        "ticket_no",
        "id",
        "account_id",
        "account__id_hash",
        "account__name",
        "session_id",
        "session__institution_id",
        "session__status",
        "session__title",
        "session__date",
        "session__certificate_type_id",
    )
    return {
        row[0]: dict(zip(fields, row, strict=True))
        for row in rows_matching(
            Candidate.objects.all(), "ticket_no", table.columns["ticket_no"], fields
        )
    }


def _match(row_no, ticket, id_hash, name, found, ctx: Context) -> dict | None:
    """The candidate the row names by ticket and by ID number, or None with the error."""
    report = ctx.report
    candidate = found.get(ticket)
    if candidate is None:
        report.error(row_no, "ticket_no", ERR_UNKNOWN_TICKET.format(ticket=ticket))
        return None
    if candidate["session__institution_id"] != ctx.institution.pk:
        report.error(
            row_no,
            "ticket_no",
            ERR_TICKET_INSTITUTION.format(ticket=ticket, institution=ctx.institution.name),
        )
        return None
    if id_hash is not None and candidate["account__id_hash"] != id_hash:
        report.error(row_no, "ticket_no", ERR_TICKET_PERSON.format(ticket=ticket))
        return None
    if name is not None and name != candidate["account__name"]:
        report.error(
            row_no, "name", ERR_NAME.format(ticket=ticket, name=candidate["account__name"])
        )
        return None
    return candidate


def _status_label(status: str) -> str:
    return str(ExamSession.Status(status).label)


@register
class ResultImport(ImportSpec):
    """考核成绩 from the evaluation organisation: one row per candidate."""

    kind = "results"
    title = _("考核成绩")
    columns = (
        _name_column(),
        id_type_column(),
        id_number_column(),
        _ticket_column(),
        Column(
            "theory",
            "理论成绩",
            cleaners.decimal(places=1, max_value=Decimal(999)),
            synonyms=("理论", "理论考试成绩", "理论分数", "理论知识成绩"),
            example="86",
            width=10,
        ),
        Column(
            "practical",
            "实操成绩",
            cleaners.decimal(places=1, max_value=Decimal(999)),
            synonyms=("实操", "实操考试成绩", "技能操作成绩", "技能成绩", "实操分数"),
            example="78.5",
            width=10,
        ),
        Column(
            "absent",
            "是否缺考",
            cleaners.choice(ABSENT_OPTIONS, shown=("是", "否")),
            synonyms=("缺考", "考试状态"),
            choices=("是", "否"),
            example="否",
            help=_("缺考填“是”，成绩留空"),
            width=10,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        prepare_people(table, report, keep_documents=False)
        duplicates(table.rows("ticket_no"), report, "ticket_no")

    def check(self, table: Table, ctx: Context) -> Plan:
        plan = Plan()
        if _refuse_other_roles(ctx, "考核成绩"):
            return plan
        report = ctx.report
        found = _candidates(table)
        stored = {
            row[0]: row[1:]
            for row in ExamResult.objects.filter(
                candidate_id__in=[c["id"] for c in found.values()]
            ).values_list(
                "candidate_id", "id", "absent", "theory_score", "practical_score", "passed"
            )
        }
        marks = {
            m.certificate_type_id: m
            for m in PassMark.objects.filter(
                certificate_type_id__in={c["session__certificate_type_id"] for c in found.values()}
            )
        }
        new, updates, changes = [], [], []
        rows = table.rows("name", "id_hash", "ticket_no", "theory", "practical", "absent")
        for row_no, name, id_hash, ticket, theory, practical, absent in rows:
            if ticket is None:
                continue
            candidate = _match(row_no, ticket, id_hash, name, found, ctx)
            if candidate is None:
                continue
            if candidate["session__status"] not in (
                ExamSession.Status.IN_PROGRESS,
                ExamSession.Status.SCORED,
            ):
                report.error(
                    row_no,
                    "ticket_no",
                    ERR_SESSION_STATUS.format(
                        title=candidate["session__title"],
                        status=_status_label(candidate["session__status"]),
                        what="不能导入成绩（须为“考核中”或“已评分”）",
                    ),
                )
                continue
            absent = bool(absent)
            if absent and (theory is not None or practical is not None):
                report.error(row_no, "absent", errors.ERR_ABSENT_WITH_SCORES)
                continue
            if not absent and (theory is None or practical is None):
                if row_no not in report.bad_rows:
                    report.error(
                        row_no, "theory" if theory is None else "practical", ERR_RESULT_EMPTY
                    )
                continue
            mark = marks.get(candidate["session__certificate_type_id"]) or PassMark()
            bad = False
            for key, part, value, full in (
                ("theory", "理论", theory, mark.theory_full),
                ("practical", "实操", practical, mark.practical_full),
            ):
                if value is not None and value > full:
                    report.error(row_no, key, errors.ERR_SCORE_RANGE.format(part=part, full=full))
                    bad = True
            if bad or row_no in report.bad_rows:
                continue
            passed = rules.result_verdict(mark, theory, practical, absent)
            values = (absent, theory, practical, passed)
            old = stored.get(candidate["id"])
            if old is None:
                new.append((candidate["id"], *values))
                plan.created += 1
            elif tuple(old[1:]) == values:
                plan.unchanged += 1
            else:
                updates.append((old[0], *values))
                changes.append(
                    (
                        candidate["session_id"],
                        candidate["id"],
                        _jsonable(old[1:]),
                        _jsonable(values),
                    )
                )
                plan.updated += 1
            if old is None:
                changes.append((candidate["session_id"], candidate["id"], None, _jsonable(values)))
        plan.data = {"new": new, "updates": updates, "changes": changes}
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
        batch = ctx.batch
        ExamResult.objects.bulk_create(
            [
                ExamResult(
                    candidate_id=candidate_id,
                    absent=absent,
                    theory_score=theory,
                    practical_score=practical,
                    passed=passed,
                    source=ExamResult.Source.IMPORT,
                    entered_by=actor,
                    import_batch=batch,
                )
                for candidate_id, absent, theory, practical, passed in plan.data["new"]
            ]
        )
        updated = []
        for pk, absent, theory, practical, passed in plan.data["updates"]:
            updated.append(
                ExamResult(
                    pk=pk,
                    absent=absent,
                    theory_score=theory,
                    practical_score=practical,
                    passed=passed,
                    source=ExamResult.Source.IMPORT,
                    entered_by=actor,
                    import_batch=batch,
                )
            )
        ExamResult.objects.bulk_update(
            updated,
            [
                "absent",
                "theory_score",
                "practical_score",
                "passed",
                "source",
                "entered_by",
                "import_batch",
            ],
        )
        # One audit entry per session, with every result's old and new values (invariant 10).
        by_session: dict[int, list] = {}
        for session_id, candidate_id, old, new in plan.data["changes"]:
            by_session.setdefault(session_id, []).append(
                {"candidate": candidate_id, "old": old, "new": new}
            )
        for session in ExamSession.objects.filter(pk__in=by_session):
            audit.log(
                _actor(ctx),
                "assessment.results.imported",
                session,
                data={"batch": batch.pk if batch else None, "results": by_session[session.pk]},
            )


def _jsonable(values) -> dict:
    absent, theory, practical, passed = values
    return {
        "absent": absent,
        "theory_score": str(theory) if theory is not None else None,
        "practical_score": str(practical) if practical is not None else None,
        "passed": passed,
    }


@register
class AwardImport(ImportSpec):
    """证书发放: the certificate numbers the evaluation organisation issued to those who passed.
    Each new row goes through ``services.award_issue``: a verified learning outcome in the
    holder's account, a verifiable credential, an audit entry, the credit bank's hook."""

    kind = "awards"
    title = _("证书发放")
    columns = (
        _name_column(),
        id_type_column(),
        id_number_column(),
        _ticket_column(),
        Column(
            "certificate_no",
            "证书编号",
            cleaners.code(64),
            synonyms=("证书号", "证书号码", "证号"),
            required=True,
            example="LNZH-2025-1-000001",
            text_format=True,
            width=22,
        ),
        Column(
            "issued_on",
            "发证日期",
            cleaners.date(past_only=True, min_year=2000),
            synonyms=("发证时间", "颁证日期", "取得日期"),
            required=True,
            example=datetime.date(2025, 7, 15),
            date_format=True,
            width=12,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        prepare_people(table, report, keep_documents=False)
        duplicates(table.rows("ticket_no"), report, "ticket_no")
        duplicates(table.rows("certificate_no"), report, "certificate_no")

    def check(self, table: Table, ctx: Context) -> Plan:
        plan = Plan()
        if _refuse_other_roles(ctx, "证书发放"):
            return plan
        report = ctx.report
        found = _candidates(table)
        ids = [c["id"] for c in found.values()]
        results = dict(
            ExamResult.objects.filter(candidate_id__in=ids).values_list("candidate_id", "passed")
        )
        # A candidate's live certificate, else the latest revoked one (a re-issue leaves both).
        awards = dict(
            CertificateAward.objects.filter(candidate_id__in=ids)
            .order_by("status", "id")  # "revoked" < "valid": live comes last
            .values_list("candidate_id", "certificate_no")
        )
        sessions = {
            s.pk: s
            for s in ExamSession.objects.filter(
                pk__in={c["session_id"] for c in found.values()}
            ).select_related("certificate_type__evaluation_org")
        }
        numbers = [n for n in table.columns["certificate_no"] if n]
        taken = {
            (issuer, number): account_id
            for issuer, number, account_id in rows_matching(
                LearningOutcome.objects.all(), "number", numbers, ("issuer", "number", "account_id")
            )
        }
        taken_awards = set(
            rows_matching(
                CertificateAward.objects.all(),
                "certificate_no",
                numbers,
                ("issuer", "certificate_no"),
            )
        )
        new = []
        rows = table.rows("name", "id_hash", "ticket_no", "certificate_no", "issued_on")
        for row_no, name, id_hash, ticket, number, issued_on in rows:
            if ticket is None:
                continue
            candidate = _match(row_no, ticket, id_hash, name, found, ctx)
            if candidate is None or number is None:
                continue
            session = sessions[candidate["session_id"]]
            if session.status != ExamSession.Status.PUBLISHED:
                report.error(
                    row_no,
                    "ticket_no",
                    ERR_SESSION_STATUS.format(
                        title=session.title,
                        status=session.get_status_display(),
                        what="成绩发布后才能发放证书",
                    ),
                )
                continue
            existing = awards.get(candidate["id"])
            if existing is not None:
                if existing == number:
                    plan.unchanged += 1
                else:
                    report.error(
                        row_no, "certificate_no", ERR_AWARD_OTHER_NUMBER.format(number=existing)
                    )
                continue
            if not results.get(candidate["id"]):
                report.error(
                    row_no,
                    "ticket_no",
                    errors.ERR_NOT_PASSED.format(name=candidate["account__name"]),
                )
                continue
            if session.certificate_type.is_cancelled:
                report.error(
                    row_no, "ticket_no", ERR_CANCELLED.format(name=session.certificate_type.name)
                )
                continue
            issuer = session.certificate_type.issuer
            owner = taken.get((issuer, number))
            if (issuer, number) in taken_awards or (
                owner is not None and owner != candidate["account_id"]
            ):
                report.error(
                    row_no,
                    "certificate_no",
                    errors.ERR_AWARD_NUMBER_TAKEN.format(issuer=issuer, number=number),
                )
                continue
            if issued_on is not None and issued_on < session.date:
                report.error(row_no, "issued_on", errors.ERR_AWARD_DATE.format(date=session.date))
                continue
            if row_no in report.bad_rows:
                continue
            new.append((candidate["id"], number, issued_on))
            plan.created += 1
        plan.data = {"new": new}
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        candidates = Candidate.objects.in_bulk([row[0] for row in plan.data["new"]])
        for candidate_id, number, issued_on in plan.data["new"]:
            services.award_issue(
                actor=_actor(ctx),
                candidate=candidates[candidate_id],
                certificate_no=number,
                issued_on=issued_on,
            )
