"""Excel exports of the learner and outcome lists and of the certificate statistics.

Each list export is a ``ListExport`` (its file's title, sheet, header row and a row per object);
the rows are whatever the list page shows after its filters, in its order, without pagination.
The full-ID learner list (``full_export_workbook``) is rendered here before it is encrypted.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport, write_rows

from .models import FullIdExport, Learner, LearningOutcome
from .selectors import CertificateStats

CHUNK = 2000


def learner_headers() -> list[str]:
    return [
        _("姓名"),
        _("账户号"),
        _("证件号"),
        _("性别"),
        _("类别"),
        _("院校"),
        _("二级学院"),
        _("专业"),
        _("年级"),
        _("学号"),
        _("班级"),
        _("状态"),
    ]


def learner_rows(learners: QuerySet[Learner], *, full_id: bool) -> Iterator[list]:
    for learner in learners.iterator(chunk_size=CHUNK):
        account = learner.account
        yield [
            account.name,
            account.account_no,
            account.id_number if full_id else account.id_number_masked,
            account.get_gender_display() if account.gender else "",
            learner.get_kind_display(),
            learner.institution.name,
            learner.school.name if learner.school else "",
            learner.major.name if learner.major else "",
            learner.cohort_year,
            learner.student_no,
            learner.class_name,
            learner.get_status_display(),
        ]


class LearnerExport(ListExport):
    """The learner list with masked numbers: a file with full numbers is a request of its own
    (``full_export_workbook``)."""

    title = gettext_lazy("学习者名单")
    sheet_name = gettext_lazy("学习者")

    def headers(self) -> list[str]:
        return learner_headers()

    def rows(self, learners: QuerySet[Learner]) -> Iterator[list]:
        return learner_rows(learners, full_id=False)


class OutcomeExport(ListExport):
    title = gettext_lazy("学习成果")

    def headers(self) -> list[str]:
        return [
            _("姓名"),
            _("账户号"),
            _("成果类型"),
            _("名称"),
            _("证书类型"),
            _("等级"),
            _("证书/记录编号"),
            _("发证/认定机构"),
            _("取得日期"),
            _("分数"),
            _("学分"),
            _("状态"),
        ]

    def rows(self, outcomes: QuerySet[LearningOutcome]) -> Iterator[list]:
        for outcome in outcomes.iterator(chunk_size=CHUNK):
            yield [
                outcome.account.name,
                outcome.account.account_no,
                outcome.get_kind_display(),
                outcome.title,
                outcome.certificate_type.name if outcome.certificate_type else "",
                outcome.get_level_display() if outcome.level else "",
                outcome.number,
                outcome.issuer,
                outcome.issued_on,
                outcome.score,
                outcome.credits,
                outcome.get_status_display(),
            ]


class StatsExport(ListExport):
    """The certificate statistics: a row per certificate type, the totals and the persons; the
    year columns are those of the ``CertificateStats``."""

    title = gettext_lazy("持证统计")
    heading = gettext_lazy("持证统计（按取得年份和证书类型）")

    def __init__(self, stats: CertificateStats):
        self.stats = stats

    def headers(self) -> list[str]:
        years = [str(year) for year in self.stats.years]
        return [_("证书类型"), _("类别"), *years, _("合计")]

    def rows(self, stats: CertificateStats) -> Iterator[list]:
        for row in stats.rows:
            yield [row.name or _("（未关联证书类型）"), row.kind, *row.counts, row.total]
        yield [_("合计"), "", *stats.year_totals, stats.total]
        yield [_("持证人数（去重）"), "", *[""] * len(stats.years), stats.persons]


def full_export_workbook(export: FullIdExport, learners: QuerySet[Learner]) -> tuple[bytes, int]:
    """The learner list with full document numbers, before encryption, and its row count.

    The title row names the export, so a copy that turns up later leads back to its request.
    """
    rows = list(learner_rows(learners, full_id=True))
    title = _("学习者名单（含完整证件号）· 导出编号 %(pk)s · 申请人 %(who)s") % {
        "pk": export.pk,
        "who": export.requester,
    }
    content = write_rows(learner_headers(), rows, sheet_name=_("学习者"), title=title)
    return content, len(rows)
