"""Writes of learners, learning accounts and learning outcomes.

The person is found by the keyed hash of their document number, so one person has exactly one
learning account however many times, and through however many institutions, they are registered.

An anonymous request (the public registration form) never reveals or changes what is stored
about a person (DESIGN invariant 12): ``learner_register_public`` keeps any difference from the
stored details as a proposed change (``ProfileChange``) that continuing-education staff accept
or reject, and a name that disagrees with the account's is told to nobody but those staff.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.accounts.notifications import notifications_send
from xbank.accounts.scoping import scope_for
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType, Course
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import SYSTEM, Actor, is_system
from xbank.core.identity import Document
from xbank.core.pinyin import name_sort_key
from xbank.orgs.models import Institution, Major

from . import selectors, signals

# The full-ID export has a module of its own; its names stay importable from here.
from .full_export import (  # noqa: F401
    ERR_EXPORT_DAILY_LIMIT,
    ERR_EXPORT_EMPTY,
    ERR_EXPORT_NOT_PREPARED,
    ERR_EXPORT_REASON,
    ERR_EXPORT_REASON_HAS_ID,
    ERR_EXPORT_SELF_APPROVAL,
    ERR_EXPORT_STATE,
    full_export_decide,
    full_export_download,
    full_export_prepare,
    full_export_request,
    full_exports_expire,
    new_export_password,
)
from .models import Learner, LearningAccount, LearningOutcome, ProfileChange, account_id_hash

ERR_DUPLICATE_OUTCOME = "发证机构「{issuer}」的编号 {number} 已登记在其他学习账户中"
# Shows the stored name: only for a user who already sees a learner record of the account.
ERR_NAME_MISMATCH = "该证件号已开户，户名为「{existing}」，与填写的「{given}」不一致"
# The same refusal without the stored name, for everyone else (staff outside the scope).
ERR_NAME_CHECK = "信息需人工核对：姓名与该证件号码已登记的信息不一致"
# What a member of the public sees when their name disagrees with the account's.
MSG_NEEDS_CHECK = gettext_noop("信息需人工核对，工作人员会与您联系")
ERR_REVOKE_REASON = "撤销学习成果须填写原因"
ERR_CHANGE_DECIDED = "该信息变更申请已处理（{status}），不能再次处理"

# A person acting without the role the change needs (the system, ``SYSTEM``, is let through).
ERR_NOT_RECORDS = "您没有维护学习者记录的权限"
ERR_NOT_IN_SCOPE = "该学习者不在您的管理范围内"
ERR_NOT_REVEAL = "您没有查看完整证件号码的权限"
ERR_NOT_CHANGES = "只有本院校继续教育学院可以处理信息变更申请"

NOTIFY_NAME_CHECK = "公开报名信息需人工核对"
NOTIFY_CHANGE = "学习者信息变更待确认"


def account_find(document: Document) -> LearningAccount | None:
    return LearningAccount.objects.filter(id_hash=account_id_hash(document)).first()


def _ensure_keeps_records(actor: Actor) -> None:
    """A person must hold a role that keeps learner records (``LEARNER_RECORD_ROLES``); the
    system (the import command, the demo, scheduled jobs) may."""
    if not is_system(actor) and not scope_for(actor).sees_learner_records:
        raise PermissionDenied(ERR_NOT_RECORDS)


def _ensure_reaches(
    actor: Actor, institution_id: int, school_id: int | None, major_id: int | None
) -> None:
    """A person must keep learner records of that institution, school or major."""
    _ensure_keeps_records(actor)
    if not is_system(actor) and not scope_for(actor).reach.covers_ids(
        institution_id, school_id, major_id
    ):
        raise PermissionDenied(ERR_NOT_IN_SCOPE)


def _account_get_or_open(
    *, actor: Actor, document: Document, name: str, phone: str = ""
) -> tuple[LearningAccount, bool]:
    """The account of the person holding ``document``, opened with ``name`` if there is none.

    Safe under concurrency: two registrations of the same person at once meet the unique
    ``id_hash`` and the loser reads the winner's account.
    """
    id_hash = account_id_hash(document)
    existing = LearningAccount.objects.filter(id_hash=id_hash).first()
    if existing is not None:
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


def account_get_or_create(
    *, actor: Actor, document: Document, name: str, phone: str = ""
) -> tuple[LearningAccount, bool]:
    """The one learning account of the person holding ``document``; opened if there is none.

    A name that disagrees with the account's is refused with a message that does not repeat the
    stored name: the caller may not be entitled to it (see ``ERR_NAME_MISMATCH``).
    """
    _ensure_keeps_records(actor)
    account, created = _account_get_or_open(actor=actor, document=document, name=name, phone=phone)
    if not created and account.name != name:
        raise ValidationError(ERR_NAME_CHECK, code="name_mismatch")
    return account, created


def _learner_get_or_create(
    *, account: LearningAccount, institution: Institution, kind: str, values: Mapping[str, object]
) -> tuple[Learner, bool]:
    """The person's record of ``kind`` at ``institution``; created with ``values`` if missing."""
    learner = Learner.objects.filter(account=account, institution=institution, kind=kind).first()
    if learner is not None:
        return learner, False
    try:
        with transaction.atomic():
            learner = Learner.objects.create(
                account=account, institution=institution, kind=kind, **values
            )
    except IntegrityError:
        # The same person registered at the same moment: the other registration's row wins.
        return Learner.objects.get(account=account, institution=institution, kind=kind), False
    return learner, True


