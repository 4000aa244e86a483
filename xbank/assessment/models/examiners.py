"""Examiner qualifications (考评员资格) and the rule of which level covers which."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import LEVEL_RANK, CertificateType, Level
from xbank.orgs.models import Institution

# The two families of levels: 1+X skill levels, and the five grades of qualifications.
SKILL_LEVELS = {Level.JUNIOR, Level.INTERMEDIATE, Level.SENIOR}


def level_covers(held: str, required: str) -> bool:
    """Whether an examiner qualified at level ``held`` may assess level ``required``.

    The same level or a higher one of the same family (a senior examiner assesses juniors); a
    certificate type without levels (护士资格证) needs none.
    """
    if not required:
        return True
    if held == required:
        return True
    if not held or held not in LEVEL_RANK or required not in LEVEL_RANK:
        return False
    if (held in SKILL_LEVELS) != (required in SKILL_LEVELS):
        return False
    return LEVEL_RANK[held] >= LEVEL_RANK[required]


class ExaminerQualification(models.Model):
    """An examiner qualification (考评员资格): a teacher or an external examiner may assess one
    certificate type at one level (and the levels below it) between two dates.

    ``institution`` is the college that keeps the record (its HR office and continuing
    education college see it); the examiner logs in as ``user`` to enter scores."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考评员"),
        on_delete=models.PROTECT,
        related_name="examiner_qualifications",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("登记院校"),
        on_delete=models.PROTECT,
        related_name="examiner_qualifications",
    )
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书"),
        on_delete=models.PROTECT,
        related_name="examiner_qualifications",
    )
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices, blank=True)
    certificate_no = models.CharField(_("考评员证书编号"), max_length=64)
    issuer = models.CharField(_("发证机构"), max_length=100)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考评员资格")
        verbose_name_plural = _("考评员资格")
        ordering = ["user__full_name", "user_id", "certificate_type_id", "-valid_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "certificate_no"], name="examinerqualification_unique_no"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="examinerqualification_dates",
            ),
        ]
        indexes = [models.Index(fields=["certificate_type", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.certificate_type.name}（{self.certificate_no}）"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def covers(self, *, certificate_type_id: int, level: str, day: datetime.date) -> bool:
        return (
            self.certificate_type_id == certificate_type_id
            and level_covers(self.level, level)
            and self.is_valid_on(day)
        )
