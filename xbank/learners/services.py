"""Writes of learners, learning accounts and learning outcomes.

The person is found by the keyed hash of their document number, so one person has exactly one
learning account however many times, and through however many institutions, they are registered.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xbank.audit import services as audit
from xbank.catalog.models import CertificateType, Course
from xbank.catalog.services import ensure_certificate_active
from xbank.core.identity import Document, document_key
from xbank.core.pii import lookup_hash
from xbank.core.pinyin import name_sort_key
from xbank.orgs.models import Institution, Major

from . import signals
from .models import Learner, LearningAccount, LearningOutcome

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
    account, _ = account_get_or_create(actor=actor, document=document, name=name, phone=phone)
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


def accounts_export_ids(*, actor, rows: int, filters: dict, request=None) -> None:
    """Audit an export that carries full document numbers: one entry for the whole file."""
    audit.log(
        actor,
        "learners.id_number.exported",
        data={"rows": rows, "filters": filters},
        request=request,
    )
