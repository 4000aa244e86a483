"""Excel exports of the credit bank lists, one ``ListExport`` per list (pretix's
``ListExporter``): the file's title (also the sheet's name), the header row and a row per
object; ``xbank.core.xlsx`` renders. Names only, never ID numbers."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from .selectors import GRADUATION_HEADERS, graduation_rows_for_export


def _local(dt):
    return timezone.localtime(dt) if dt is not None else None


def _person(user) -> str:
    return str(user) if user is not None else ""


def _exemptions(rule) -> str:
    return "、".join(
        f"{ex.course.name} · {ex.module.name}" if ex.module_id else ex.course.name
        for ex in rule.exemptions.all()
    )


class RuleExport(ListExport):
    title = gettext_lazy("转换规则")

    def headers(self):
        return [
            _("规则编号"), _("版本"), _("规则名称"), _("所属"), _("成果类型"), _("证书类型"),
            _("最低等级"), _("最低分数"), _("取得年限（年）"), _("限定发证机构"), _("免修课程"),
            _("转换学分"), _("学分类别"), _("互斥组"), _("生效日期"), _("失效日期"), _("停用日期"),
            _("状态"),
        ]  # fmt: skip

    def rows(self, rules):
        for rule in rules:
            yield [
                rule.code,
                rule.version,
                rule.name,
                rule.institution.name if rule.institution_id else _("区域学分银行（互认）"),
                rule.get_outcome_kind_display(),
                rule.certificate_type.name if rule.certificate_type_id else "",
                rule.get_min_level_display(),
                rule.min_score,
                rule.max_age_years,
                rule.issuer,
                _exemptions(rule),
                rule.credits,
                rule.get_credit_category_display(),
                rule.exclusive_group,
                rule.effective_from,
                rule.effective_to,
                rule.retired_on,
                rule.get_status_display(),
            ]


class SimulationExport(ListExport):
    title = gettext_lazy("转换规则模拟")

    def headers(self):
        return [
            _("学号"), _("姓名"), _("年级（人才培养方案）"), _("学习成果"), _("等级"),
            _("适用版本"), _("结论"), _("免修课程"), _("学分"), _("受上限限制"), _("互斥冲突"),
            _("说明"),
        ]  # fmt: skip

    def rows(self, simulation_rows):
        for row in simulation_rows:
            yield [
                row.learner.student_no,
                row.learner.account.name,
                str(row.curriculum),
                row.outcome.title,
                row.outcome.get_level_display(),
                row.rule.label if row.rule else "",
                row.result_label,
                "、".join(row.exemptions),
                row.credits,
                _("是") if row.capped else "",
                _("是") if row.conflict else "",
                "\n".join(row.explanations),
            ]


class RequestExport(ListExport):
    """A list of recognition requests (认定申请), named after the page it is exported from (all
    requests, the learner's own, a review queue)."""

    def __init__(self, title: str):
        self.title = title

    def headers(self):
        return [
            _("申请编号"), _("姓名"), _("学号"), _("年级（人才培养方案）"), _("申请认定的学习成果"),
            _("来源"), _("状态"), _("提交人"), _("提交时间"), _("二级学院审核人"), _("初审时间"),
            _("教务处审批人"), _("终审时间"), _("不通过原因"), _("申诉次数"),
        ]  # fmt: skip

    def rows(self, requests):
        for r in requests:
            yield [
                r.code,
                r.learner.account.name,
                r.learner.student_no,
                str(r.curriculum),
                "、".join(o.title for o in r.outcomes.all()),
                r.get_origin_display(),
                r.get_status_display(),
                _person(r.submitted_by),
                _local(r.submitted_at),
                _person(r.school_reviewer),
                _local(r.school_reviewed_at),
                _person(r.final_approver),
                _local(r.decided_at),
                r.rejection_reason,
                r.appeal_count,
            ]


class BatchExport(ListExport):
    title = gettext_lazy("批量认定")

    def headers(self):
        return [
            _("发起时间"), _("年级（人才培养方案）"), _("证书"), _("最低等级"), _("发起人"),
            _("生成申请数"), _("说明与佐证"),
        ]  # fmt: skip

    def rows(self, batches):
        for b in batches:
            yield [
                _local(b.created_at),
                str(b.curriculum),
                b.certificate_type.name,
                b.get_min_level_display(),
                _person(b.started_by),
                b.request_count,
                b.evidence_text,
            ]


class LedgerExport(ListExport):
    """A ledger (学分流水) as its page lists it, newest first; the file keeps the chain order,
    oldest first, as the running balance reads."""

    title = gettext_lazy("学分流水")

    def headers(self):
        return [
            _("序号"), _("记账时间"), _("类型"), _("学分"), _("余额"), _("人才培养方案"), _("课程"),
            _("学分类别"), _("学习成果"), _("规则版本"), _("认定申请"), _("冲正的流水"),
            _("被冲正"), _("摘要"), _("哈希"), _("前序哈希"),
        ]  # fmt: skip

    def rows(self, ledger_rows):
        for row in reversed(ledger_rows):
            e = row.entry
            course = ""
            if e.course_id:
                course = f"{e.course.name} · {e.module.name}" if e.module_id else e.course.name
            yield [
                e.seq,
                _local(e.created_at),
                e.get_kind_display(),
                e.credits,
                row.balance,
                str(e.curriculum) if e.curriculum_id else "",
                course,
                e.get_category_display(),
                e.outcome.title if e.outcome_id else "",
                e.rule.label if e.rule_id else "",
                e.request.code if e.request_id else "",
                e.reverses.seq if e.reverses_id else "",
                row.reversed_by.seq if row.reversed_by else "",
                e.memo,
                e.hash,
                e.prev_hash,
            ]


class GraduationExport(ListExport):
    """The graduation audit (毕业审核) of one cohort: the selector's columns and rows."""

    title = gettext_lazy("毕业审核")

    def headers(self):
        return list(GRADUATION_HEADERS)

    def rows(self, audit_rows):
        return graduation_rows_for_export(audit_rows)
