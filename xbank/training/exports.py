"""Excel exports of the training lists and statistics, one ``ListExport`` each: the file's title,
the sheet, the header row and a row per object; ``xbank.core.xlsx`` renders. Rows are what the
page shows after its filters."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from .models import Enrollment, TrainingProgram
from .selectors import GROUPS, TrainingStats

CHUNK = 2000


class ProgramExport(ListExport):
    title = gettext_lazy("培训项目")

    def headers(self) -> list[str]:
        return [
            _("编号"),
            _("名称"),
            _("证书"),
            _("等级"),
            _("招生对象"),
            _("开班日期"),
            _("结班日期"),
            _("地点"),
            _("名额"),
            _("已占名额"),
            _("候补"),
            _("结业人次"),
            _("培训费（元）"),
            _("合作项目"),
            _("状态"),
        ]

    def rows(self, programs: QuerySet[TrainingProgram]) -> Iterator[list]:
        for p in programs.iterator(chunk_size=CHUNK):
            yield [
                p.code,
                p.title,
                p.certificate_type.name,
                p.get_level_display() if p.level else "",
                p.get_audience_display(),
                p.start_date,
                p.end_date,
                f"{p.get_place_kind_display()} {p.place}".strip(),
                p.capacity,
                p.seated,
                p.waitlisted,
                p.completed,
                p.fee,
                p.partner,
                p.get_status_display(),
            ]


def _learner_cells(learner, *, student_no: bool) -> list:
    """类别, 二级学院, 专业, (学号,) 工作单位 of an enrolment's learner: blank for a member of
    the public registered without a learner record."""
    if learner is None:
        return [""] * (5 if student_no else 4)
    cells = [
        learner.get_kind_display(),
        learner.school.name if learner.school else "",
        learner.major.name if learner.major else "",
    ]
    if student_no:
        cells.append(learner.student_no)
    return [*cells, learner.employer]


class EnrollmentExport(ListExport):
    title = gettext_lazy("培训报名名单")
    sheet_name = gettext_lazy("报名名单")

    def headers(self) -> list[str]:
        return [
            _("姓名"),
            _("账户号"),
            _("证件号"),
            _("培训项目"),
            _("证书"),
            _("类别"),
            _("二级学院"),
            _("专业"),
            _("学号"),
            _("工作单位"),
            _("报名方式"),
            _("报名时间"),
            _("状态"),
            _("候补顺位"),
        ]

    def rows(self, enrollments: QuerySet[Enrollment]) -> Iterator[list]:
        for e in enrollments.iterator(chunk_size=CHUNK):
            yield [
                e.account.name,
                e.account.account_no,
                e.account.id_number_masked,
                e.program.title,
                e.program.certificate_type.name,
                *_learner_cells(e.learner, student_no=True),
                e.get_channel_display(),
                e.created_at,
                e.get_status_display(),
                e.waitlist_position,
            ]


class StatsExport(ListExport):
    """The statistics of one grouping: its rows are those of a ``TrainingStats``, then the
    total; the first header names the grouping."""

    title = gettext_lazy("培训统计")
    heading = gettext_lazy("培训统计（人次为结业人次，人数为不重复的结业人数）")

    def __init__(self, group: str):
        self.group = group

    def headers(self) -> list[str]:
        return [_(GROUPS[self.group][0]), _("录取人次"), _("结业人次"), _("结业人数")]

    def rows(self, stats: TrainingStats) -> Iterator[list]:
        for row in stats.rows:
            yield [row.label, row.enrolled, row.person_times, row.persons]
        yield [_("合计"), stats.enrolled, stats.person_times, stats.persons]


class NamesExport(ListExport):
    title = gettext_lazy("培训结业名单")
    sheet_name = gettext_lazy("结业名单")

    def headers(self) -> list[str]:
        return [
            _("姓名"),
            _("账户号"),
            _("培训项目"),
            _("证书"),
            _("结业日期"),
            _("类别"),
            _("二级学院"),
            _("专业"),
            _("工作单位"),
        ]

    def rows(self, enrollments: QuerySet[Enrollment]) -> Iterator[list]:
        for e in enrollments.iterator(chunk_size=CHUNK):
            yield [
                e.account.name,
                e.account.account_no,
                e.program.title,
                e.program.certificate_type.name,
                e.completed_on,
                *_learner_cells(e.learner, student_no=False),
            ]
