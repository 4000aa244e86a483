"""Performance indicators (绩效指标, seed 五(三)): what a college measures its departments and pilot
majors by, and the yearly targets staff type in. The actual figures are never stored: they are
computed from the data each time (``figures.performance_report``), so a new result, award,
completion or conversion shows in the next report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType
from xbank.orgs.models import Department, Institution
from xbank.pilot.models import PilotMajor


class Metric(models.TextChoices):
    """The figures XBank computes from its data; each one drills down to named records."""

    CANDIDATES = "candidates", _("考试人数")
    EXAMINED = "examined", _("鉴定人数")
    PASSED = "passed", _("合格人数")
    PASS_RATE = "pass_rate", _("合格率")
    CERTIFICATES = "certificates", _("获证数")
    TRAINING = "training", _("培训人次")
    EXAMINERS = "examiners", _("考评员人数")
    CONVERSIONS = "conversions", _("学分转换笔数")


# Metrics measured as a percentage rather than a count.
RATE_METRICS = {Metric.PASS_RATE}


class CertificateScope(models.TextChoices):
    """Which certificates an indicator counts."""

    ALL = "all", _("全部证书")
    SKILL_LEVEL = "skill_level", _("1+X 职业技能等级证书")
    QUALIFICATION = "qualification", _("职业资格证书")
    PILOT = "pilot", _("试点证书")


class Indicator(models.Model):
    """A performance indicator (绩效指标) of a college: a computed metric over a set of
    certificates, e.g. "1+X 证书考试人数" (candidates of skill-level certificates)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(_("指标名称"), max_length=100)
    metric = models.CharField(_("统计口径"), max_length=20, choices=Metric.choices)
    certificate_scope = models.CharField(
        _("证书范围"), max_length=20, choices=CertificateScope.choices, default=CertificateScope.ALL
    )
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("限定证书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("只统计这一种证书时填写"),
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["institution", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="indicator_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS

    @property
    def unit(self) -> str:
        return "%" if self.is_rate else str(UNITS.get(self.metric, ""))


UNITS = {
    Metric.CANDIDATES: _("人次"),
    Metric.EXAMINED: _("人次"),
    Metric.PASSED: _("人次"),
    Metric.CERTIFICATES: _("张"),
    Metric.TRAINING: _("人次"),
    Metric.EXAMINERS: _("人"),
    Metric.CONVERSIONS: _("笔"),
}


class IndicatorTarget(models.Model):
    """A yearly target (年度目标值) of an indicator for one department (职能部门) or one pilot
    major (试点专业), typed in by academic affairs; the actual figure is computed."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("绩效指标"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("职能部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicator_targets",
    )
    pilot_major = models.ForeignKey(
        PilotMajor,
        verbose_name=_("试点专业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicator_targets",
    )
    target = models.DecimalField(_("目标值"), max_digits=10, decimal_places=1)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("填报时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year", "indicator__position", "indicator_id", "id"]
        constraints = [
            # A target belongs to exactly one department or one pilot major.
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(pilot_major__isnull=True))
                | (Q(department__isnull=True) & Q(pilot_major__isnull=False)),
                name="indicatortarget_one_owner",
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="indicatortarget_nonneg"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="indicatortarget_year"
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "department"],
                condition=Q(department__isnull=False),
                name="indicatortarget_unique_department",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "pilot_major"],
                condition=Q(pilot_major__isnull=False),
                name="indicatortarget_unique_pilot_major",
            ),
        ]
        indexes = [models.Index(fields=["year", "department"])]

    def __str__(self) -> str:
        return f"{self.year} {self.owner} · {self.indicator}"

    @property
    def owner(self):
        return self.department or self.pilot_major