@transaction.atomic
def learner_register(
    *,
    actor: Actor,
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
    """Register a student or social learner; a person already known keeps their account.

    For staff and imports, who may write learner records. A blank value (empty text, no major,
    no cohort) keeps what is stored: a sparse registration never erases data.
    """
    _ensure_reaches(
        actor, institution.pk, major.school_id if major else None, major.pk if major else None
    )
    account, _opened = account_get_or_create(actor=actor, document=document, name=name, phone=phone)
    values: dict[str, object] = {
        "school_id": major.school_id if major else None,
        "major": major,
        "cohort_year": cohort_year,
        "student_no": student_no,
        "class_name": class_name,
        "education": education,
        "employer": employer,
    }
    given = {k: v for k, v in values.items() if v not in (None, "")}
    learner, created = _learner_get_or_create(
        account=account, institution=institution, kind=kind, values=given
    )
    if created:
        audit.log(actor, "learners.learner.registered", learner)
        return learner
    changed = [k for k, v in given.items() if getattr(learner, k) != v]
    if changed:
        for k in changed:
            setattr(learner, k, given[k])
        learner.save(update_fields=[*changed, "updated_at"])
    audit.log(actor, "learners.learner.updated", learner, data={"fields": sorted(changed)})
    return learner


# --- Public registration and proposed changes ----------------------------------------------------


@dataclass
class PublicRegistration:
    """What a public registration found or opened: the account, the person's social learner
    record at the institution (None while a name mismatch waits for its check), and the
    proposed change of stored details, if anything differed."""

    account: LearningAccount
    learner: Learner | None
    change: ProfileChange | None
    opened: bool

    @property
    def needs_check(self) -> bool:
        """The name disagreed with the account's: the registration waits for a manual check."""
        return self.change is not None and self.change.name_mismatch


@transaction.atomic
def learner_register_public(
    *,
    document: Document,
    name: str,
    institution: Institution,
    phone: str = "",
    education: str = "",
    employer: str = "",
    context: str = "",
) -> PublicRegistration:
    """A member of the public (no login) registers as a social learner (社会学员).

    A person not yet known gets an account and a learner record with what they typed. For a
    person already known nothing stored is changed: every non-blank value that differs from the
    stored one (name, phone; education and employer of the record at ``institution``) goes into
    one proposed change for the institution's continuing-education staff. A name that disagrees
    with the account's also keeps the person from being linked to the institution until the
    staff have checked it (whoever typed it may not be the holder of the document).
    """
    # No person is logged in: the system opens the account and records on the registrant's
    # behalf (audited as 系统, as before).
    account, opened = _account_get_or_open(actor=SYSTEM, document=document, name=name, phone=phone)
    details = {"education": education, "employer": employer}
    if opened:
        record, _created = _learner_get_or_create(
            account=account, institution=institution, kind=Learner.Kind.SOCIAL, values=details
        )
        audit.log(SYSTEM, "learners.learner.registered", record)
        return PublicRegistration(account=account, learner=record, change=None, opened=True)

    proposed: dict[str, str] = {}
    if name != account.name:
        proposed["name"] = name
    if phone and phone != account.phone:
        proposed["phone"] = phone
    learner: Learner | None = Learner.objects.filter(
        account=account, institution=institution, kind=Learner.Kind.SOCIAL
    ).first()
    if learner is None and "name" not in proposed:
        # A first record at this institution stores what was typed: nothing is overwritten.
        learner, created = _learner_get_or_create(
            account=account,
            institution=institution,
            kind=Learner.Kind.SOCIAL,
            values={k: v for k, v in details.items() if v},
        )
        if created:
            audit.log(SYSTEM, "learners.learner.registered", learner)
    for field, value in details.items():
        if value and (learner is None or value != getattr(learner, field)):
            proposed[field] = value
    change = None
    if proposed:
        change = _change_propose(
            account=account,
            learner=learner,
            institution=institution,
            proposed=proposed,
            context=context,
        )
    return PublicRegistration(account=account, learner=learner, change=change, opened=False)


def _continuing_ed_staff(institution_id: int) -> list[User]:
    assignments = RoleAssignment.objects.filter(
        role=Role.CONTINUING_ED, institution_id=institution_id, user__is_active=True
    ).select_related("user")
    return [ra.user for ra in assignments.order_by("user_id")]


def _change_propose(
    *,
    account: LearningAccount,
    learner: Learner | None,
    institution: Institution,
    proposed: dict[str, str],
    context: str,
) -> ProfileChange:
    """Keep a proposed change for the institution's continuing-education staff and tell them.

    The same proposal still pending (a person registering for a second program) is not repeated.
    """
    pending = ProfileChange.objects.filter(
        account=account, institution=institution, status=ProfileChange.Status.PENDING
    )
    for change in pending:
        if change.proposed() == proposed:
            return change
    change = ProfileChange.objects.create(
        account=account,
        learner=learner,
        institution=institution,
        source=ProfileChange.Source.PUBLIC_REGISTRATION,
        context=context[:200],
        **proposed,
    )
    audit.log(
        SYSTEM,
        "learners.profile_change.proposed",
        change,
        data={"fields": sorted(proposed), "source": change.source},
    )
    notifications_send(
        recipients=_continuing_ed_staff(institution.pk),
        title=NOTIFY_NAME_CHECK if change.name_mismatch else NOTIFY_CHANGE,
        # No personal data in the notification: the page behind the link shows it.
        body=context,
        url=reverse("learners:change-detail", args=[change.pk]),
    )
    return change


def _ensure_decides(actor: Actor, change: ProfileChange) -> None:
    """A person must be continuing education (继续教育学院) of the change's institution."""
    if not is_system(actor) and change.institution_id not in selectors.change_institution_ids(
        actor
    ):
        raise PermissionDenied(ERR_NOT_CHANGES)


def _change_lock(change: ProfileChange) -> ProfileChange:
    change = ProfileChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ProfileChange.Status.PENDING:
        raise ValidationError(
            ERR_CHANGE_DECIDED.format(status=change.get_status_display()), code="decided"
        )
    return change


@transaction.atomic
def profile_change_accept(*, actor: Actor, change: ProfileChange, note: str = "") -> ProfileChange:
    """Apply a proposed change to the stored details (staff checked it with the person).

    The name and phone go to the learning account; education and employer to the person's
    social learner record at the institution, which is created now if the name check kept it
    from being created at registration.
    """
    _ensure_decides(actor, change)
    change = _change_lock(change)
    account = LearningAccount.objects.select_for_update().get(pk=change.account_id)
    account_fields: list[str] = []
    if change.name:
        account.name = change.name
        account.name_pinyin = name_sort_key(change.name)
        account_fields += ["name", "name_pinyin"]
    if change.phone:
        account.phone = change.phone
        account_fields.append("phone")
    if account_fields:
        account.save(update_fields=account_fields)
        audit.log(
            actor,
            "learners.account.updated",
            account,
            data={"fields": [f for f in account_fields if f != "name_pinyin"], "change": change.pk},
        )
    details = {f: getattr(change, f) for f in ("education", "employer") if getattr(change, f)}
    learner = change.learner
    if learner is None:
        learner, created = _learner_get_or_create(
            account=account,
            institution=change.institution,
            kind=Learner.Kind.SOCIAL,
            values=details,
        )
        if created:
            audit.log(actor, "learners.learner.registered", learner, data={"change": change.pk})
            details = {}
        change.learner = learner
    changed = [f for f, v in details.items() if getattr(learner, f) != v]
    if changed:
        for f in changed:
            setattr(learner, f, details[f])
        learner.save(update_fields=[*changed, "updated_at"])
        audit.log(
            actor,
            "learners.learner.updated",
            learner,
            data={"fields": sorted(changed), "change": change.pk},
        )
    _change_decide(actor=actor, change=change, status=ProfileChange.Status.ACCEPTED, note=note)
    signals.profile_change_accepted.send(sender=ProfileChange, actor=actor, change=change)
    return change


@transaction.atomic
def profile_change_reject(*, actor: Actor, change: ProfileChange, note: str = "") -> ProfileChange:
    """Refuse a proposed change: what is stored stays as it is."""
    _ensure_decides(actor, change)
    change = _change_lock(change)
    _change_decide(actor=actor, change=change, status=ProfileChange.Status.REJECTED, note=note)
    return change


def _change_decide(*, actor: Actor, change: ProfileChange, status: str, note: str) -> None:
    change.status = status
    change.decided_at = timezone.now()
    change.decided_by = actor if isinstance(actor, User) else None  # the system: no one
    change.note = (note or "").strip()[:200]
    change.save(update_fields=["status", "decided_at", "decided_by", "note", "learner"])
    audit.log(
        actor,
        f"learners.profile_change.{status}",
        change,
        data={"fields": sorted(change.proposed()), "note": change.note},
    )


@transaction.atomic
def outcome_record(
    *,
    actor: Actor,
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
    _ensure_keeps_records(actor)
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
def outcome_revoke(*, actor: Actor, outcome: LearningOutcome, reason: str) -> LearningOutcome:
    """Revoke an outcome (a certificate withdrawn by its issuer, a result annulled).

    Apps that built on the outcome (the credit bank's conversions and course credits) hear of it
    through ``signals.outcome_revoked`` in this same transaction and undo their part; revoking
    an outcome already revoked changes nothing.
    """
    _ensure_keeps_records(actor)
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


def account_reveal_id(
    *, actor: Actor, account: LearningAccount, request: HttpRequest | None = None
) -> str:
    """The full document number, for a role allowed to see it; every reveal is audited."""
    if not is_system(actor) and not scope_for(actor).may_reveal_id:
        raise PermissionDenied(ERR_NOT_REVEAL)
    audit.log(actor, "learners.id_number.revealed", account, request=request)
    number: str = account.id_number
    return number
