"""Full-ID exports (完整证件号导出): the learner list with full document numbers, on purpose only.

A person with a role in ``REVEAL_ID_ROLES`` asks with a reason, at most
``XBANK_FULL_EXPORT_DAILY_LIMIT`` times a local day; with ``XBANK_FULL_EXPORT_APPROVAL`` a second
such person approves. The workbook is encrypted with a one-time password shown once, downloaded
once, and the download is the audit entry. The names stay importable from ``services``.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xbank.accounts.models import User
from xbank.accounts.notifications import notification_send, notifications_send
from xbank.accounts.scoping import scope_for
from xbank.audit import services as audit
from xbank.core.xlsx import encrypt_xlsx

from . import selectors
from .models import FullIdExport

ERR_EXPORT_REASON = "请填写导出原因"
ERR_EXPORT_REASON_HAS_ID = "导出原因中请不要填写证件号码"
ERR_EXPORT_DAILY_LIMIT = "每人每天最多申请 {limit} 次完整证件号导出，今天的次数已用完"
ERR_EXPORT_EMPTY = "没有符合条件的学习者，无需导出"
ERR_EXPORT_SELF_APPROVAL = "不能审批本人的导出申请"
ERR_EXPORT_STATE = "该导出当前状态为「{status}」，不能执行此操作"
ERR_EXPORT_NOT_PREPARED = "请先生成加密文件并记下密码，再下载"

# No 0/O, 1/l/I: the password is read off the screen and typed into Excel or WPS.
_PASSWORD_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_PASSWORD_LENGTH = 16  # about 93 bits


def new_export_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))


def _window() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.XBANK_FULL_EXPORT_WINDOW_HOURS)


def _local_day_start(now: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _ensure_status(export: FullIdExport, status: str) -> None:
    if export.status != status:
        raise ValidationError(
            ERR_EXPORT_STATE.format(status=export.get_status_display()), code="state"
        )


def full_export_request(
    *, actor, reason: str, filters: dict, description: str, rows: int, request=None
) -> FullIdExport:
    """Ask for an export of ``rows`` learners with full document numbers.

    ``filters`` are the list's URL parameters (a document number only as its keyed hash, see
    ``LearnerFilter.url_params``). Each person may ask ``XBANK_FULL_EXPORT_DAILY_LIMIT`` times a
    local day, counted from these rows so the limit holds across processes and restarts. With
    ``XBANK_FULL_EXPORT_APPROVAL`` the request waits for a second person; without, it is
    approved at once and the requester may prepare the file.
    """
    if not scope_for(actor).may_reveal_id:
        raise PermissionDenied("This role may not export full document numbers")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_EXPORT_REASON, code="reason")
    if "id_number" in filters:
        raise ValueError("A document number must be passed as its keyed hash, never in clear")
    if rows <= 0:
        raise ValidationError(ERR_EXPORT_EMPTY, code="empty")
    now = timezone.now()
    approval = settings.XBANK_FULL_EXPORT_APPROVAL
    with transaction.atomic():
        # One person's requests are serialised on their user row, so two at once cannot both
        # pass the daily limit.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        limit = settings.XBANK_FULL_EXPORT_DAILY_LIMIT
        today = FullIdExport.objects.filter(
            requester=actor, created_at__gte=_local_day_start(now)
        ).count()
        if today >= limit:
            raise ValidationError(ERR_EXPORT_DAILY_LIMIT.format(limit=limit), code="limit")
        export = FullIdExport.objects.create(
            requester=actor,
            reason=reason,
            filters=filters,
            filter_description=description[:500],
            rows=rows,
            approval_required=approval,
            status=FullIdExport.Status.REQUESTED if approval else FullIdExport.Status.APPROVED,
            expires_at=now + _window(),
        )
        audit.log(
            actor,
            "learners.full_export.requested",
            export,
            data={
                "reason": reason,
                "rows": rows,
                "filters": export.filter_description,
                "approval_required": approval,
            },
            request=request,
        )
        if approval:
            notifications_send(
                recipients=selectors.full_export_approvers(export),
                title=_("待审批：完整证件号导出（%(rows)s 人）") % {"rows": rows},
                body=_("申请人：%(who)s；原因：%(reason)s；筛选条件：%(filters)s")
                % {"who": actor, "reason": reason, "filters": export.filter_description},
                url=reverse("learners:full-export-detail", args=[export.pk]),
            )
    return export


def full_export_decide(
    *, actor, export: FullIdExport, approve: bool, note: str = "", request=None
) -> FullIdExport:
    """A second person approves or rejects a request; never the requester."""
    full_exports_expire()
    with transaction.atomic():
        return _full_export_decide(
            actor=actor, export=export, approve=approve, note=note, request=request
        )


def _full_export_decide(
    *, actor, export: FullIdExport, approve: bool, note: str, request
) -> FullIdExport:
    export = FullIdExport.objects.select_for_update().get(pk=export.pk)
    if export.requester_id == actor.pk:
        raise PermissionDenied(ERR_EXPORT_SELF_APPROVAL)
    if not selectors.full_export_may_approve(user=actor, export=export):
        raise PermissionDenied("Not an approver of this export")
    now = timezone.now()
    _ensure_status(export, FullIdExport.Status.REQUESTED)
    export.status = FullIdExport.Status.APPROVED if approve else FullIdExport.Status.REJECTED
    export.approver = actor
    export.decided_at = now
    export.decision_note = (note or "").strip()[:200]
    if approve:
        export.expires_at = now + _window()
    export.save(update_fields=["status", "approver", "decided_at", "decision_note", "expires_at"])
    audit.log(
        actor,
        "learners.full_export.approved" if approve else "learners.full_export.rejected",
        export,
        data={"rows": export.rows, "note": export.decision_note},
        request=request,
    )
    notification_send(
        recipient=export.requester,
        title=_("完整证件号导出申请%(result)s")
        % {"result": _("已批准，请尽快下载") if approve else _("已驳回")},
        body=export.decision_note,
        url=reverse("learners:full-export-detail", args=[export.pk]),
    )
    return export


def full_export_prepare(*, actor, export: FullIdExport, workbook: bytes, rows: int) -> str:
    """Encrypt an approved export's workbook with a new one-time password and keep only the
    encrypted bytes until the one download. The password is returned to be shown once; it is
    stored nowhere. Preparing again (a password lost before the download) replaces both."""
    if export.requester_id != actor.pk:
        raise PermissionDenied("Only the requester downloads an export")
    password = new_export_password()
    encrypted = encrypt_xlsx(workbook, password)  # slow on purpose (key stretching): no lock held
    full_exports_expire()
    with transaction.atomic():
        export = FullIdExport.objects.select_for_update().get(pk=export.pk)
        _ensure_status(export, FullIdExport.Status.APPROVED)
        export.file = encrypted
        export.rows_exported = rows
        export.prepared_at = timezone.now()
        export.save(update_fields=["file", "rows_exported", "prepared_at"])
    return password


def full_export_download(*, actor, export: FullIdExport, request=None) -> bytes:
    """Hand over the encrypted workbook once; the download is the audited export of full
    numbers, with reason, row count and filters in words."""
    if export.requester_id != actor.pk:
        raise PermissionDenied("Only the requester downloads an export")
    full_exports_expire()
    with transaction.atomic():
        export = FullIdExport.objects.select_for_update().get(pk=export.pk)
        now = timezone.now()
        _ensure_status(export, FullIdExport.Status.APPROVED)
        content = bytes(export.file)
        if not content:
            raise ValidationError(ERR_EXPORT_NOT_PREPARED, code="not_prepared")
        export.file = b""
        export.status = FullIdExport.Status.DOWNLOADED
        export.downloaded_at = now
        export.save(update_fields=["file", "status", "downloaded_at"])
        audit.log(
            actor,
            "learners.id_number.exported",
            export,
            data={
                "rows": export.rows_exported,
                "reason": export.reason,
                "filters": export.filter_description,
                "approver": str(export.approver) if export.approver_id else "",
            },
            request=request,
        )
    return content


def full_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire requests not decided, and approvals not downloaded, within the window; their
    encrypted files are dropped."""
    now = now or timezone.now()
    return FullIdExport.objects.filter(
        status__in=[FullIdExport.Status.REQUESTED, FullIdExport.Status.APPROVED],
        expires_at__lte=now,
    ).update(status=FullIdExport.Status.EXPIRED, file=b"")
