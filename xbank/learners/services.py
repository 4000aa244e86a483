"""Writes of learners, learning accounts and learning outcomes.

The person is found by the keyed hash of their document number, so one person has exactly one
learning account however many times, and through however many institutions, they are registered.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xbank.accounts.models import User
from xbank.accounts.notifications import notification_send, notifications_send
from xbank.accounts.scoping import scope_for
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType, Course
from xbank.catalog.services import ensure_certificate_active
from xbank.core.identity import Document, document_key
from xbank.core.pii import lookup_hash
from xbank.core.pinyin import name_sort_key
from xbank.core.xlsx import encrypt_xlsx
from xbank.orgs.models import Institution, Major

from . import selectors, signals
from .models import FullIdExport, Learner, LearningAccount, LearningOutcome

ERR_DUPLICATE_OUTCOME = "发证机构「{issuer}」的编号 {number} 已登记在其他学习账户中"
ERR_NAME_MISMATCH = "该证件号已开户，户名为「{existing}」，与填写的「{given}」不一致"
ERR_REVOKE_REASON = "撤销学习成果须填写原因"


def account_id_hash(document: Document) -> str:
    return lookup_hash(document_key(document.type, document.number))


def account_find(document: Document) -> LearningAccount | None:
    return LearningAccount.objects.filter(id_hash=account_id_hash(document)).first()


def account_get_or_create(
    *, actor, document: Document, name: str, phone: str = ""
) -> tuple[LearningAccount, bool]:
    """The one learning account of the person holding ``document``; opened if there is none.

    Safe under concurrency: two registrations of the same person at once meet the unique
    ``id_hash`` and the loser reads the winner's account.
    """
    id_hash = account_id_hash(document)
    existing = LearningAccount.objects.filter(id_hash=id_hash).first()
    if existing is not None:
        if existing.name != name:
            raise ValidationError(
                ERR_NAME_MISMATCH.format(existing=existing.name, given=name), code="name_mismatch"
            )
        return existing, False
    account = LearningAccount(
        name=name,
        name_pinyin=name_sort_key(name),
        id_type=document.type,
        id_number=document.number,
        id_hash=id_hash,
        birth_date=document.birth_date,
        gender=document.gender,
        phone=phone,
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        return LearningAccount.objects.get(id_hash=id_hash), False
    audit.log(actor, "learners.account.opened", account)
    return account, True


@transaction.atomic
def learner_register(
    *,
    actor,
    document: Document,
    name: str,
    kind: str,
    institution: Institution,
    major: Major | None = None,
    cohort_year: int | None = None,
    student_no: str = "",
    class_name: str = "",
    phone: str = "",
    education: str = "",
    employer: str = "",
) -> Learner:
    """Register a student or social learner; a person already known keeps their account."""
    account, _opened = account_get_or_create(actor=actor, document=document, name=name, phone=phone)
    learner, created = Learner.objects.update_or_create(
        account=account,
        institution=institution,
        kind=kind,
        defaults={
            "school_id": major.school_id if major else None,
            "major": major,
            "cohort_year": cohort_year,
            "student_no": student_no,
            "class_name": class_name,
            "education": education,
            "employer": employer,
        },
    )
    audit.log(
        actor, "learners.learner.registered" if created else "learners.learner.updated", learner
    )
    return learner


@transaction.atomic
def outcome_record(
    *,
    actor,
    account: LearningAccount,
    kind: str,
    title: str,
    issuer: str,
    number: str,
    issued_on: datetime.date,
    certificate_type: CertificateType | None = None,
    course: Course | None = None,
    level: str = "",
    score: Decimal | None = None,
    grade: str = "",
    credits: Decimal | None = None,
    status: str = LearningOutcome.Status.VERIFIED,
    source: str = LearningOutcome.Source.MANUAL,
) -> LearningOutcome:
    """Store one learning outcome (学习成果) in an account.

    Recording the same (issuer, number) again for the same account returns the existing row;
    for another account it is refused, since a certificate belongs to one person.
    """
    ensure_certificate_active(certificate_type)
    existing = LearningOutcome.objects.filter(issuer=issuer, number=number).first()
    if existing is not None:
        if existing.account_id != account.pk:
            raise ValidationError(
                ERR_DUPLICATE_OUTCOME.format(issuer=issuer, number=number), code="duplicate"
            )
        return existing
    outcome = LearningOutcome.objects.create(
        account=account,
        kind=kind,
        title=title,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        certificate_type=certificate_type,
        course=course,
        level=level,
        score=score,
        grade=grade,
        credits=credits,
        status=status,
        source=source,
    )
    audit.log(actor, "learners.outcome.recorded", outcome)
    return outcome


@transaction.atomic
def outcome_revoke(*, actor, outcome: LearningOutcome, reason: str) -> LearningOutcome:
    """Revoke an outcome (a certificate withdrawn by its issuer, a result annulled).

    Apps that built on the outcome (the credit bank's conversions and course credits) hear of it
    through ``signals.outcome_revoked`` in this same transaction and undo their part; revoking
    an outcome already revoked changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REVOKE_REASON, code="reason")
    outcome = LearningOutcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.status == LearningOutcome.Status.REVOKED:
        return outcome
    previous = outcome.status
    outcome.status = LearningOutcome.Status.REVOKED
    outcome.save(update_fields=["status", "updated_at"])
    audit.log(actor, "learners.outcome.revoked", outcome, data={"reason": reason, "from": previous})
    signals.outcome_revoked.send(
        sender=LearningOutcome, actor=actor, outcome=outcome, reason=reason
    )
    return outcome


def account_reveal_id(*, actor, account: LearningAccount, request=None) -> str:
    """The full document number, for a role allowed to see it; every reveal is audited."""
    audit.log(actor, "learners.id_number.revealed", account, request=request)
    return account.id_number


# --- Full-ID exports (完整证件号导出) ----------------------------------------------------------------

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
