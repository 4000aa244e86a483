"""Excel exports and chart data of the pilot lists: one ``ListExport`` each (a header row and a
row generator; ``xbank.core.xlsx`` renders them)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from .models import Budget, Expenditure, Milestone, PilotMajor, WorkTask
from .selectors import MIN_EXAMINERS, WARNING_DAYS, ComplianceRow, Examiner, Execution


def _names(rows) -> str:
    return "、".join(str(row) for row in rows)


class MajorExport(ListExport):
    title = gettext_lazy("试点专业")
    sheet_name = gettext_lazy("试点专业")

    def headers(self):
        return [_("院校"), _("二级学院"), _("专业代码"), _("专业"), _("试点证书"), _("起始年份"), _("专业负责人"), _("预算数")]  # fmt: skip

    def rows(self, majors: Iterable[PilotMajor]) -> Iterator[list]:
        for p in majors:
            yield [
                p.major.institution.name,
                p.major.school.name,
                p.major.code,
                p.major.name,
                _names(ct.name for ct in p.certificate_types.all()),
                p.start_year,
                p.lead_name,
                p.budget_count,
            ]


class TaskExport(ListExport):
    title = gettext_lazy("试点工作任务")
    sheet_name = gettext_lazy("工作任务")

    def headers(self):
        return [
            _("序号"), _("工作任务"), _("工作内容"), _("统筹部门"), _("实施部门"), _("进度节点数"),
            _("已完成"), _("逾期"), _("平均进度（%）"), _("状态"), _("最近计划完成日期"),
        ]  # fmt: skip

    def rows(self, tasks: Iterable[WorkTask]) -> Iterator[list]:
        labels = dict(Milestone.Status.choices)
        for t in tasks:
            yield [
                t.number,
                t.title,
                t.content,
                _names(d.name for d in t.lead_departments.all()),
                "、".join(t.implementer_labels()),
                t.milestone_count,
                t.done_count,
                t.overdue_count,
                t.average_progress,
                str(labels[t.task_status]),
                t.next_due,
            ]


class MilestoneExport(ListExport):
    title = gettext_lazy("试点进度安排")
    sheet_name = gettext_lazy("进度安排")

    def headers(self):
        return [
            _("工作任务"), _("进度节点"), _("计划完成日期"), _("状态"), _("进度（%）"), _("完成日期"),
            _("是否逾期"), _("统筹部门"), _("佐证材料数"), _("进展说明"),
        ]  # fmt: skip

    def rows(self, milestones: Iterable[Milestone]) -> Iterator[list]:
        for m in milestones:
            yield [
                str(m.task),
                m.title,
                m.due_on,
                m.get_status_display(),
                m.progress,
                m.completed_on,
                _("逾期") if m.overdue else "",
                _names(d.name for d in m.task.lead_departments.all()),
                m.evidence_count,
                m.note,
            ]


class BudgetExport(ListExport):
    title = gettext_lazy("试点建设经费")
    sheet_name = gettext_lazy("建设经费")

    def headers(self):
        return [
            _("二级学院"), _("专业代码"), _("试点专业"), _("年度"), _("状态"), _("预算金额（元）"),
            _("核增金额（元）"), _("可用额度（元）"), _("已支出（元）"), _("执行率（%）"),
            _("到账资金（元）"), _("待审批调整"),
        ]  # fmt: skip

    def rows(self, budgets: Iterable[Budget]) -> Iterator[list]:
        for b in budgets:
            yield [
                b.pilot_major.major.school.name,
                b.pilot_major.major.code,
                b.pilot_major.major.name,
                b.year,
                b.get_status_display(),
                b.total_amount,
                b.total_adjusted,
                b.limit_total,
                b.total_spent,
                b.execution_rate,
                b.funds_received,
                b.pending_adjustments,
            ]


class ExecutionExport(ListExport):
    """One budget's execution (预算执行情况): each category, then the total."""

    title = gettext_lazy("预算执行情况")
    sheet_name = gettext_lazy("预算执行")

    def __init__(self, budget: Budget) -> None:
        self.heading = _("{budget} · 执行情况").format(budget=budget)

    def headers(self):
        return [_("经费用途"), _("预算金额（元）"), _("核增金额（元）"), _("可用额度（元）"), _("已支出（元）"), _("余额（元）"), _("执行率（%）")]  # fmt: skip

    def rows(self, execution: Execution) -> Iterator[list]:
        for line in execution.lines:
            yield [
                line.get_category_display(),
                line.amount,
                line.adjusted,
                line.limit,
                line.spent,
                line.remaining,
                line.rate,
            ]
        yield [
            _("合计"),
            execution.amount,
            execution.adjusted,
            execution.limit,
            execution.spent,
            execution.remaining,
            execution.rate,
        ]


