"""Skill assessment (职业技能等级考核) and certificate awards (证书发放), seed 四(三).

Exam sites (考点) hold rooms (考场) whose standardisation certification (标准化考场) expires;
examiners (考评员) hold qualifications per certificate type and level with validity dates; an
assessment session (考核批次) puts candidates (考生) into seats of certified rooms watched by at
least two qualified examiners per room; results (成绩) are entered by those examiners or imported
from the evaluation organisation's file; a certificate award (证书发放) becomes a learning outcome
in the holder's learning account.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import LEVEL_RANK, CertificateType, Level
from xbank.learners.models import LearningAccount, LearningOutcome
from xbank.orgs.models import Institution
from xbank.verify.models import Credential

MAX_SEATS = 999  # three digits of the ticket number
MAX_ROOMS_PER_SESSION = 99  # two digits of the ticket number
MIN_EXAMINERS_PER_ROOM = 2

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


class CertificateAward(models.Model):
    """A certificate issued (证书发放) to a candidate who passed; it is a verified learning
    outcome in the holder's account and a verifiable credential (核验)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    candidate = models.OneToOneField(
        Candidate, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="award"
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

    class Meta:
        verbose_name = _("证书发放")
        verbose_name_plural = _("证书发放")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "certificate_no"], name="certificateaward_unique_no"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_type.name} {self.certificate_no}"

    @property
    def title(self) -> str:
        level = str(dict(Level.choices).get(self.level, self.level)) if self.level else ""
        return f"{self.certificate_type.name}（{level}）" if level else self.certificate_type.name
