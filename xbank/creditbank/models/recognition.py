"""Recognition (认定): batches staff start for a cohort, the requests learners submit, each
request's history (办理记录) and the engine's proposal lines."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Course, CourseModule, Curriculum, Level
from xbank.learners.models import Learner, LearningAccount, LearningOutcome

from .conversion import ConversionRule, CreditCategory


def new_request_code() -> str:
    """Twelve URL-safe characters (72 random bits): a request reference that reveals no count.
    Never starting with ``-`` or ``_``: a code starting with ``-`` reads as a formula to Excel,
    so the export writes it with a guarding apostrophe ("'-Kw…"), and a clerk copying it back
    would not find the request (one code in 32 started so)."""
    while (code := secrets.token_urlsafe(9))[0] in "-_":
        pass
    return code


class RecognitionBatch(models.Model):
    """A batch recognition (批量认定) staff started for a cohort: e.g. every 2023 nursing student
    holding 老年照护 中级. It makes one request per learner, each reviewed on its own."""

    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("人才培养方案"), on_delete=models.PROTECT, related_name="+"
    )
    certificate_type = models.ForeignKey(
        CertificateType, verbose_name=_("证书类型"), on_delete=models.PROTECT, related_name="+"
    )
    min_level = models.CharField(_("最低等级"), max_length=20, choices=Level.choices, blank=True)
    evidence_text = models.TextField(_("说明与佐证"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    request_count = models.PositiveIntegerField(_("生成申请数"), default=0)

    class Meta:
        verbose_name = _("批量认定")
        verbose_name_plural = _("批量认定")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.curriculum} · {self.certificate_type}"


class RecognitionRequest(models.Model):
    """A recognition request (认定申请): some of a learner's outcomes, to be converted into
    credits and exemptions of their curriculum after two levels of review — the school (二级学院)
    first, then academic affairs (教务处). The submitter, the school reviewer and the final
    approver are three different people (checked by the services and by the database)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待二级学院初审")
        SCHOOL_APPROVED = "school_approved", _("待教务处终审")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")
        REVERSED = "reversed", _("已冲正")

    class Origin(models.TextChoices):
        LEARNER = "learner", _("个人申请")
        BATCH = "batch", _("批量认定")

    OPEN_STATUSES = (Status.SUBMITTED, Status.SCHOOL_APPROVED)

    code = models.CharField(
        _("申请编号"), max_length=16, unique=True, default=new_request_code, editable=False
    )
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("学习者"),
        on_delete=models.PROTECT,
        related_name="recognition_requests",
    )
    account = models.ForeignKey(
        LearningAccount, verbose_name=_("学习账户"), on_delete=models.PROTECT, related_name="+"
    )
    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("人才培养方案"), on_delete=models.PROTECT, related_name="+"
    )
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices, default="learner")
    batch = models.ForeignKey(
        RecognitionBatch,
        verbose_name=_("批量认定"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="submitted")
    outcomes = models.ManyToManyField(
        LearningOutcome, verbose_name=_("申请认定的学习成果"), related_name="recognition_requests"
    )
    evidence_text = models.TextField(_("说明与佐证"), blank=True)
    evidence_file = models.FileField(
        _("佐证材料"), upload_to="creditbank/evidence/%Y/%m/", blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    school_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("二级学院审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school_reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    final_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("教务处审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("终审时间"), null=True, blank=True)
    rejection_reason = models.TextField(_("不通过原因"), blank=True)
    appeal_count = models.PositiveSmallIntegerField(_("申诉次数"), default=0)
    appealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申诉人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal_text = models.TextField(_("申诉理由与新佐证"), blank=True)
    appeal_file = models.FileField(_("申诉材料"), upload_to="creditbank/appeals/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("认定申请")
        verbose_name_plural = _("认定申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(appeal_count__lte=1), name="request_appeal_once"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="request_rejection_has_reason",
            ),
            # Three different people; NULL (not yet reviewed) passes a CHECK.
            models.CheckConstraint(
                condition=~Q(school_reviewer=F("submitted_by")),
                name="request_reviewer_not_submitter",
            ),
            models.CheckConstraint(
                condition=~Q(final_approver=F("submitted_by")),
                name="request_approver_not_submitter",
            ),
            models.CheckConstraint(
                condition=~Q(final_approver=F("school_reviewer")),
                name="request_approver_not_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["status", "curriculum"])]

    def __str__(self) -> str:
        return f"认定申请 {self.code}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def may_appeal(self) -> bool:
        return self.status == self.Status.REJECTED and self.appeal_count == 0


class RequestEvent(models.Model):
    """One step in a request's history (办理记录), shown to the learner and to staff."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交申请")
        SCHOOL_APPROVED = "school_approved", _("二级学院初审通过")
        SCHOOL_REJECTED = "school_rejected", _("二级学院初审不通过")
        APPROVED = "approved", _("教务处终审通过")
        REJECTED = "rejected", _("教务处终审不通过")
        APPEALED = "appealed", _("提出申诉")
        WITHDRAWN = "withdrawn", _("撤回申请")
        REVERSED = "reversed", _("成果撤销，认定冲正")

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("环节"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    note = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_action_display()}"


class LineResult(models.TextChoices):
    """What the engine concluded for one (outcome, rule, course or credits) line."""

    GRANTED = "granted", _("可计入")
    PARTIAL = "partial", _("部分计入（受上限限制）")
    CAPPED = "capped", _("超出转换学分上限")
    CONFLICT = "conflict", _("互斥规则冲突")
    USED = "used", _("该成果（或同类证书）已按此规则转换")
    EXEMPTED = "exempted", _("课程已免修")
    PASSED = "passed", _("课程已修读合格")
    LOWER_LEVEL = "lower_level", _("同一证书仅最高等级计入")
    NO_MATCH = "no_match", _("无适用规则")
    INELIGIBLE = "ineligible", _("成果未核验或已撤销")

    @classmethod
    def counted(cls) -> set[str]:
        return {cls.GRANTED, cls.PARTIAL}


class RequestLine(models.Model):
    """One line of the engine's proposal for a request, with its plain-language explanation.

    Recomputed at each review step (the learner's record may have changed); at final approval
    the lines are those posted, each linked to its ledger entry.
    """

    class Kind(models.TextChoices):
        EXEMPTION = "exemption", _("免修")
        CREDITS = "credits", _("转换学分")
        NONE = "none", _("不计入")

    request = models.ForeignKey(RecognitionRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    outcome = models.ForeignKey(
        LearningOutcome, verbose_name=_("学习成果"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        ConversionRule,
        verbose_name=_("规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), null=True, blank=True, on_delete=models.PROTECT
    )
    module = models.ForeignKey(
        CourseModule, verbose_name=_("模块"), null=True, blank=True, on_delete=models.PROTECT
    )
    category = models.CharField(
        _("学分类别"), max_length=20, choices=CreditCategory.choices, blank=True
    )
    credits = models.DecimalField(_("学分"), max_digits=5, decimal_places=1, default=0)
    result = models.CharField(_("结论"), max_length=12, choices=LineResult.choices)
    explanation = models.TextField(_("说明"))
    entry = models.OneToOneField(
        "CreditEntry",
        verbose_name=_("流水"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request_line",
    )

    class Meta:
        verbose_name = _("认定明细")
        verbose_name_plural = _("认定明细")
        ordering = ["request", "position", "id"]

    def __str__(self) -> str:
        return self.explanation[:60]
