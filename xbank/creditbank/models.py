"""The credit bank (学分银行): conversion rules, recognition requests, the ledger and exemptions.

Three verbs of the seed (五.3): a learner's outcomes are recognised (认定), accumulated (积累) in
the ledger, and converted (转换) into credits and course exemptions (免修) of their curriculum,
under published, versioned rules. The ledger is the truth; exemptions are its projection for
the one question the ledger alone cannot answer with a database constraint (is this course
already exempted for this learner and curriculum?).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import (
    LEVEL_RANK,
    CertificateType,
    Course,
    CourseModule,
    Curriculum,
    CurriculumCourse,
    Level,
)
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind
from xbank.orgs.models import Institution

ERR_RULE_IMMUTABLE = "已发布的转换规则不能修改，请新建版本"
ERR_RULE_DELETE = "只有草稿状态的转换规则可以删除"
ERR_LEDGER_APPEND_ONLY = "学分流水只能追加，不能修改或删除；更正请登记冲正流水"

GENESIS_HASH = "0" * 64


class CreditCategory(models.TextChoices):
    """The credit categories of a curriculum (学分类别), as its courses are categorised."""

    GENERAL = CurriculumCourse.Category.GENERAL.value, _("公共基础课学分")
    CORE = CurriculumCourse.Category.CORE.value, _("专业核心课学分")
    PROFESSIONAL = CurriculumCourse.Category.PROFESSIONAL.value, _("专业课学分")
    PRACTICE = CurriculumCourse.Category.PRACTICE.value, _("实践学分")
    ELECTIVE = CurriculumCourse.Category.ELECTIVE.value, _("选修学分")


def new_request_code() -> str:
    """Twelve URL-safe characters (72 random bits): a request reference that reveals no count."""
    return secrets.token_urlsafe(9)


class ConversionPolicy(models.Model):
    """An institution's limits on conversion (转换政策). Without a row, the defaults apply."""

    DEFAULT_MAX_SHARE = Decimal("0.50")

    institution = models.OneToOneField(
        Institution, verbose_name=_("院校"), on_delete=models.CASCADE, related_name="+"
    )
    max_converted_share = models.DecimalField(
        _("转换学分上限（占毕业总学分比例）"),
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_MAX_SHARE,
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("转换政策")
        verbose_name_plural = _("转换政策")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_converted_share__gte=0) & Q(max_converted_share__lte=1),
                name="conversionpolicy_share_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.max_converted_share:.0%}"


