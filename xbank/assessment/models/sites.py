"""Exam sites (考点) and their rooms (考场), each with its standardisation certification."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.orgs.models import Institution

MAX_SEATS = 999  # three digits of the ticket number


class ExamSite(models.Model):
    """An exam site (考点) of a college: an address holding one or more exam rooms."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="exam_sites"
    )
    name = models.CharField(_("考点名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    contact = models.CharField(_("考点负责人"), max_length=50, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考点")
        verbose_name_plural = _("考点")
        ordering = ["institution", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="examsite_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ExamRoom(models.Model):
    """An exam room (考场) with its seats, equipment and standardisation certification
    (标准化考场认定), which is valid from ``certified_on`` to ``certified_until`` inclusive."""

    site = models.ForeignKey(
        ExamSite, verbose_name=_("考点"), on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(_("考场名称"), max_length=50)
    capacity = models.PositiveSmallIntegerField(_("座位数"))
    equipment = models.TextField(_("设施设备"), blank=True)
    certification_no = models.CharField(_("标准化考场认定编号"), max_length=50, blank=True)
    certified_on = models.DateField(_("认定日期"), null=True, blank=True)
    certified_until = models.DateField(_("认定有效期至"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考场")
        verbose_name_plural = _("考场")
        ordering = ["site", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="examroom_unique_name"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_SEATS),
                name="examroom_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(certified_on__isnull=True)
                | Q(certified_until__isnull=True)
                | Q(certified_until__gte=F("certified_on")),
                name="examroom_certification_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.name}"

    def is_certified_on(self, day: datetime.date) -> bool:
        if self.certified_until is None or day > self.certified_until:
            return False
        return self.certified_on is None or self.certified_on <= day
