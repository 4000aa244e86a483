from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xbank.core.actors import SYSTEM


class AuditEntry(models.Model):
    """One line of the audit log (审计日志): who did what to which record, and when.

    Append-only: nothing in the application updates or deletes these rows, and the database
    refuses it (triggers, migration 0002; on PostgreSQL the application's role holds only SELECT
    and INSERT here, docs/operations.md).
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def actor_name(self) -> str:
        """Who acted: the user, or "系统" for an entry the system wrote (no user)."""
        return str(self.actor) if self.actor_id else SYSTEM.name
