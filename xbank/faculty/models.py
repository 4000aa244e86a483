"""The teacher team (师资队伍, seed 四(四)): the roster kept by the HR office (人事处), teachers'
certificates and the teacher training (师资培训) they attended.

Examiner qualifications (考评员资格) are NOT stored here: they are the assessment app's
``ExaminerQualification`` rows, the very records that allow an examiner to score a session
(invariant 7). A teacher holds them through their login: ``Teacher.user`` is the
``ExaminerQualification.user``. A teacher without a login holds no examiner qualification.

A teacher belongs to a pilot major (试点专业) when ``Teacher.major`` is the pilot's major (the seed
builds the team "以专业为主体"); the pilot app counts them (``pilot.selectors.compliance_rows``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType
from xbank.core.pii import EncryptedTextField, mask_phone
from xbank.orgs.models import Institution, Major, School


class TitleRank(models.TextChoices):
    """The rank of a professional title (职称等级), whatever the title series."""

    JUNIOR = "junior", _("初级")
    INTERMEDIATE = "intermediate", _("中级")
    ASSOCIATE = "associate", _("副高级")
    SENIOR = "senior", _("正高级")


# Titles of the common series and their rank: teachers (高校教师), secondary-school lecturers,
# nurses, engineers, laboratory staff, researchers, therapists. A title not listed here keeps
# the rank given with it.
TITLE_RANKS: dict[str, str] = {
    **dict.fromkeys(
        ["助教", "助理讲师", "护士", "护师", "助理工程师", "技术员", "实验员", "助理实验师",
         "研究实习员", "助理研究员", "康复治疗士", "康复治疗师", "医师", "药师", "技师"],
        TitleRank.JUNIOR.value,
    ),
    **dict.fromkeys(
        ["讲师", "主管护师", "工程师", "实验师", "主治医师", "主管药师", "主管技师",
         "主管康复治疗师", "经济师", "会计师"],
        TitleRank.INTERMEDIATE.value,
    ),
    **dict.fromkeys(
        ["副教授", "高级讲师", "副主任护师", "高级工程师", "高级实验师", "副研究员",
         "副主任医师", "副主任技师", "高级经济师", "高级会计师"],
        TitleRank.ASSOCIATE.value,
    ),
    **dict.fromkeys(
        ["教授", "正高级讲师", "主任护师", "正高级工程师", "正高级实验师", "研究员", "主任医师",
         "主任技师", "正高级经济师", "正高级会计师"],
        TitleRank.SENIOR.value,
    ),
}  # fmt: skip


def rank_of_title(title: str) -> str:
    """The rank of a known title ("副教授" → "associate"), or "" when the title is unknown."""
    return TITLE_RANKS.get((title or "").strip(), "")


class Teacher(models.Model):
    """A teacher (教师) on the roster of a college: full-time (专任教师), or part-time from a
    company or a training and evaluation organisation (兼职教师, seed 四(四)3)."""

    class Kind(models.TextChoices):
        FULL_TIME = "full_time", _("专任教师")
        PART_TIME = "part_time", _("兼职教师")

    class EmployerKind(models.TextChoices):
        COMPANY = "company", _("行业企业")
        EVALUATION_ORG = "evaluation_org", _("培训评价组织")
        OTHER = "other", _("其他单位")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在职")
        LEFT = "left", _("离职")

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="teachers"
    )
    school = models.ForeignKey(
        School, verbose_name=_("二级学院"), on_delete=models.PROTECT, related_name="teachers"
    )
    major = models.ForeignKey(
        Major,
        verbose_name=_("专业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teachers",
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, editable=False)
    staff_no = models.CharField(_("工号"), max_length=30)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teacher_records",
    )
    kind = models.CharField(
        _("教师类别"), max_length=20, choices=Kind.choices, default=Kind.FULL_TIME
    )
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    employer_kind = models.CharField(
        _("单位类型"), max_length=20, choices=EmployerKind.choices, blank=True
    )
    title = models.CharField(_("职称"), max_length=30, blank=True)
    title_rank = models.CharField(
        _("职称等级"), max_length=20, choices=TitleRank.choices, blank=True
    )
    dual_qualified = models.BooleanField(_("双师型教师"), default=False)
    dual_basis = models.CharField(_("双师型认定依据"), max_length=200, blank=True)
    dual_recognized_on = models.DateField(_("双师型认定日期"), null=True, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("教师")
        verbose_name_plural = _("教师")
        ordering = ["institution", "school", "name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "staff_no"], name="teacher_unique_staff_no"
            ),
            # One roster entry per login and college (a person may teach part-time elsewhere).
            models.UniqueConstraint(
                fields=["institution", "user"],
                condition=Q(user__isnull=False),
                name="teacher_unique_user",
            ),
            models.CheckConstraint(
                condition=Q(kind="full_time") | ~Q(employer=""),
                name="teacher_part_time_has_employer",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(left_on__isnull=True))
                | (Q(status="left") & Q(left_on__isnull=False)),
                name="teacher_left_on_with_status",
            ),
            models.CheckConstraint(
                condition=Q(dual_qualified=True) | Q(dual_recognized_on__isnull=True),
                name="teacher_dual_date_needs_flag",
            ),
        ]
        indexes = [models.Index(fields=["major", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_part_time(self) -> bool:
        return self.kind == self.Kind.PART_TIME

    def on_staff(self, day: datetime.date) -> bool:
        """Whether the teacher is on the team on ``day`` (a teacher who left counts until then)."""
        return self.left_on is None or self.left_on > day


class TeacherCertificate(models.Model):
    """A certificate a teacher holds other than an examiner qualification: a trainer
    certificate of a 1+X certificate (培训师资证书) or another one (其他证书: 执业资格, 技能等级…).

    ``valid_until`` empty means without expiry (长期有效)."""

    class Kind(models.TextChoices):
        TRAINER = "trainer", _("培训师资证书")
        OTHER = "other", _("其他证书")

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="certificates"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("相关证书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("证书名称"), max_length=100)
    number = models.CharField(_("证书编号"), max_length=64, blank=True)
    issuer = models.CharField(_("发证机构"), max_length=100)
    valid_from = models.DateField(_("发证日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("教师证书")
        verbose_name_plural = _("教师证书")
        ordering = ["teacher", "kind", "-valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                condition=~Q(number=""),
                name="teachercertificate_unique_no",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="teachercertificate_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher.name} · {self.name}"

    def is_valid_on(self, day: datetime.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


class TeacherTraining(models.Model):
    """Teacher training attended (师资培训): a programme, its organiser, hours and dates, and the
    certificate of completion (结业证书) when there is one."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="trainings"
    )
    programme = models.CharField(_("培训项目"), max_length=150)
    organiser = models.CharField(_("主办单位"), max_length=100)
    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("相关证书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    certificate_no = models.CharField(_("结业证书编号"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("师资培训")
        verbose_name_plural = _("师资培训")
        ordering = ["-start_date", "teacher", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="teachertraining_dates"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="teachertraining_hours"),
        ]
        indexes = [models.Index(fields=["start_date"])]

    def __str__(self) -> str:
        return f"{self.teacher.name} · {self.programme}"
