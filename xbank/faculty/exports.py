"""Excel exports of the teacher team's lists, one ``ListExport`` each (the file's title, the
header row and a row per object); ``xbank.core.xlsx`` renders. Phone numbers are exported
masked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from .models import Teacher, TeacherTraining


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


def _qualification_names(teacher: Teacher) -> str:
    if teacher.user is None:
        return ""
    return "、".join(
        f"{q.certificate_type.name}（{q.get_level_display() or '—'}，至 {q.valid_until:%Y-%m-%d}）"
        for q in getattr(teacher.user, "valid_qualifications", [])
    )


class TeacherExport(ListExport):
    title = gettext_lazy("教师名册")

    def headers(self) -> list[str]:
        return [
            _("院校"), _("工号"), _("姓名"), _("二级学院"), _("专业代码"), _("专业"), _("教师类别"),
            _("工作单位"), _("单位类型"), _("职称"), _("职称等级"), _("双师型"), _("双师型认定依据"),
            _("双师型认定日期"), _("有效考评员资格"), _("手机号"), _("登录账号"), _("状态"),
            _("离职日期"),
        ]  # fmt: skip

    def rows(self, teachers: Iterable[Teacher]) -> Iterator[list]:
        for t in teachers:
            yield [
                t.institution.name,
                t.staff_no,
                t.name,
                t.school.name,
                t.major.code if t.major else "",
                t.major.name if t.major else "",
                t.get_kind_display(),
                t.employer,
                t.get_employer_kind_display() if t.employer_kind else "",
                t.title,
                t.get_title_rank_display() if t.title_rank else "",
                _yes(t.dual_qualified),
                t.dual_basis,
                t.dual_recognized_on,
                _qualification_names(t),
                t.phone_masked,
                t.user.username if t.user else "",
                t.get_status_display(),
                t.left_on,
            ]


class TrainingExport(ListExport):
    title = gettext_lazy("师资培训")

    def headers(self) -> list[str]:
        return [
            _("开始日期"), _("结束日期"), _("工号"), _("姓名"), _("二级学院"), _("专业"),
            _("教师类别"), _("培训项目"), _("主办单位"), _("相关证书"), _("学时"),
            _("结业证书编号"), _("备注"),
        ]  # fmt: skip

    def rows(self, trainings: Iterable[TeacherTraining]) -> Iterator[list]:
        for tr in trainings:
            t = tr.teacher
            yield [
                tr.start_date,
                tr.end_date,
                t.staff_no,
                t.name,
                t.school.name,
                t.major.name if t.major else "",
                t.get_kind_display(),
                tr.programme,
                tr.organiser,
                tr.certificate_type.name if tr.certificate_type else "",
                tr.hours,
                tr.certificate_no,
                tr.note,
            ]