class ExpenditureExport(ListExport):
    title = gettext_lazy("试点经费支出明细")
    sheet_name = gettext_lazy("支出明细")

    def headers(self):
        return [_("支出日期"), _("试点专业"), _("预算年度"), _("经费用途"), _("金额（元）"), _("凭证号"), _("摘要"), _("登记人")]  # fmt: skip

    def rows(self, expenditures: Iterable[Expenditure]) -> Iterator[list]:
        for e in expenditures:
            yield [
                e.spent_on,
                e.line.budget.pilot_major.major.name,
                e.line.budget.year,
                e.line.get_category_display(),
                e.amount,
                e.voucher_no,
                e.description,
                str(e.recorded_by),
            ]


# --- Chart data (ECharts bar charts, passed through json_script) --------------------------------


def budget_chart(budgets: Iterable[Budget]) -> dict:
    """Limit and spent per budget of the page, in yuan (floats: JSON has no decimals)."""
    labels, limits, spent, rates = [], [], [], []
    for b in budgets:
        labels.append(f"{b.pilot_major.major.name} {b.year}")
        limits.append(float(b.limit_total))
        spent.append(float(b.total_spent))
        rates.append(float(b.execution_rate or 0))
    return {
        "labels": labels,
        "limit": limits,
        "spent": spent,
        "rate": rates,
        "names": {"limit": _("可用额度"), "spent": _("已支出"), "rate": _("执行率")},
    }


def line_chart(execution: Execution) -> dict:
    return {
        "labels": [str(line.get_category_display()) for line in execution.lines],
        "limit": [float(line.limit) for line in execution.lines],
        "spent": [float(line.spent) for line in execution.lines],
        "rate": [float(line.rate or 0) for line in execution.lines],
        "names": {"limit": _("可用额度"), "spent": _("已支出"), "rate": _("执行率")},
    }


# --- Examiner compliance -------------------------------------------------------------------------


def _people(examiners: Iterable[Examiner]) -> str:
    return "、".join(e.teacher.name for e in examiners)


class ComplianceExport(ListExport):
    """The examiner compliance of the pilot majors on a day (``rows`` are its compliance rows)."""

    title = gettext_lazy("试点专业考评员达标情况")
    sheet_name = gettext_lazy("考评员达标")

    def __init__(self, on_date: datetime.date) -> None:
        self.heading = _("试点专业考评员达标情况（{date}）").format(date=on_date.isoformat())

    def headers(self):
        return [
            _("院校"), _("二级学院"), _("专业代码"), _("试点专业"), _("试点证书"),
            _("有效考评员人数"), _("达标人数"), _("结论"), _("考评员"),
            _("{days} 天后人数").format(days=WARNING_DAYS), _("{days} 天内到期").format(days=WARNING_DAYS),
            _("兼职考评员（不计入）"),
        ]  # fmt: skip

    def rows(self, rows: Iterable[ComplianceRow]) -> Iterator[list]:
        for row in rows:
            major = row.major
            yield [
                major.institution.name,
                major.school.name,
                major.code,
                major.name,
                "、".join(ct.name for ct in row.certificate_types),
                row.count,
                MIN_EXAMINERS,
                row.status_label,
                _people(row.examiners),
                row.ahead_count,
                "、".join(f"{e.teacher.name}（{e.valid_until:%Y-%m-%d}）" for e in row.expiring),
                _people(row.part_time),
            ]


def compliance_chart(rows: list[ComplianceRow]) -> dict:
    """Data of the compliance bar chart (``static/js/faculty-compliance.js``)."""
    return {
        "labels": [row.major.name for row in rows],
        "count": [row.count for row in rows],
        "ahead": [row.ahead_count for row in rows],
        "status": [row.status for row in rows],
        "minimum": MIN_EXAMINERS,
        "names": {
            "count": _("有效考评员"),
            "ahead": _("{days} 天后").format(days=WARNING_DAYS),
            "minimum": _("达标线"),
        },
    }
