"""The graduation audit (毕业审核) of a cohort, and its rows for the Excel export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xbank.accounts.access import Viewer
from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner, LearningOutcome, held_certificates_q
from xbank.learners.scoping import learner_scope_q

from .. import engine
from ..rules import fmt
from .credits import CreditSummary, _credit_summaries


@dataclass
class GraduationRow:
    learner: Learner
    summary: CreditSummary
    certificates: list[str]  # required certificates held (names, with level)
    reasons: list[str]

    @property
    def certificate_ok(self) -> bool:
        return bool(self.certificates)

    @property
    def meets(self) -> bool:
        return not self.reasons


def graduation_audit(*, user: Viewer, curriculum: Curriculum) -> list[GraduationRow]:
    """毕业审核 for a cohort: who meets the credit total (earned + converted within the cap) and
    the certificate requirement (at least one verified, unrevoked certificate of a type the
    curriculum requires, seed 四(一)3), who does not and why.

    Learners are the cohort's students in the user's scope. Queries: learners, curriculum rows,
    required types, certificates held, and two grouped ledger sums — 6, however large the cohort.
    """
    learners = list(
        Learner.objects.filter(
            learner_scope_q(user),
            kind=Learner.Kind.STUDENT,
            major_id=curriculum.major_id,
            cohort_year=curriculum.cohort_year,
        )
        .exclude(status=Learner.Status.WITHDRAWN)
        .select_related("account", "major")
        .order_by("student_no", "account__name_pinyin", "id")
    )
    rows = engine.curriculum_courses([curriculum])[curriculum.pk]
    required_types = {ct.pk: ct.name for ct in curriculum.required_certificates.all()}
    account_ids = [lr.account_id for lr in learners]
    held: dict[int, list[str]] = defaultdict(list)
    for chunk in engine.chunks(account_ids):
        for outcome in (
            LearningOutcome.objects.filter(
                held_certificates_q(),
                status=LearningOutcome.Status.VERIFIED,
                account_id__in=chunk,
                certificate_type_id__in=list(required_types),
            )
            .only("account_id", "certificate_type_id", "level", "issued_on")
            .order_by("issued_on", "id")
        ):
            # Filtered on certificate_type_id__in above: never None here.
            assert outcome.certificate_type_id is not None
            name = required_types[outcome.certificate_type_id]
            if outcome.level:
                name += f"（{outcome.get_level_display()}）"
            held[outcome.account_id].append(name)
    summaries = _credit_summaries(account_ids, curriculum, rows)
    result = []
    for learner in learners:
        summary = summaries[learner.account_id]
        reasons = []
        if not summary.credits_ok:
            reasons.append(
                f"学分不足：已获 {fmt(summary.total)}，毕业须 {fmt(summary.required)}，"
                f"差 {fmt(summary.required - summary.total)}"
            )
        if summary.converted > summary.cap:
            reasons.append(
                f"转换学分 {fmt(summary.converted)} 超出上限 {fmt(summary.cap)}，超出部分不计入"
            )
        if not held[learner.account_id]:
            names = "、".join(sorted(required_types.values())) or "（方案未设置）"
            reasons.append(f"未取得本专业要求的证书（至少一项：{names}）")
        # Over the cap is explained, but it alone does not fail a learner who has enough.
        failing = [r for r in reasons if not r.startswith("转换学分")]
        result.append(
            GraduationRow(
                learner=learner,
                summary=summary,
                certificates=held[learner.account_id],
                reasons=failing,
            )
        )
    return result


GRADUATION_HEADERS = [
    "学号", "姓名", "已修学分", "免修学分", "转换学分", "计入转换", "合计", "毕业要求",
    "持有证书", "审核结论", "原因",
]  # fmt: skip


def graduation_rows_for_export(rows: Iterable[GraduationRow]) -> Iterator[list[object]]:
    """Rows for ``core.xlsx.write_rows(GRADUATION_HEADERS, ...)``."""
    for row in rows:
        s = row.summary
        yield [
            row.learner.student_no,
            row.learner.account.name,
            s.earned,
            s.exempted,
            s.converted_credits,
            s.converted_counted,
            s.total,
            s.required,
            "、".join(row.certificates),
            "符合" if row.meets else "不符合",
            "；".join(row.reasons),
        ]
