"""Candidates (考生) of a session, the pass marks (合格线) and their results (成绩)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType
from xbank.learners.models import LearningAccount
from xbank.verify.models import Credential

from .sessions import ExamSession, SessionRoom


class Candidate(models.Model):
    """A candidate (考生) of a session: one seat in one room, an admission ticket (准考证) number,
    from an approved training enrollment or a direct sign-up."""

    class Source(models.TextChoices):
        ENROLLMENT = "enrollment", _("培训报名")
        DIRECT = "direct", _("直接报考")

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="candidates")
    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="exam_candidacies",
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    enrollment = models.ForeignKey(
        "training.Enrollment",
        verbose_name=_("培训报名"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exam_candidacies",
    )
    session_room = models.ForeignKey(
        SessionRoom, verbose_name=_("考场"), on_delete=models.PROTECT, related_name="candidates"
    )
    seat_no = models.PositiveSmallIntegerField(_("座位号"))
    ticket_no = models.CharField(_("准考证号"), max_length=20, unique=True)
    ticket_credential = models.ForeignKey(
        Credential,
        verbose_name=_("准考证核验"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        ordering = ["session_room__position", "seat_no"]
        constraints = [
            models.UniqueConstraint(fields=["session", "account"], name="candidate_unique_person"),
            # With seats numbered 1..seats, this makes an over-full room impossible even for a
            # writer that skipped the lock: the second claim of a seat fails.
            models.UniqueConstraint(fields=["session_room", "seat_no"], name="candidate_one_seat"),
            models.CheckConstraint(condition=Q(seat_no__gte=1), name="candidate_seat_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account.name}（{self.ticket_no}）"

    @property
    def award(self) -> models.Model | None:
        """The candidate's certificate (a ``CertificateAward``, which imports this module): the
        live one, else the latest revoked one, else None.
        Reads ``awards`` through its prefetch cache when the query prefetched it."""
        awards = list(self.awards.all())  # type: ignore[attr-defined]
        live = [a for a in awards if a.status != "revoked"]
        return (live or awards or [None])[0]


DEFAULT_PASS_MARK = Decimal(60)
DEFAULT_FULL_MARKS = Decimal(100)


class PassMark(models.Model):
    """Pass marks (合格线) of a certificate type: both the theory and the practical part must
    reach theirs. A type without a row uses 60 of 100 for each part."""

    certificate_type = models.OneToOneField(
        CertificateType,
        verbose_name=_("证书"),
        on_delete=models.CASCADE,
        related_name="pass_mark",
    )
    theory = models.DecimalField(
        _("理论合格线"), max_digits=5, decimal_places=1, default=DEFAULT_PASS_MARK
    )
    practical = models.DecimalField(
        _("实操合格线"), max_digits=5, decimal_places=1, default=DEFAULT_PASS_MARK
    )
    theory_full = models.DecimalField(
        _("理论满分"), max_digits=5, decimal_places=1, default=DEFAULT_FULL_MARKS
    )
    practical_full = models.DecimalField(
        _("实操满分"), max_digits=5, decimal_places=1, default=DEFAULT_FULL_MARKS
    )

    class Meta:
        verbose_name = _("合格线")
        verbose_name_plural = _("合格线")
        constraints = [
            models.CheckConstraint(
                condition=Q(theory__gte=0)
                & Q(theory__lte=F("theory_full"))
                & Q(practical__gte=0)
                & Q(practical__lte=F("practical_full")),
                name="passmark_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_type.name}：{self.theory}/{self.practical}"


class ExamResult(models.Model):
    """A candidate's result (成绩): theory and practical scores, or absent (缺考)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("考评员录入")
        IMPORT = "import", _("成绩文件导入")

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="result")
    absent = models.BooleanField(_("缺考"), default=False)
    theory_score = models.DecimalField(
        _("理论成绩"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    practical_score = models.DecimalField(
        _("实操成绩"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("合格"), default=False)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default="manual")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("录入时间"), auto_now=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("成绩")
        verbose_name_plural = _("成绩")
        constraints = [
            models.CheckConstraint(
                condition=Q(absent=False)
                | (
                    Q(theory_score__isnull=True) & Q(practical_score__isnull=True) & Q(passed=False)
                ),
                name="examresult_absent_has_no_scores",
            ),
            models.CheckConstraint(
                condition=Q(passed=False)
                | (Q(theory_score__isnull=False) & Q(practical_score__isnull=False)),
                name="examresult_pass_needs_both_scores",
            ),
            models.CheckConstraint(
                condition=(Q(theory_score__isnull=True) | Q(theory_score__gte=0))
                & (Q(practical_score__isnull=True) | Q(practical_score__gte=0)),
                name="examresult_scores_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate}：{self.theory_score}/{self.practical_score}"

    @property
    def is_complete(self) -> bool:
        return self.absent or (self.theory_score is not None and self.practical_score is not None)

    @property
    def examined(self) -> bool:
        return not self.absent and (
            self.theory_score is not None or self.practical_score is not None
        )
