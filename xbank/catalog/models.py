from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.orgs.models import Institution, Major


class Level(models.TextChoices):
    """Certificate levels: 1+X skill levels, and the five grades of qualification certificates."""

    JUNIOR = "junior", _("初级")
    INTERMEDIATE = "intermediate", _("中级")
    SENIOR = "senior", _("高级")
    GRADE_5 = "grade5", _("五级/初级工")
    GRADE_4 = "grade4", _("四级/中级工")
    GRADE_3 = "grade3", _("三级/高级工")
    GRADE_2 = "grade2", _("二级/技师")
    GRADE_1 = "grade1", _("一级/高级技师")


# Rank for "at least this level" comparisons, within each family of levels.
LEVEL_RANK: dict[str, int] = {
    Level.JUNIOR: 1, Level.INTERMEDIATE: 2, Level.SENIOR: 3,
    Level.GRADE_5: 1, Level.GRADE_4: 2, Level.GRADE_3: 3, Level.GRADE_2: 4, Level.GRADE_1: 5,
}  # fmt: skip


class EvaluationOrg(models.Model):
    """A training and evaluation organisation (培训评价组织) that issues 1+X certificates."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    website = models.URLField(_("网址"), blank=True)

    class Meta:
        verbose_name = _("培训评价组织")
        verbose_name_plural = _("培训评价组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CertificateType(models.Model):
    """A kind of certificate (证书): a 1+X skill-level certificate, a vocational qualification, or
    a diploma. A cancelled type (已取消) accepts no new records anywhere (seed 四(二)2)."""

    class Kind(models.TextChoices):
        SKILL_LEVEL = "skill_level", _("职业技能等级证书")
        QUALIFICATION = "qualification", _("职业资格证书")
        DIPLOMA = "diploma", _("学历证书")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        CANCELLED = "cancelled", _("已取消")

    class Admission(models.TextChoices):
        """遴选: whether the college admits the certificate into its programmes (seed 四(二)2)."""

        PENDING = "pending", _("待遴选")
        ADMITTED = "admitted", _("已遴选引入")
        REJECTED = "rejected", _("未引入")

    name = models.CharField(_("证书名称"), max_length=100, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    evaluation_org = models.ForeignKey(
        EvaluationOrg,
        verbose_name=_("培训评价组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_types",
    )
    issuer_name = models.CharField(
        _("发证机构"), max_length=100, blank=True, help_text=_("无培训评价组织时填写")
    )
    levels = models.JSONField(_("等级"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="active")
    admission = models.CharField(
        _("遴选状态"), max_length=20, choices=Admission.choices, default="admitted"
    )
    cancelled_on = models.DateField(_("取消日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("证书类型")
        verbose_name_plural = _("证书类型")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def issuer(self) -> str:
        return self.evaluation_org.name if self.evaluation_org_id else self.issuer_name

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def level_choices(self) -> list[tuple[str, str]]:
        labels = dict(Level.choices)
        return [(code, labels.get(code, code)) for code in self.levels]


class CertificateAlias(models.Model):
    """Another name users write for a certificate type ("老年照护" for "老年照护职业技能等级证书")."""

    certificate_type = models.ForeignKey(
        CertificateType, on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(_("别名"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("证书别名")
        verbose_name_plural = _("证书别名")

    def __str__(self) -> str:
        return self.alias


class StandardModule(models.Model):
    """A unit of a certificate's skill standard (职业技能等级标准 模块)."""

    certificate_type = models.ForeignKey(
        CertificateType,
        verbose_name=_("证书"),
        on_delete=models.CASCADE,
        related_name="standard_modules",
    )
    level = models.CharField(_("等级"), max_length=20, choices=Level.choices)
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("标准模块")
        verbose_name_plural = _("标准模块")
        ordering = ["certificate_type", "level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_type", "level", "code"], name="standardmodule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Course(models.Model):
    """A course (课程) an institution teaches, keyed by its course code."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="courses"
    )
    code = models.CharField(_("课程代码"), max_length=30)
    name = models.CharField(_("课程名称"), max_length=100)
    credits = models.DecimalField(
        _("学分"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    hours = models.PositiveIntegerField(_("学时"), default=0)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["institution", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="course_unique_code"),
            models.CheckConstraint(condition=Q(credits__gte=0), name="course_credits_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CourseModule(models.Model):
    """A teaching module (教学模块) inside a course."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="modules"
    )
    code = models.CharField(_("模块编号"), max_length=30)
    name = models.CharField(_("模块名称"), max_length=100)
    hours = models.PositiveIntegerField(_("学时"), default=0)

    class Meta:
        verbose_name = _("课程模块")
        verbose_name_plural = _("课程模块")
        ordering = ["course", "code"]
        constraints = [
            models.UniqueConstraint(fields=["course", "code"], name="coursemodule_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.course.name} · {self.name}"


class Curriculum(models.Model):
    """A talent-training plan (人才培养方案) of one major for one cohort year."""

    major = models.ForeignKey(
        Major, verbose_name=_("专业"), on_delete=models.PROTECT, related_name="curricula"
    )
    cohort_year = models.PositiveSmallIntegerField(_("年级"))
    name = models.CharField(_("名称"), max_length=150, blank=True)
    total_credits = models.DecimalField(
        _("毕业总学分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)]
    )
    required_certificates = models.ManyToManyField(
        CertificateType,
        verbose_name=_("毕业须持证书（至少一项）"),
        blank=True,
        related_name="required_by_curricula",
    )
    courses = models.ManyToManyField(Course, through="CurriculumCourse", related_name="curricula")

    class Meta:
        verbose_name = _("人才培养方案")
        verbose_name_plural = _("人才培养方案")
        ordering = ["major", "-cohort_year"]
        constraints = [
            models.UniqueConstraint(fields=["major", "cohort_year"], name="curriculum_unique"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.major.name} {self.cohort_year} 级人才培养方案"


class CurriculumCourse(models.Model):
    """A course in a curriculum, with its semester, credits and whether it is required."""

    class Category(models.TextChoices):
        GENERAL = "general", _("公共基础课")
        CORE = "core", _("专业核心课")
        PROFESSIONAL = "professional", _("专业课")
        PRACTICE = "practice", _("实践课")
        ELECTIVE = "elective", _("选修课")

    curriculum = models.ForeignKey(
        Curriculum, on_delete=models.CASCADE, related_name="curriculum_courses"
    )
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT)
    semester = models.PositiveSmallIntegerField(_("开课学期"))
    credits = models.DecimalField(_("学分"), max_digits=4, decimal_places=1)
    required = models.BooleanField(_("必修"), default=True)
    category = models.CharField(
        _("课程类别"), max_length=20, choices=Category.choices, default="professional"
    )

    class Meta:
        verbose_name = _("方案课程")
        verbose_name_plural = _("方案课程")
        ordering = ["curriculum", "semester", "course__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "course"], name="curriculumcourse_unique"
            ),
            models.CheckConstraint(
                condition=Q(semester__gte=1) & Q(semester__lte=12), name="curriculumcourse_semester"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.curriculum} · {self.course.name}"


class CourseStandardMap(models.Model):
    """Course–certificate integration (课证融合, seed 四(一)2): in one curriculum, a course (or one
    of its teaching modules) teaches a module of a certificate's skill standard.

    Maps are per curriculum: the same course may cover a module in one plan and not in another,
    because plans of different cohorts and majors teach it differently. One cell of the coverage
    matrix is one row (curriculum, course, standard module).
    """

    curriculum = models.ForeignKey(
        Curriculum,
        verbose_name=_("人才培养方案"),
        on_delete=models.CASCADE,
        related_name="standard_maps",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="standard_maps"
    )
    course_module = models.ForeignKey(
        CourseModule,
        verbose_name=_("课程模块"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="standard_maps",
        help_text=_("仅由课程中的某个教学模块覆盖时填写"),
    )
    standard_module = models.ForeignKey(
        StandardModule,
        verbose_name=_("标准模块"),
        on_delete=models.CASCADE,
        related_name="course_maps",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("课证融合对应")
        verbose_name_plural = _("课证融合对应")
        ordering = ["curriculum", "course", "standard_module"]
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "course", "standard_module"],
                name="coursestandardmap_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.name} → {self.standard_module}"