class ConversionRule(models.Model):
    """One version of a conversion rule (转换规则): an outcome condition and its effect.

    Versions of one rule share ``code``. A draft may be edited; a published version never
    changes (the model, the services and, on PostgreSQL, a trigger refuse it): editing makes a
    new version with its own effective dates. Publishing a version retires the previous one from
    the new version's first day, so the version in force on any day is known, and a cohort can
    keep the version in force when it enrolled (grandfathering).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.CharField(_("规则编号"), max_length=30)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("院校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversion_rules",
        help_text=_("留空为区域学分银行的互认规则"),
    )
    name = models.CharField(_("规则名称"), max_length=150)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="draft")
    # Condition
    outcome_kind = models.CharField(_("成果类型"), max_length=20, choices=OutcomeKind.choices)
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversion_rules",
    )
    min_level = models.CharField(_("最低等级"), max_length=20, choices=Level.choices, blank=True)
    min_score = models.DecimalField(
        _("最低分数"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    max_age_years = models.PositiveSmallIntegerField(
        _("取得年限（年）"), null=True, blank=True, help_text=_("成果须在认定日前若干年内取得")
    )
    issuer = models.CharField(
        _("限定发证机构"), max_length=100, blank=True, help_text=_("留空为不限")
    )
    # Effect
    credits = models.DecimalField(_("转换学分"), max_digits=4, decimal_places=1, default=0)
    credit_category = models.CharField(
        _("学分类别"), max_length=20, choices=CreditCategory.choices, blank=True
    )
    exclusive_group = models.CharField(
        _("互斥组"),
        max_length=30,
        blank=True,
        help_text=_("同一互斥组的规则，一项成果只能用于其中一条"),
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    # What may change once a version is published: retiring it, once.
    MUTABLE_WHEN_PUBLISHED = ("status", "retired_on")

    class Meta:
        verbose_name = _("转换规则")
        verbose_name_plural = _("转换规则")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="conversionrule_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="conversionrule_one_current"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="draft"), name="conversionrule_one_draft"
            ),
            models.CheckConstraint(condition=Q(credits__gte=0), name="conversionrule_credits"),
            models.CheckConstraint(
                condition=Q(credits=0) | ~Q(credit_category=""),
                name="conversionrule_credits_category",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="conversionrule_effective_range",
            ),
            models.CheckConstraint(
                condition=Q(min_score__isnull=True)
                | (Q(min_score__gte=0) & Q(min_score__lte=1000)),
                name="conversionrule_min_score",
            ),
        ]
        indexes = [models.Index(fields=["outcome_kind", "certificate_type", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values().first()
            if stored is not None and stored["status"] != self.Status.DRAFT:
                self._refuse_published_change(stored)
        super().save(*args, **kwargs)

    def _refuse_published_change(self, stored: dict) -> None:
        """Once published, only one change remains: retiring the version (status, retired_on)."""
        for field in self._meta.concrete_fields:
            if field.attname in self.MUTABLE_WHEN_PUBLISHED:
                continue
            if getattr(self, field.attname) != stored[field.attname]:
                raise ValidationError(ERR_RULE_IMMUTABLE, code="immutable")
        retiring = stored["status"] == self.Status.PUBLISHED and self.status == self.Status.RETIRED
        unchanged = self.status == stored["status"] and self.retired_on == stored["retired_on"]
        if not (retiring or unchanged):
            raise ValidationError(ERR_RULE_IMMUTABLE, code="immutable")

    def delete(self, *args, **kwargs):
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored is not None and stored != self.Status.DRAFT:
            raise ValidationError(ERR_RULE_DELETE, code="immutable")
        return super().delete(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.code} 第{self.version}版"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def min_level_rank(self) -> int:
        return LEVEL_RANK.get(self.min_level, 0)

    @property
    def ends_on(self) -> datetime.date | None:
        """The first day the version is no longer in force (None: open-ended)."""
        ends = [d for d in (self.retired_on,) if d is not None]
        if self.effective_to is not None:
            ends.append(self.effective_to + datetime.timedelta(days=1))
        return min(ends) if ends else None

    def in_force_between(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether the version was in force on some day of [start, end] (never for a draft)."""
        if self.is_draft or self.effective_from > end:
            return False
        ends_on = self.ends_on
        return ends_on is None or ends_on > start

    def in_force_on(self, day: datetime.date) -> bool:
        return self.in_force_between(day, day)


