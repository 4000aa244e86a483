"""Assessment sessions (考核批次): their rooms, examiners and confidentiality record (保密记录)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Level
from xbank.orgs.models import Institution

from .examiners import ExaminerQualification
from .sites import MAX_SEATS, ExamRoom

MAX_ROOMS_PER_SESSION = 99  # two digits of the ticket number
MIN_EXAMINERS_PER_ROOM = 2


class ExamSession(models.Model):
    """An assessment session (考核批次/场次) for one certificate type and level on one day."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SCHEDULED = "scheduled", _("已排考")
        IN_PROGRESS = "in_progress", _("考核中")
        SCORED = "scored", _("已评分")
        PUBLISHED = "published", _("成绩已发布")
        CANCELLED = "cancelled", _("已取消")

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="exam_sessions"
    )
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书"),
        on_delete=models.PROTECT,
        related_name="exam_sessions",
    )
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices, blank=True)
    title = models.CharField(_("批次名称"), max_length=150)
    date = models.DateField(_("考核日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="draft")
    notes = models.TextField(_("考生须知"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("成绩发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-date", "-start_time", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="examsession_times"
            )
        ]
        indexes = [models.Index(fields=["institution", "date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def level_label(self) -> str:
        return str(dict(Level.choices).get(self.level, self.level)) if self.level else ""

    @property
    def certificate_label(self) -> str:
        """老年照护职业技能等级证书（初级）"""
        name = self.certificate_type.name
        return f"{name}（{self.level_label}）" if self.level else name


class SessionRoom(models.Model):
    """A room used by a session, with the seats offered in it (at most the room's capacity)."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="session_rooms")
    room = models.ForeignKey(
        ExamRoom, verbose_name=_("考场"), on_delete=models.PROTECT, related_name="session_rooms"
    )
    position = models.PositiveSmallIntegerField(_("考场序号"))
    seats = models.PositiveSmallIntegerField(_("座位数"))

    class Meta:
        verbose_name = _("批次考场")
        verbose_name_plural = _("批次考场")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "room"], name="sessionroom_unique_room"),
            models.UniqueConstraint(
                fields=["session", "position"], name="sessionroom_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1) & Q(seats__lte=MAX_SEATS), name="sessionroom_seats"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1) & Q(position__lte=MAX_ROOMS_PER_SESSION),
                name="sessionroom_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.room}"


class SessionExaminer(models.Model):
    """An examiner assigned to one room of a session, with the qualification that allows it."""

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="examiner_assignments"
    )
    session_room = models.ForeignKey(
        SessionRoom, verbose_name=_("考场"), on_delete=models.CASCADE, related_name="examiners"
    )
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考评员"),
        on_delete=models.PROTECT,
        related_name="exam_assignments",
    )
    qualification = models.ForeignKey(
        ExaminerQualification,
        verbose_name=_("考评员资格"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )

    class Meta:
        verbose_name = _("考评员安排")
        verbose_name_plural = _("考评员安排")
        ordering = ["session_room__position", "examiner__full_name", "id"]
        constraints = [
            # One examiner watches one room of a session at a time.
            models.UniqueConstraint(
                fields=["session", "examiner"], name="sessionexaminer_unique_examiner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_room} · {self.examiner}"


class ConfidentialityStep(models.Model):
    """One signed step of a session's confidentiality record (保密记录, seed 四(三)3): the first
    signer records it, a different user countersigns it."""

    class Step(models.TextChoices):
        RECEIVED = "received", _("试卷接收")
        OPENED = "opened", _("试卷启封")
        SEALED = "sealed", _("答卷密封")
        SURVEILLANCE = "surveillance", _("监控检查")

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="confidentiality_steps"
    )
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    done_at = models.DateTimeField(_("发生时间"))
    notes = models.TextField(_("情况说明"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签字人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签字时间"), auto_now_add=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    countersigned_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("保密记录")
        verbose_name_plural = _("保密记录")
        ordering = ["session", "done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "step"], name="confidentiality_one_step"),
            models.CheckConstraint(
                condition=Q(countersigned_by__isnull=True) | ~Q(countersigned_by=F("signed_by")),
                name="confidentiality_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.get_step_display()}"

    @property
    def is_complete(self) -> bool:
        return self.countersigned_by_id is not None


class SessionIncident(models.Model):
    """An incident (考场异常情况) during a session and how it was handled."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField(_("发生时间"))
    description = models.TextField(_("情况"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考场异常情况")
        verbose_name_plural = _("考场异常情况")
        ordering = ["session", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.session} · {self.description[:30]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
