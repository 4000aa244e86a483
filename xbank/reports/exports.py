"""Excel out for the reports (one ``ListExport`` each), and the roster layout shared by the
evidence PDF and Excel.

The roster (名单) is laid out as on the seed's own evidence page: 序号/姓名 in four column pairs,
numbered down the columns, thirty to a column — row 1 reads "1 … 31 … 61 … 91 …", and the next
block of a hundred and twenty starts again under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.catalog.models import Level
from xbank.core.xlsx import Book, ListExport, WorkbookExport

from . import figures
from .figures import AnnualSummary, Evidence, Matrix, PerformanceRow
from .models import Metric
from .selectors import AUDIENCES, SOCIAL, STUDENT

ROSTER_ROWS = 30
ROSTER_PAIRS = 4

Slot = tuple[int, str] | None


def roster_blocks(
    names: Sequence[str], *, rows: int = ROSTER_ROWS, pairs: int = ROSTER_PAIRS
) -> list[list[list[Slot]]]:
    """Blocks of up to ``rows`` × ``pairs`` names; in each block, slot (r, c) holds name number
    ``start + c * rows + r + 1`` (down the first column pair, then the next)."""
    per_block = rows * pairs
    blocks = []
    for start in range(0, len(names), per_block):
        chunk = names[start : start + per_block]
        block = []
        for r in range(min(rows, len(chunk))):
            line: list[Slot] = []
            for c in range(pairs):
                i = c * rows + r
                line.append((start + i + 1, chunk[i]) if i < len(chunk) else None)
            block.append(line)
        blocks.append(block)
    return blocks


def roster_header() -> list[str]:
    return [_("序号"), _("姓名")] * ROSTER_PAIRS


# --- Workbooks ------------------------------------------------------------------------------------


# --- Dashboard -----------------------------------------------------------------------------------


class DashboardExport(WorkbookExport):
    """One sheet per table of the dashboard, with the figures as shown."""

    title = gettext_lazy("统计看板")

    def fill(self, book: Book, matrices: Iterable[Matrix]) -> None:
        for i, matrix in enumerate(matrices, start=1):
            headers = [matrix.row_header, *matrix.columns]
            with_total = any(row.total is not None for row in [*matrix.rows, *matrix.footer])
            if with_total:
                headers.append(str(matrix.total_header or _("合计")))
            rows = []
            for row in [*matrix.rows, *matrix.footer, *([matrix.line] if matrix.line else [])]:
                values = [row.label, *[c.value for c in row.cells]]
                if with_total:
                    values.append(row.total.value if row.total is not None else None)
                rows.append(values)
            book.table(
                f"{i}.{matrix.title}"[:31], headers, rows, title=f"{self.title} · {matrix.title}"
            )


# --- Named records -------------------------------------------------------------------------------

LEVELS = dict(Level.choices)


def _level(code: str) -> str:
    return str(LEVELS.get(code, code)) if code else ""


def _audience(major_id) -> str:
    return str(AUDIENCES[STUDENT if major_id is not None else SOCIAL])


def _result(candidate) -> str:
    result = getattr(candidate, "result", None)
    if result is None:
        return _("未录入")
    if result.absent:
        return _("缺考")
    if result.passed:
        return _("合格")
    if result.theory_score is None and result.practical_score is None:
        return _("未录入")
    return _("不合格")


def record_headers(metric: str) -> list[str]:
    if metric in (Metric.CANDIDATES, Metric.EXAMINED, Metric.PASSED, Metric.PASS_RATE):
        return [
            _("序号"), _("姓名"), _("准考证号"), _("证书"), _("等级"), _("考核日期"),
            _("考核批次"), _("专业"), _("对象"), _("理论"), _("实操"), _("结果"),
        ]  # fmt: skip
    if metric == Metric.CERTIFICATES:
        return [
            _("序号"), _("姓名"), _("证书"), _("成果名称"), _("等级"), _("证书编号"),
            _("发证机构"), _("取得日期"), _("专业"), _("对象"),
        ]  # fmt: skip
    if metric == Metric.TRAINING:
        return [
            _("序号"), _("姓名"), _("培训项目"), _("证书"), _("结班日期"), _("结业日期"),
            _("专业"), _("对象"),
        ]  # fmt: skip
    if metric == Metric.CONVERSIONS:
        return [
            _("序号"), _("姓名"), _("认定申请"), _("学习成果"), _("证书"), _("类别"), _("课程"),
            _("学分"), _("终审日期"),
        ]  # fmt: skip
    return [
        _("序号"), _("姓名"), _("工号"), _("教师类别"), _("专业"), _("有效考评员资格"), _("院校"),
    ]  # fmt: skip


def record_row(metric: str, obj, n: int, majors: dict[int, str]) -> list:
    """One named record as the list and the export show it (``n`` is its number)."""
    if metric in (Metric.CANDIDATES, Metric.EXAMINED, Metric.PASSED, Metric.PASS_RATE):
        result = getattr(obj, "result", None)
        session = obj.session
        return [
            n,
            obj.account.name,
            obj.ticket_no,
            session.certificate_type.name,
            _level(session.level),
            session.date,
            session.title,
            majors.get(obj.dim_major, ""),
            _audience(obj.dim_major),
            result.theory_score if result else None,
            result.practical_score if result else None,
            _result(obj),
        ]
    if metric == Metric.CERTIFICATES:
        return [
            n,
            obj.account.name,
            obj.certificate_type.name if obj.certificate_type_id else "",
            obj.title,
            _level(obj.level),
            obj.number,
            obj.issuer,
            obj.issued_on,
            majors.get(obj.dim_major, ""),
            _audience(obj.dim_major),
        ]
    if metric == Metric.TRAINING:
        return [
            n,
            obj.account.name,
            obj.program.title,
            obj.program.certificate_type.name,
            obj.program.end_date,
            obj.completed_on,
            majors.get(obj.dim_major, ""),
            _audience(obj.dim_major),
        ]
    if metric == Metric.CONVERSIONS:
        request = obj.request
        return [
            n,
            request.account.name,
            request.code,
            obj.outcome.title,
            obj.outcome.certificate_type.name if obj.outcome.certificate_type_id else "",
            obj.get_kind_display(),
            obj.course.name if obj.course_id else "",
            obj.credits,
            request.decided_at.date() if request.decided_at else None,
        ]
    qualifications = "；".join(
        f"{q.certificate_type.name}"
        + (f"（{_level(q.level)}）" if q.level else "")
        + f" {q.certificate_no}，{_('有效期至')} {q.valid_until:%Y-%m-%d}"
        for q in obj.user.valid_qualifications
    )
    return [
        n,
        obj.name,
        obj.staff_no,
        obj.get_kind_display(),
        obj.major.name if obj.major_id else "",
        qualifications,
        obj.institution.name,
    ]


def record_rows(
    metric: str, objects: Iterable, majors: dict[int, str], start: int = 1
) -> Iterator[list]:
    for n, obj in enumerate(objects, start=start):
        yield record_row(metric, obj, n, majors)


class RecordExport(ListExport):
    """The named records behind a figure (``{label}名单``), every one of them, as the list
    shows them."""

    def __init__(self, metric: str, majors: dict[int, str]) -> None:
        self.metric = metric
        self.majors = majors
        label = Metric(metric).label
        self.title = self.heading = _("{label}名单").format(label=label)
        self.sheet_name = str(label)

    def headers(self):
        return record_headers(self.metric)

    def rows(self, records) -> Iterator[list]:
        return record_rows(self.metric, records.iterator(chunk_size=2000), self.majors)


# --- Evidence ------------------------------------------------------------------------------------


class EvidenceExport(WorkbookExport):
    """Sheet 1: the report as printed (title, the counts, each roster in four column pairs);
    sheet 2: the counts; sheet 3: one name a row. The file is named after the report."""

    def filename(self, evidence: Evidence) -> str:
        return f"{evidence.title}.xlsx"

    def fill(self, book: Book, evidence: Evidence) -> None:
        sheet = book.book.add_worksheet(_("佐证材料"))
        width = 2 * ROSTER_PAIRS
        for pair in range(ROSTER_PAIRS):
            sheet.set_column(2 * pair, 2 * pair, 6)
            sheet.set_column(2 * pair + 1, 2 * pair + 1, 12)
        centred = book.book.add_format({"bold": True, "font_size": 14, "align": "center"})
        sheet.merge_range(0, 0, 0, width - 1, evidence.title, centred)
        r = 2
        sheet.write_string(r, 0, f"{evidence.title}：", book.book.add_format({"bold": True}))
        r += 1
        for s in evidence.sections:
            sheet.write_string(r, 0, f"{s.line}；")
            r += 1
        for s in evidence.sections:
            r += 1
            sheet.merge_range(r, 0, r, width - 1, s.line, book.book.add_format({"bold": True}))
            r += 1
            for block in roster_blocks(s.names):
                for c, header in enumerate(roster_header()):
                    sheet.write_string(r, c, header, book.bold)
                r += 1
                for line in block:
                    for pair, slot in enumerate(line):
                        if slot is None:
                            book.write(sheet, r, 2 * pair, None, book.cell)
                            book.write(sheet, r, 2 * pair + 1, None, book.cell)
                        else:
                            sheet.write_number(r, 2 * pair, slot[0], book.cell)
                            book.write(sheet, r, 2 * pair + 1, slot[1], book.cell)
                    r += 1
        book.table(
            _("人数"),
            [_("证书"), _("人数")],
            [[s.certificate.name, s.count] for s in evidence.sections]
            + [[_("合计"), evidence.total]],
            title=evidence.title,
        )
        book.table(
            _("名单"),
            [_("证书"), _("序号"), _("姓名")],
            (
                [s.certificate.name, n, name]
                for s in evidence.sections
                for n, name in enumerate(s.names, start=1)
            ),
        )


# --- Annual summary and performance ---------------------------------------------------------------


def _annual_title(summary: AnnualSummary) -> str:
    return _("{year} 年 1+X 证书试点工作概况").format(year=summary.year)


class AnnualExport(WorkbookExport):
    """The annual summary: the overview, then the certificates awarded; named after the year."""

    def filename(self, summary: AnnualSummary) -> str:
        return f"{_annual_title(summary)}.xlsx"

    def fill(self, book: Book, summary: AnnualSummary) -> None:
        book.table(
            _("年度概况"),
            [_("项目"), _("数值")],
            [
                [_("培训人次"), summary.training],
                [_("培训人数（去重）"), summary.training_persons],
                [_("考试人数（人次）"), summary.candidates],
                [_("鉴定人数（人次）"), summary.examined],
                [_("合格人数（人次）"), summary.passed],
                [_("合格率（%）"), summary.pass_rate],
                [_("获证数（张）"), summary.certificates_total],
                [_("学分转换（笔）"), summary.conversions],
                [_("有效考评员（人）"), summary.examiners],
            ],
            title=_annual_title(summary),
        )
        book.table(
            _("获证情况"),
            [_("证书"), _("类别"), _("人数")],
            [[ct.name, ct.get_kind_display(), n] for ct, n in summary.certificates],
            title=_("{year} 年获证情况（按证书）").format(year=summary.year),
        )


def _certificate_scope(indicator) -> str:
    if indicator.certificate_type_id:
        return indicator.certificate_type.name
    return indicator.get_certificate_scope_display()


def performance_headers() -> list[str]:
    return [
        _("院校"), _("部门或试点专业"), _("年度"), _("绩效指标"), _("统计口径"), _("证书范围"),
        _("单位"), _("目标值"), _("实际值"), _("完成率（%）"), _("是否达成"), _("备注"),
    ]  # fmt: skip


def performance_rows(rows: Iterable[PerformanceRow]) -> Iterator[list]:
    for row in rows:
        t = row.target
        indicator = t.indicator
        yield [
            indicator.institution.name,
            str(t.owner),
            t.year,
            indicator.name,
            indicator.get_metric_display(),
            _certificate_scope(indicator),
            indicator.unit,
            t.target,
            row.actual,
            row.achieved,
            _("是") if row.met else _("否"),
            t.note,
        ]


class PerformanceExport(ListExport):
    """The performance report (绩效指标完成情况), under its title: ``rows`` are its performance
    rows, the targets against the figures computed from the data."""

    sheet_name = gettext_lazy("绩效指标")

    def __init__(self, title: str) -> None:
        self.title = self.heading = title

    def headers(self):
        return performance_headers()

    def rows(self, rows: Iterable[PerformanceRow]) -> Iterator[list]:
        return performance_rows(rows)


class TargetExport(ListExport):
    """The targets (年度目标), each with its actual figure."""

    title = gettext_lazy("绩效指标年度目标")
    sheet_name = gettext_lazy("年度目标")

    def headers(self):
        return performance_headers()

    def rows(self, targets) -> Iterator[list]:
        return performance_rows(figures.performance_rows(targets))


class IndicatorExport(ListExport):
    title = gettext_lazy("绩效指标")
    sheet_name = gettext_lazy("绩效指标")

    def headers(self):
        return [
            _("院校"), _("指标名称"), _("统计口径"), _("证书范围"), _("单位"), _("启用"),
            _("目标数"), _("说明"),
        ]  # fmt: skip

    def rows(self, indicators) -> Iterator[list]:
        for i in indicators:
            yield [
                i.institution.name,
                i.name,
                i.get_metric_display(),
                _certificate_scope(i),
                i.unit,
                _("是") if i.is_active else _("否"),
                i.target_count,
                i.description,
            ]
