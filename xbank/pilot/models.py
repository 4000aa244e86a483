"""Pilot management (试点管理, seed 三, 五 and 六): the pilot majors (试点专业), the work tasks
(工作任务) of the seed's task table with their milestones (进度安排), and the construction funds
(建设经费, 五(二)): a budget per pilot major and year, its expert review, funding sources such as
the national subsidy (奖补), expenditures recorded by the finance office and adjustments.

Money is ``Decimal`` yuan with two decimals. A budget line keeps the running total of what was
spent against it (``spent``), updated under a row lock; a database check keeps that total within
the line's limit (the budgeted amount plus approved adjustments), so no path can overspend.
"""

from __future__ import annotations

import datetime
import os
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType
from xbank.orgs.models import Department, Institution, Major

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"))


class PilotMajor(models.Model):
    """A pilot major (试点专业): a major piloting one or more X certificates (seed 三)."""

    major = models.ForeignKey(
        Major, verbose_name=_("专业"), on_delete=models.PROTECT, related_name="pilots"
    )
    certificate_types = models.ManyToManyField(
        CertificateType, verbose_name=_("试点证书"), related_name="pilot_majors"
    )
    start_year = models.PositiveSmallIntegerField(_("试点起始年份"))
    lead_name = models.CharField(_("专业负责人"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("试点专业")
        verbose_name_plural = _("试点专业")
        ordering = ["major__institution", "major__code"]
        constraints = [models.UniqueConstraint(fields=["major"], name="pilotmajor_unique_major")]

    def __str__(self) -> str:
        return self.major.name


class WorkTask(models.Model):
    """A work task (工作任务) of the seed's task table: its content, the departments that lead it
    (统筹部门) and those that carry it out (实施部门).

    "各二级学院" is not a department: ``schools_implement`` says every school of the college
    carries the task out; ``pilot_majors`` names the pilot majors that do (相关证书试点专业).
    """

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="pilot_tasks"
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("工作任务"), max_length=100)
    content = models.TextField(_("工作内容"))
    lead_departments = models.ManyToManyField(
        Department, verbose_name=_("统筹部门"), related_name="led_pilot_tasks"
    )
    implementing_departments = models.ManyToManyField(
        Department, verbose_name=_("实施部门"), blank=True, related_name="implemented_pilot_tasks"
    )
    schools_implement = models.BooleanField(_("各二级学院实施"), default=False)
    pilot_majors = models.ManyToManyField(
        PilotMajor, verbose_name=_("实施试点专业"), blank=True, related_name="tasks"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["institution", "number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="worktask_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def implementer_labels(self) -> list[str]:
        """实施部门 as the seed writes them (uses the prefetched relations)."""
        labels = [d.name for d in self.implementing_departments.all()]
        if self.schools_implement:
            labels.append(str(_("各二级学院")))
        labels += [
            str(_("{major}试点专业")).format(major=p.major.name) for p in self.pilot_majors.all()
        ]
        return labels

    @property
    def average_progress(self) -> Decimal | None:
        """The mean progress of the milestones (annotated by ``selectors.task_list``)."""
        value = getattr(self, "progress_avg", None)
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


class Milestone(models.Model):
    """A milestone (进度节点) of a work task: due date, progress and status (seed 六).

    Overdue (逾期) is not stored: a milestone is overdue when its due date has passed and it is
    not done (``selectors.overdue_q``).
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        DONE = "done", _("已完成")

    task = models.ForeignKey(
        WorkTask, verbose_name=_("工作任务"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("进展说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")
        ordering = ["task", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="milestone_progress_max"),
            # Done means 100 % with a completion date; not done means no completion date.
            models.CheckConstraint(
                condition=(
                    Q(status="done", progress=100, completed_on__isnull=False)
                    | (~Q(status="done") & Q(completed_on__isnull=True))
                ),
                name="milestone_done_consistent",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status != self.Status.DONE and self.due_on < today


def evidence_path(instance: MilestoneEvidence, filename: str) -> str:
    """A random stored name (the original name is kept in ``name``): no guessable paths."""
    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"pilot/evidence/{timezone.localdate():%Y}/{secrets.token_hex(12)}{ext}"


class MilestoneEvidence(models.Model):
    """A supporting file (佐证材料) of a milestone: minutes, plans, photos, rosters."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("进度节点"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["milestone", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# --- Funding (建设经费) -----------------------------------------------------------------------------


class BudgetCategory(models.TextChoices):
    """What the start-up funds are for (seed 五(二))."""

    RESEARCH = "research", _("调研")
    CURRICULUM = "curriculum", _("人才培养方案修订")
    TEACHER_CERTIFICATION = "teacher_certification", _("教师考证培训")
    TRAINING_RESOURCES = "training_resources", _("教学实训资源")
    SHARED_RESOURCES = "shared_resources", _("培训考核资源共建共享")


class Budget(models.Model):
    """The construction budget (建设经费预算) of one pilot major for one year.

    Reviewed by experts (专家论证) before any money is spent: draft → under review → approved,
    or returned for changes and submitted again.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        UNDER_REVIEW = "under_review", _("专家论证中")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回修改")

    pilot_major = models.ForeignKey(
        PilotMajor, verbose_name=_("试点专业"), on_delete=models.PROTECT, related_name="budgets"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    plan = models.TextField(_("建设方案摘要"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("建设经费预算")
        verbose_name_plural = _("建设经费预算")
        ordering = ["-year", "pilot_major__major__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pilot_major", "year"], name="budget_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.pilot_major} {self.year} 年建设经费预算"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    # The two below read the totals annotated by ``selectors.budget_list``.

    @property
    def limit_total(self) -> Decimal:
        return self.total_amount + self.total_adjusted

    @property
    def execution_rate(self) -> Decimal | None:
        return percent(self.total_spent, self.limit_total)


class BudgetReview(models.Model):
    """One round of expert review (专家论证) of a budget: the conclusion, experts and comments."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("通过")
        RETURNED = "returned", _("退回修改")

    budget = models.ForeignKey(
        Budget, verbose_name=_("预算"), on_delete=models.CASCADE, related_name="reviews"
    )
    decision = models.CharField(_("论证结论"), max_length=20, choices=Decision.choices)
    experts = models.CharField(_("论证专家"), max_length=200, blank=True)
    comment = models.TextField(_("论证意见"), blank=True)
    reviewed_on = models.DateField(_("论证日期"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预算论证")
        verbose_name_plural = _("预算论证")
        ordering = ["budget", "reviewed_on", "id"]

    def __str__(self) -> str:
        return f"{self.budget} · {self.get_decision_display()}"


class BudgetLine(models.Model):
    """A category of a budget (预算科目): the budgeted amount, approved increases and the total
    spent so far. ``spent`` never exceeds ``amount + adjusted`` (a database check)."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("预算"), on_delete=models.CASCADE, related_name="lines"
    )
    category = models.CharField(_("经费用途"), max_length=30, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("预算金额（元）"), **MONEY, default=ZERO)
    adjusted = models.DecimalField(_("核增金额（元）"), **MONEY, default=ZERO)
    spent = models.DecimalField(_("已支出（元）"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("预算科目")
        verbose_name_plural = _("预算科目")
        ordering = ["budget", "id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "category"], name="budgetline_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(adjusted__gte=0) & Q(spent__gte=0),
                name="budgetline_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(spent__lte=F("amount") + F("adjusted")),
                name="budgetline_not_overspent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget} · {self.get_category_display()}"

    @property
    def limit(self) -> Decimal:
        return self.amount + self.adjusted

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.spent

    @property
    def rate(self) -> Decimal | None:
        """Execution rate (执行率): spent over the limit, percent with one decimal."""
        return percent(self.spent, self.limit)


class FundingSource(models.Model):
    """Money received for a budget (资金来源): the college's start-up funds, the national
    subsidy (国家奖补专项资金) when one is granted (seed 五(二)), or other sources."""

    class Kind(models.TextChoices):
        STARTUP = "startup", _("学校建设启动费")
        NATIONAL_SUBSIDY = "national_subsidy", _("国家奖补专项资金")
        OTHER = "other", _("其他")

    budget = models.ForeignKey(
        Budget, verbose_name=_("预算"), on_delete=models.CASCADE, related_name="funding_sources"
    )
    kind = models.CharField(_("资金来源"), max_length=30, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    received_on = models.DateField(_("到账日期"))
    document_no = models.CharField(_("文号"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["budget", "received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fundingsource_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Expenditure(models.Model):
    """An expenditure (支出) recorded by the finance office (财务处) against a budget category."""

    line = models.ForeignKey(
        BudgetLine,
        verbose_name=_("预算科目"),
        on_delete=models.PROTECT,
        related_name="expenditures",
    )
    spent_on = models.DateField(_("支出日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    voucher_no = models.CharField(_("凭证号"), max_length=40)
    description = models.CharField(_("摘要"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        ordering = ["-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_positive"),
            # The same voucher is not entered twice against one category.
            models.UniqueConstraint(
                fields=["line", "voucher_no"], name="expenditure_unique_voucher"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}"


class BudgetAdjustment(models.Model):
    """A request to raise one category of an approved budget (预算调整); approved or rejected by
    another person than the one who asked. Only an approved adjustment raises the limit."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    line = models.ForeignKey(
        BudgetLine, verbose_name=_("预算科目"), on_delete=models.PROTECT, related_name="adjustments"
    )
    amount = models.DecimalField(_("核增金额（元）"), **MONEY)
    reason = models.TextField(_("调整理由"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("预算调整")
        verbose_name_plural = _("预算调整")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="adjustment_positive"),
            # Four eyes: whoever decides did not ask.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="adjustment_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status="requested", decided_by__isnull=True)
                | (~Q(status="requested") & Q(decided_by__isnull=False)),
                name="adjustment_decided_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} +{self.amount}"
