"""Training (培训): programs, their sessions, public announcements, enrollments and attendance.

A training program (培训项目/培训班) prepares people for one certificate type and level. It is
announced in batches (培训公告, numbered like 2024年第3期), people register (报名) as students with
their login or as members of the public through a form, capacity is never exceeded (a waitlist
takes the rest), attendance is taken per session, and those who attend enough complete (结业):
the completion becomes a training outcome in their learning account.
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Level
from xbank.learners.models import Learner, LearningAccount
from xbank.orgs.models import Institution

_CODE_ALPHABET = string.ascii_lowercase + string.digits


def new_program_code() -> str:
    """Ten random characters: public URLs name a program without revealing how many exist."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def new_enrollment_code() -> str:
    """The secret in a public registrant's confirmation link (view status, withdraw)."""
    return secrets.token_urlsafe(16)


class Audience(models.TextChoices):
    STUDENTS = "students", _("在校生")
    PUBLIC = "public", _("社会人员")
    BOTH = "both", _("在校生和社会人员")


class PlaceKind(models.TextChoices):
    ON_CAMPUS = "on_campus", _("校内")
    OFF_SITE = "off_site", _("校外（送培上门）")


class TrainingProgram(models.Model):
    """A training program (培训项目/培训班) for one certificate type and level."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ENROLLING = "enrolling", _("报名中")
        CLOSED = "closed", _("报名截止")
        FINISHED = "finished", _("已结班")

    code = models.CharField(_("编号"), max_length=20, unique=True, default=new_program_code)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("院校"),
        on_delete=models.PROTECT,
        related_name="training_programs",
    )
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书"),
        on_delete=models.PROTECT,
        related_name="training_programs",
    )
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices, blank=True)
    title = models.CharField(_("名称"), max_length=150)
    description = models.TextField(_("简介"), blank=True)
    audience = models.CharField(
        _("招生对象"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结班日期"))
    place_kind = models.CharField(
        _("培训地点类型"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.ON_CAMPUS
    )
    place = models.CharField(_("培训地点"), max_length=150, blank=True)
    capacity = models.PositiveIntegerField(_("名额"))
    fee = models.DecimalField(_("培训费（元）"), max_digits=8, decimal_places=2, default=0)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授课教师"),
        blank=True,
        related_name="taught_training_programs",
    )
    partner = models.CharField(
        _("合作项目"), max_length=50, blank=True, help_text=_("例如：南粤家政")
    )
    requires_approval = models.BooleanField(
        _("报名需审核"), default=True, help_text=_("不需审核时，报上名额即直接录取")
    )
    completion_min_attendance = models.PositiveSmallIntegerField(
        _("结业最低出勤率（%）"), default=80
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="trainingprogram_dates"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="trainingprogram_capacity"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="trainingprogram_fee_nonneg"),
            models.CheckConstraint(
                condition=Q(completion_min_attendance__lte=100),
                name="trainingprogram_completion_pct",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ENROLLING

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def takes_public(self) -> bool:
        return self.audience in (Audience.PUBLIC, Audience.BOTH)

    @property
    def takes_students(self) -> bool:
        return self.audience in (Audience.STUDENTS, Audience.BOTH)


class TrainingSession(models.Model):
    """One session (课次) of a program: a date, a time, a topic and a place."""

    program = models.ForeignKey(
        TrainingProgram,
        verbose_name=_("培训项目"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    topic = models.CharField(_("内容"), max_length=150)
    place = models.CharField(_("地点"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("培训课次")
        verbose_name_plural = _("培训课次")
        ordering = ["program", "date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="trainingsession_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"

    @property
    def place_display(self) -> str:
        return self.place or self.program.place


class Announcement(models.Model):
    """A training announcement (培训公告): issued in batches, each listing several programs,
    numbered by year and issue (2024年第3期). Public once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    code = models.CharField(_("编号"), max_length=20, unique=True, default=new_program_code)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("院校"),
        on_delete=models.PROTECT,
        related_name="training_announcements",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    issue = models.PositiveSmallIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=150)
    body = models.TextField(_("正文"), blank=True)
    programs = models.ManyToManyField(
        TrainingProgram, verbose_name=_("培训项目"), related_name="announcements"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培训公告")
        verbose_name_plural = _("培训公告")
        ordering = ["-year", "-issue", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "year", "issue"], name="announcement_unique_issue"
            ),
            models.CheckConstraint(condition=Q(issue__gte=1), name="announcement_issue_positive"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="announcement_published_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"{self.year}年第{self.issue}期"


class ConsentRecord(models.Model):
    """A person's consent (同意) to the processing of their ID number: which version of the text
    they saw (by version and SHA-256 of the text), when, and from which address."""

    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="training_consents",
    )
    purpose = models.CharField(_("用途"), max_length=30, default="id_number")
    version = models.CharField(_("版本"), max_length=20)
    text_hash = models.CharField(_("文本摘要"), max_length=64)
    agreed_at = models.DateTimeField(_("同意时间"))
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息处理同意记录")
        verbose_name_plural = _("个人信息处理同意记录")
        ordering = ["-agreed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account.name} · {self.version}"


class Enrollment(models.Model):
    """A registration (报名) of one person for one program.

    Seats are taken at registration: a registration that finds a free seat is admitted
    (``pending`` or, when the program needs no review, ``approved``); otherwise it joins the
    waitlist (``waitlisted``, with its position). Pending, approved, completed and not-completed
    registrations hold seats; rejecting or withdrawing one frees its seat for the first on the
    waitlist.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已录取")
        REJECTED = "rejected", _("未通过")
        WAITLISTED = "waitlisted", _("候补")
        WITHDRAWN = "withdrawn", _("已退出")
        COMPLETED = "completed", _("已结业")
        NOT_COMPLETED = "not_completed", _("未结业")

    class Channel(models.TextChoices):
        STUDENT = "student", _("学生登录报名")
        PUBLIC = "public", _("公开报名")
        STAFF = "staff", _("工作人员代报")

    code = models.CharField(max_length=32, unique=True, default=new_enrollment_code, editable=False)
    program = models.ForeignKey(
        TrainingProgram,
        verbose_name=_("培训项目"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    account = models.ForeignKey(
        LearningAccount,
        verbose_name=_("学习账户"),
        on_delete=models.PROTECT,
        related_name="training_enrollments",
    )
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("学习者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_enrollments",
    )
    channel = models.CharField(_("报名方式"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices)
    waitlist_position = models.PositiveIntegerField(_("候补顺位"), null=True, blank=True)
    consent = models.ForeignKey(
        ConsentRecord,
        verbose_name=_("同意记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The name as the registrant typed it: the public confirmation page shows this, never the
    # account's stored name (an ID number must not turn into its holder's name).
    registered_name = models.CharField(_("报名姓名"), max_length=50, blank=True)
    # The name disagreed with the account's: the registration waits for a manual check by
    # continuing-education staff and is never approved without one, even where the program
    # needs no review.
    needs_check = models.BooleanField(_("信息待核对"), default=False)
    profile_change = models.ForeignKey(
        "learners.ProfileChange",
        verbose_name=_("信息变更申请"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["program", "created_at", "id"]
        constraints = [
            # One registration per person per program (a withdrawn one may be followed by another).
            models.UniqueConstraint(
                fields=["program", "account"],
                condition=~Q(status="withdrawn"),
                name="enrollment_one_per_person",
            ),
            models.CheckConstraint(
                condition=(Q(status="waitlisted") & Q(waitlist_position__isnull=False))
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="enrollment_waitlist_position",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["account", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.account.name} · {self.program.title}"


# Registrations that hold a seat of the program's capacity.
SEATED_STATUSES = (
    Enrollment.Status.PENDING,
    Enrollment.Status.APPROVED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.NOT_COMPLETED,
)


class Attendance(models.Model):
    """Whether one enrolled person came to one session (签到)."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("课次"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="attendances"
    )
    present = models.BooleanField(_("出勤"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrollment"], name="attendance_unique_session_enrollment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.enrollment_id} · {self.present}"
