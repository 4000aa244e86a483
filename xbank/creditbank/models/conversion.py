"""Conversion rules (转换规则), versioned, with the courses they exempt, and each institution's
conversion policy (转换政策)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import (
    LEVEL_RANK,
    CertificateType,
    Course,
    CourseModule,
    CurriculumCourse,
    Level,
)
from xbank.learners.models import OutcomeKind
from xbank.orgs.models import Institution

from ..errors import ERR_RULE_DELETE, ERR_RULE_IMMUTABLE


class CreditCategory(models.TextChoices):
    """The credit categories of a curriculum (学分类别), as its courses are categorised."""

    GENERAL = CurriculumCourse.Category.GENERAL.value, _("公共基础课学分")
    CORE = CurriculumCourse.Category.CORE.value, _("专业核心课学分")
    PROFESSIONAL = CurriculumCourse.Category.PROFESSIONAL.value, _("专业课学分")
    PRACTICE = CurriculumCourse.Category.PRACTICE.value, _("实践学分")
    ELECTIVE = CurriculumCourse.Category.ELECTIVE.value, _("选修学分")


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

    def save(self, *args: Any, **kwargs: Any) -> None:
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

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        status = (
            ConversionRule.objects.filter(pk=self.rule_id).values_list("status", flat=True).first()
        )
        if status is not None and status != ConversionRule.Status.DRAFT:
            raise ValidationError(ERR_RULE_IMMUTABLE, code="immutable")
