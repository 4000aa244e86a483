"""Excel exports of the catalogue lists and of a coverage matrix, one ``ListExport`` each (the
file's title, the sheet, the header row and a row per object); ``xbank.core.xlsx`` renders. Rows
are what the page shows after its filters, without pagination."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from . import selectors


class CertificateTypeExport(ListExport):
    title = gettext_lazy("证书类型")

    def headers(self) -> list[str]:
        return [
            _("证书名称"),
            _("类别"),
            _("培训评价组织/发证机构"),
            _("等级"),
            _("别名"),
            _("标准模块数"),
            _("状态"),
            _("遴选状态"),
            _("取消日期"),
        ]

    def rows(self, types) -> Iterator[list]:
        for ct in types:
            yield [
                ct.name,
                ct.get_kind_display(),
                ct.issuer,
                "、".join(str(label) for _code, label in ct.level_choices()),
                "、".join(alias.alias for alias in ct.aliases.all()),
                ct.module_count,
                ct.get_status_display(),
                ct.get_admission_display(),
                ct.cancelled_on,
            ]


class CurriculumExport(ListExport):
    title = gettext_lazy("人才培养方案")

    def headers(self) -> list[str]:
        return [
            _("院校"),
            _("二级学院"),
            _("专业代码"),
            _("专业"),
            _("年级"),
            _("方案名称"),
            _("毕业总学分"),
            _("课程数"),
            _("毕业须持证书（至少一项）"),
        ]

    def rows(self, curricula) -> Iterator[list]:
        for c in curricula:
            yield [
                c.major.institution.name,
                c.major.school.name,
                c.major.code,
                c.major.name,
                c.cohort_year,
                str(c),
                c.total_credits,
                c.course_count,
                "、".join(ct.name for ct in c.required_certificates.all()),
            ]


class CoverageExport(ListExport):
    """The coverage list: a row per curriculum and certificate (of ``certificate_type`` only,
    when the filter names one)."""

    title = gettext_lazy("课证融合覆盖率")
    sheet_name = gettext_lazy("课证融合")

    def __init__(self, certificate_type=None):
        self.certificate_type = certificate_type

    def headers(self) -> list[str]:
        return [
            _("专业代码"),
            _("专业"),
            _("年级"),
            _("证书"),
            _("毕业要求证书"),
            _("标准模块数"),
            _("已覆盖模块数"),
            _("覆盖率（%）"),
            _("对应课程数"),
        ]

    def rows(self, curricula) -> Iterator[list]:
        summaries = selectors.coverage_summaries(curricula, certificate_type=self.certificate_type)
        for s in summaries:
            yield [
                s.curriculum.major.code,
                s.curriculum.major.name,
                s.curriculum.cohort_year,
                s.certificate_type.name,
                _("是") if s.required else _("否"),
                s.module_count,
                s.covered_count,
                s.share,
                s.mapped_course_count,
            ]


class MatrixExport(ListExport):
    """One curriculum's coverage matrix of one certificate: a row per course, a column per
    standard module, then the number of courses covering each module; its rows are the
    matrix's."""

    title = gettext_lazy("课证融合矩阵")

    def __init__(self, curriculum, certificate_type, matrix):
        self.matrix = matrix
        self.heading = _(
            "{curriculum} · {certificate} 课证融合矩阵：覆盖 {covered}/{total} 个模块"
        ).format(
            curriculum=curriculum,
            certificate=certificate_type.name,
            covered=matrix.covered_count,
            total=matrix.module_count,
        )

    def headers(self) -> list[str]:
        return [
            _("课程代码"),
            _("课程名称"),
            _("课程类别"),
            *[f"{m.get_level_display()} {m.code} {m.name}" for m in self.matrix.modules],
            _("对应模块数"),
        ]

    def rows(self, matrix) -> Iterator[list]:
        for row in matrix.rows:
            cells = [
                "" if cell is None else (cell.course_module.name if cell.course_module else "●")
                for cell in row.cells
            ]
            yield [
                row.course.code,
                row.course.name,
                row.curriculum_course.get_category_display(),
                *cells,
                row.mapped_count,
            ]
        yield ["", _("覆盖课程数"), "", *matrix.module_course_counts, ""]
