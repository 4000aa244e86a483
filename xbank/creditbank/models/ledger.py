"""The ledger (学分流水): append-only entries in one hash chain per account, the head of each
chain, and the exemptions (免修) the ledger grants."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import Course, CourseModule, Curriculum
from xbank.core.keys import derive_key
from xbank.learners.models import LearningAccount, LearningOutcome

from ..errors import ERR_LEDGER_APPEND_ONLY
from .conversion import ConversionRule, CreditCategory
from .recognition import RecognitionRequest

GENESIS_HASH = "0" * 64
# HKDF labels of the ledger's subkeys of ``XBANK_LEDGER_KEY``.
CHAIN_KEY_INFO = b"xbank ledger chain hmac-sha256"
CHECKPOINT_KEY_INFO = b"xbank ledger checkpoint ed25519"


def chain_key() -> bytes:
    """The key of every chain's HMAC, derived from ``settings.XBANK_LEDGER_KEY``: a key the
    database does not hold, so whoever can write the database still cannot forge a link."""
    return derive_key(settings.XBANK_LEDGER_KEY, CHAIN_KEY_INFO, name="XBANK_LEDGER_KEY")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update and delete are refused: a ledger row, once written, stays as written."""

    def update(self, **kwargs):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    def delete(self):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValidationError(ERR_LEDGER_APPEND_ONLY, code="append_only")


class CreditEntry(models.Model):
    """One line of the ledger (学分流水): course credits earned from a course result, credits
    converted under a rule, an exemption (its credits count as converted), or the reversal of an
    earlier line. Append-only: a correction is a new reversing entry.

    Each account's entries form a hash chain: ``seq`` counts from 1, ``prev_hash`` is the hash
    of the previous entry, and ``hash`` is HMAC-SHA256, under a key derived from
    ``XBANK_LEDGER_KEY`` (never in the database), of this entry's canonical fields followed by
    ``prev_hash``; ``manage.py verify_ledger`` recomputes the chains. (Until migration 0003 the
    hash was a plain SHA-256, which anyone who could write the database could recompute; that
    migration checked and re-chained every entry under the key.) ``key`` names the logical
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
        """HMAC-SHA256 under the chain key of the canonical bytes followed by ``prev_hash``."""
        message = self.canonical() + self.prev_hash.encode()
        return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


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
