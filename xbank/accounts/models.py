from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.orgs.models import Institution, Major, School


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("系统管理员")
    BANK_ADMIN = "bank_admin", _("学分银行管理员")
    ACADEMIC_AFFAIRS = "academic_affairs", _("教务处")
    CONTINUING_ED = "continuing_ed", _("继续教育学院")
    SCHOOL_STAFF = "school_staff", _("二级学院")
    HR = "hr", _("人事处")
    FINANCE = "finance", _("财务处")
    TEACHER = "teacher", _("教师")
    EXAMINER = "examiner", _("考评员")
    LEARNER = "learner", _("学习者")


# Roles whose scope is the whole regional bank rather than one institution.
REGIONAL_ROLES = {Role.SYSADMIN, Role.BANK_ADMIN}
# Roles that may see a full resident ID number (each reveal is audited).
REVEAL_ID_ROLES = {Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED}
# Roles that see learners and their records within their scope.
LEARNER_RECORD_ROLES = {
    Role.SYSADMIN,
    Role.BANK_ADMIN,
    Role.ACADEMIC_AFFAIRS,
    Role.CONTINUING_ED,
    Role.SCHOOL_STAFF,
}
# Roles that may import learners, courses, curricula and outcomes.
IMPORT_ROLES = {Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF}


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role held by a user within a scope: the region, an institution, a school or a major."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("院校"), null=True, blank=True, on_delete=models.PROTECT
    )
    school = models.ForeignKey(
        School, verbose_name=_("二级学院"), null=True, blank=True, on_delete=models.PROTECT
    )
    major = models.ForeignKey(
        Major, verbose_name=_("专业"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "institution", "school", "major"],
                name="roleassignment_unique",
            ),
            # Every role but the regional ones is held within an institution.
            models.CheckConstraint(
                condition=Q(role__in=sorted(r.value for r in REGIONAL_ROLES))
                | Q(institution__isnull=False),
                name="roleassignment_institution_required",
            ),
            # School staff act for a school (or a major of it), never the whole institution.
            models.CheckConstraint(
                condition=~Q(role=Role.SCHOOL_STAFF.value)
                | Q(school__isnull=False)
                | Q(major__isnull=False),
                name="roleassignment_school_staff_scoped",
            ),
        ]

    def __str__(self) -> str:
        scope = self.major or self.school or self.institution or _("全区域")
        return f"{self.get_role_display()} · {scope}"


class Notification(models.Model):
    """An in-app notification (站内通知) to one user: a step of their recognition request, a
    revoked certificate… Any app sends them through ``accounts.notifications.notification_send``;
    the recipient reads them on their workbench."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
