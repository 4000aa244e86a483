"""Certificate awards (证书发放): a certificate issued to a candidate who passed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Level
from xbank.learners.models import LearningAccount, LearningOutcome
from xbank.verify.models import Credential

from .candidates import Candidate


class CertificateAward(models.Model):
    """A certificate issued (证书发放) to a candidate who passed; it is a verified learning
    outcome in the holder's account and a verifiable credential (核验)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    # One live (non-revoked) award per candidate (constraint below); a revoked one may be
    # followed by a re-issue (补发) under a new number, linked by ``reissued_from``.
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="awards"
    )
    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="certificate_awards",
    )
    certificate_type = models.ForeignKey(
        CertificateType, verbose_name=_("证书"), on_delete=models.PROTECT, related_name="awards"
    )
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices, blank=True)
    issuer = models.CharField(_("发证机构"), max_length=100)
    certificate_no = models.CharField(_("证书编号"), max_length=64)
    issued_on = models.DateField(_("发证日期"))
    outcome = models.OneToOneField(
        LearningOutcome,
        verbose_name=_("学习成果"),
        on_delete=models.PROTECT,
        related_name="certificate_award",
    )
    credential = models.ForeignKey(
        Credential,
        verbose_name=_("核验"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="valid")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    reissued_from = models.OneToOneField(
        "self",
        verbose_name=_("补发自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )

    class Meta:
        verbose_name = _("证书发放")
        verbose_name_plural = _("证书发放")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "certificate_no"], name="certificateaward_unique_no"
            ),
            models.UniqueConstraint(
                fields=["candidate"],
                condition=~models.Q(status="revoked"),
                name="certificateaward_one_live_per_candidate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_type.name} {self.certificate_no}"

    @property
    def title(self) -> str:
        level = str(dict(Level.choices).get(self.level, self.level)) if self.level else ""
        return f"{self.certificate_type.name}（{level}）" if level else self.certificate_type.name
