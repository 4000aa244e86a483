from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One uploaded file going through the import pipeline: validate, preview, commit.

    ``processed_rows`` / ``total_rows`` drive the progress bar while a background task works.
    """

    class Kind(models.TextChoices):
        LEARNERS = "learners", _("学习者")
        COURSES = "courses", _("课程")
        CURRICULA = "curricula", _("人才培养方案")
        OUTCOMES = "outcomes", _("学习成果")
        RESULTS = "results", _("考核成绩")
        AWARDS = "awards", _("证书发放")
        TEACHERS = "teachers", _("教师名册")

    class Status(models.TextChoices):
        VALIDATING = "validating", _("校验中")
        INVALID = "invalid", _("有错误")
        READY = "ready", _("待确认导入")
        COMMITTING = "committing", _("导入中")
        # The process running the commit stopped renewing its lease (killed, machine down);
        # its transaction was rolled back, so nothing was written: retry or cancel.
        INTERRUPTED = "interrupted", _("导入中断")
        COMMITTED = "committed", _("已导入")
        UNCHANGED = "unchanged", _("无变化")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("院校"), on_delete=models.PROTECT, related_name="+"
    )
    # Encrypted at rest (xbank.core.filecrypt); emptied when the batch ends or its retention
    # period passes, and then ``file_purged_at`` says when.
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    file_purged_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default="validating"
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    # The first MAX_STORED_ISSUES of each are kept for the preview; the counts are complete.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    # The lease of the process running the commit: who ("host:pid") and when it last said it
    # was alive. A lease older than XBANK_IMPORT_LEASE_SECONDS marks a dead worker
    # (services.batches_recover_interrupted).
    lease_owner = models.CharField(_("执行进程"), max_length=255, blank=True)
    lease_renewed_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def changed_count(self) -> int:
        return self.created_count + self.updated_count

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.COMMITTING}
