from django.db import models
from django.utils.translation import gettext_lazy as _


class Institution(models.Model):
    """A college (学校/院校) in the regional credit bank; a deployment holds several."""

    code = models.CharField(_("机构代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("院校")
        verbose_name_plural = _("院校")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school within a college (二级学院)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="schools"
    )
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("二级学院")
        verbose_name_plural = _("二级学院")
        ordering = ["institution", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="school_unique_code"),
            models.UniqueConstraint(fields=["institution", "name"], name="school_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A functional department (职能部门): 教务处, 继续教育学院, 人事处, 财务处, 信息中心…"""

    class Kind(models.TextChoices):
        ACADEMIC_AFFAIRS = "academic_affairs", _("教务处")
        CONTINUING_ED = "continuing_ed", _("继续教育学院")
        HR = "hr", _("人事处")
        FINANCE = "finance", _("财务处")
        INFO_CENTER = "info_center", _("信息中心")
        OFFICE = "office", _("学校办公室")

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="departments"
    )
    kind = models.CharField(_("类别"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["institution", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "kind"], name="department_unique_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class MajorGroup(models.Model):
    """A group of related majors (专业群)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="major_groups"
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("专业群")
        verbose_name_plural = _("专业群")
        ordering = ["institution", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="majorgroup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Major(models.Model):
    """A major (专业), identified by its code in the 2021 national catalogue (职业教育专业目录)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), on_delete=models.PROTECT, related_name="majors"
    )
    school = models.ForeignKey(
        School, verbose_name=_("二级学院"), on_delete=models.PROTECT, related_name="majors"
    )
    group = models.ForeignKey(
        MajorGroup,
        verbose_name=_("专业群"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="majors",
    )
    code = models.CharField(_("专业代码"), max_length=10, help_text=_("2021 年专业目录代码"))
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("专业")
        verbose_name_plural = _("专业")
        ordering = ["institution", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="major_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