class RuleExemption(models.Model):
    """A course (or one module of it) that a rule exempts (免修).

    A course, not a curriculum row: the rule then applies to every curriculum of the course's
    institution that contains it (each cohort's plan), with the credits that curriculum gives
    the course. A module exemption excuses the learner from that module only and converts no
    credits (modules carry hours, not credits).
    """

    rule = models.ForeignKey(
        ConversionRule, on_delete=models.CASCADE, related_name="exemptions", verbose_name=_("规则")
    )
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT)
    module = models.ForeignKey(
        CourseModule, verbose_name=_("模块"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("规则免修课程")
        verbose_name_plural = _("规则免修课程")
        ordering = ["rule", "course__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "course"],
                condition=Q(module__isnull=True),
                name="ruleexemption_course_once",
            ),
            models.UniqueConstraint(
                fields=["rule", "module"],
                condition=Q(module__isnull=False),
                name="ruleexemption_module_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.module) if self.module_id else self.course.name

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        status = (
            ConversionRule.objects.filter(pk=self.rule_id).values_list("status", flat=True).first()
        )
        if status is not None and status != ConversionRule.Status.DRAFT:
            raise ValidationError(ERR_RULE_IMMUTABLE, code="immutable")


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


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update and delete are refused: a ledger row, once written, stays as written."""

    def update(self, **kwargs):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    def delete(self):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    # QuerySet.update is also reached through update_or_create; refusing update() covers it.


class CreditEntry(models.Model):
    """One line of the ledger (学分流水): course credits earned from a course result, credits
    converted under a rule, an exemption (its credits count as converted), or the reversal of an
    earlier line. Append-only: a correction is a new reversing entry.

    Each account's entries form a hash chain: ``seq`` counts from 1, ``prev_hash`` is the hash
    of the previous entry, and ``hash`` is SHA-256 over this entry's canonical fields and
    ``prev_hash``; ``manage.py verify_ledger`` recomputes the chains. ``key`` names the logical
    posting (a course result, one line of one request, the reversal of one entry) and is unique,
    so the same posting can never be written twice, whatever the application does.
    """

    class Kind(models.TextChoices):
        COURSE = "course", _("课程学分")
        CONVERSION = "conversion", _("转换学分")
        EXEMPTION = "exemption", _("免修")
        REVERSAL = "reversal", _("冲正")

    CONVERTED_KINDS = (Kind.CONVERSION, Kind.EXEMPTION)

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    credits = models.DecimalField(_("学分"), max_digits=6, decimal_places=1)
    curriculum = models.ForeignKey(
        Curriculum,
        verbose_name=_("人才培养方案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), null=True, blank=True, on_delete=models.PROTECT
    )
    module = models.ForeignKey(
        CourseModule, verbose_name=_("模块"), null=True, blank=True, on_delete=models.PROTECT
    )
    category = models.CharField(
        _("学分类别"), max_length=20, choices=CreditCategory.choices, blank=True
    )
    outcome = models.ForeignKey(
        LearningOutcome,
        verbose_name=_("学习成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    rule = models.ForeignKey(
        ConversionRule,
        verbose_name=_("规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        RecognitionRequest,
        verbose_name=_("认定申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲正的流水"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    key = models.CharField(_("记账键"), max_length=100, unique=True)
    memo = models.TextField(_("摘要"), blank=True)
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记账人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("学分流水")
        verbose_name_plural = _("学分流水")
        ordering = ["account", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="creditentry_chain_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="creditentry_seq_positive"),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="creditentry_reversal_names_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "curriculum", "kind"]),
            models.Index(fields=["outcome"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}#{self.seq} {self.get_kind_display()} {self.credits}"

    # --- Append-only ---------------------------------------------------------------------------

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    # --- Hash chain ---------------------------------------------------------------------------

    HASHED_FIELDS = (
        "account_id", "seq", "kind", "credits", "curriculum_id", "course_id", "module_id",
        "category", "outcome_id", "rule_id", "request_id", "reverses_id", "key", "memo",
        "created_at", "created_by_id",
    )  # fmt: skip

    def canonical(self) -> bytes:
        """The entry's content as canonical bytes: fixed field order, normalised values."""
        values = {}
        for name in self.HASHED_FIELDS:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                # The database has no negative zero: -0.0 (a reversed module exemption) reads
                # back as 0.0, so it is hashed as 0.0.
                value = str(value.quantize(Decimal("0.1")) if value else Decimal("0.0"))
            elif isinstance(value, datetime.datetime):
                value = value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            values[name] = value
        return json.dumps(
            values, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical() + self.prev_hash.encode()).hexdigest()


class LedgerHead(models.Model):
    """The head of one account's chain: its last sequence number and hash.

    Lets ``verify_ledger`` notice entries cut off the end of a chain (which the chain alone
    cannot show), and gives posting a row to read the previous hash from without scanning.
    """

    account = models.OneToOneField(
        LearningAccount, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("流水链头")
        verbose_name_plural = _("流水链头")

    def __str__(self) -> str:
        return f"{self.account_id}#{self.last_seq}"


class Exemption(models.Model):
    """A course (or module) a learner need not take in one curriculum (免修), granted by a rule
    version on an outcome. At most one active exemption per learner, curriculum and course: a
    database constraint, so no race or bug can exempt a course twice. Withdrawn (never deleted)
    when the outcome behind it is revoked; the ledger gets a reversing entry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        WITHDRAWN = "withdrawn", _("已撤销")

    account = models.ForeignKey(
        LearningAccount, verbose_name=_("学习账户"), on_delete=models.PROTECT, related_name="+"
    )
    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("人才培养方案"), on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT)
    module = models.ForeignKey(
        CourseModule, verbose_name=_("模块"), null=True, blank=True, on_delete=models.PROTECT
    )
    credits = models.DecimalField(_("学分"), max_digits=4, decimal_places=1)
    rule = models.ForeignKey(
        ConversionRule, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.ForeignKey(
        LearningOutcome, verbose_name=_("学习成果"), on_delete=models.PROTECT, related_name="+"
    )
    request = models.ForeignKey(
        RecognitionRequest,
        verbose_name=_("认定申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exemptions",
    )
    entry = models.OneToOneField(
        CreditEntry, on_delete=models.PROTECT, related_name="exemption", verbose_name=_("流水")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="active")
    granted_at = models.DateTimeField(_("免修时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("免修")
        verbose_name_plural = _("免修")
        ordering = ["account", "curriculum", "course__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "curriculum", "course"],
                condition=Q(status="active", module__isnull=True),
                name="exemption_course_once",
            ),
            models.UniqueConstraint(
                fields=["account", "curriculum", "module"],
                condition=Q(status="active", module__isnull=False),
                name="exemption_module_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} · {self.module or self.course.name}"
