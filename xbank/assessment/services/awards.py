"""Certificate awards (证书发放): the certificate becomes a learning outcome and a credential."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xbank.accounts.notifications import notifications_send
from xbank.audit import services as audit
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import Actor
from xbank.learners import services as learner_services
from xbank.learners.models import LearningOutcome
from xbank.verify import services as verify_services
from xbank.verify.models import Credential

from .. import signals
from ..errors import (
    ERR_AWARD_DATE,
    ERR_AWARD_DATE_FUTURE,
    ERR_AWARD_EXISTS,
    ERR_AWARD_NUMBER_TAKEN,
    ERR_AWARD_REVOKED,
    ERR_NOT_PASSED,
    ERR_NOT_PUBLISHED,
    NOTIFY_AWARDED,
    NOTIFY_REVOKED,
    REISSUED_AS,
    REISSUED_FROM,
)
from ..models import (
    Candidate,
    CertificateAward,
    ExamSession,
)
from ..rules import outcome_kind_for
from .common import _lock_session, _person, _require_manage

Status = ExamSession.Status


def award_date_check(*, issued_on: datetime.date, session: ExamSession) -> None:
    """A certificate is dated neither after today nor before its exam session's date."""
    today = timezone.localdate()
    if issued_on > today:
        raise ValidationError(
            ERR_AWARD_DATE_FUTURE.format(today=f"{today:%Y-%m-%d}"), code="date_future"
        )
    if issued_on < session.date:
        raise ValidationError(ERR_AWARD_DATE.format(date=session.date), code="date")


@transaction.atomic
def award_issue(
    *, actor: Actor, candidate: Candidate, certificate_no: str, issued_on: datetime.date
) -> CertificateAward:
    """Issue the certificate (证书发放) to a candidate who passed a published session.

    The certificate becomes a verified learning outcome (学习成果) in the holder's account, issued
    by the certificate type's issuer (the evaluation organisation), and a verifiable credential
    (核验). Then ``on_award_issued`` runs (the credit bank's hook)."""
    session = _lock_session(candidate.session)
    _require_manage(actor, session.institution_id)
    candidate = (
        Candidate.objects.select_related("account", "result", "session_room")
        .select_for_update(of=("self",))
        .get(pk=candidate.pk)
    )
    certificate_type = session.certificate_type
    if session.status != Status.PUBLISHED:
        raise ValidationError(ERR_NOT_PUBLISHED.format(title=session.title), code="not_published")
    result = getattr(candidate, "result", None)
    if result is None or not result.passed:
        raise ValidationError(ERR_NOT_PASSED.format(name=candidate.account.name), code="not_passed")
    previous = list(CertificateAward.objects.filter(candidate=candidate).order_by("-id"))
    existing = next((a for a in previous if a.status != CertificateAward.Status.REVOKED), None)
    if existing is not None:
        raise ValidationError(
            ERR_AWARD_EXISTS.format(name=candidate.account.name, number=existing.certificate_no),
            code="exists",
        )
    award_date_check(issued_on=issued_on, session=session)
    ensure_certificate_active(certificate_type)
    issuer = certificate_type.issuer
    if CertificateAward.objects.filter(issuer=issuer, certificate_no=certificate_no).exists():
        raise ValidationError(
            ERR_AWARD_NUMBER_TAKEN.format(issuer=issuer, number=certificate_no), code="number"
        )
    award = CertificateAward(
        candidate=candidate,
        account=candidate.account,
        certificate_type=certificate_type,
        level=session.level,
        issuer=issuer,
        certificate_no=certificate_no,
        issued_on=issued_on,
        created_by=_person(actor),
        # A re-issue (补发) after a revocation: linked to the latest revoked certificate.
        reissued_from=previous[0] if previous else None,
    )
    # Raises (in Chinese) when the number is already another person's certificate.
    award.outcome = learner_services.outcome_record(
        actor=actor,
        account=candidate.account,
        kind=outcome_kind_for(certificate_type),
        title=award.title,
        issuer=issuer,
        number=certificate_no,
        issued_on=issued_on,
        certificate_type=certificate_type,
        level=session.level,
        status=LearningOutcome.Status.VERIFIED,
        source=LearningOutcome.Source.AWARD,
    )
    award.save()
    award.credential = verify_services.credential_issue(
        actor=actor,
        kind=Credential.Kind.CERTIFICATE,
        title=award.title,
        holder_name=candidate.account.name,
        issuer=issuer,
        details=[
            ("证书编号", certificate_no),
            ("发证日期", f"{issued_on:%Y-%m-%d}"),
            ("考核批次", session.title),
            ("考核院校", session.institution.name),
            *(
                [("补发", REISSUED_FROM.format(number=award.reissued_from.certificate_no))]
                if award.reissued_from is not None
                else []
            ),
        ],
        source=award,
    )
    award.save(update_fields=["credential"])
    old_credential = award.reissued_from.credential if award.reissued_from else None
    if old_credential is not None:
        verify_services.credential_add_detail(
            actor=actor,
            credential=old_credential,
            label="补发",
            value=REISSUED_AS.format(number=certificate_no),
        )
    audit.log(
        actor,
        "assessment.award.issued",
        award,
        data={
            "candidate": candidate.pk,
            "account": candidate.account_id,
            "certificate_no": certificate_no,
            "issued_on": str(issued_on),
            "outcome": award.outcome_id,
            "reissued_from": award.reissued_from_id,
        },
    )
    if candidate.account.user_id:
        notifications_send(
            recipients=[candidate.account.user],
            title=NOTIFY_AWARDED.format(title=award.title),
            url=reverse("learners:my-account"),
        )
    on_award_issued(award=award)
    return award


def on_award_issued(*, award: CertificateAward) -> None:
    """Announce a new certificate (``signals.award_issued``): the credit bank (学分银行), which
    sits above assessment and may not be imported here, proposes a recognition request (认定申请)
    to the holder when a published rule would convert it."""
    signals.award_issued.send(sender=CertificateAward, award=award)


@transaction.atomic
def award_revoke(*, actor: Actor, award: CertificateAward, reason: str) -> CertificateAward:
    """Revoke a certificate: the award, its learning outcome and its credential (the public
    verification page then says 已撤销)."""
    award = (
        CertificateAward.objects.select_for_update(of=("self",))
        .select_related(
            "account__user", "outcome", "credential", "certificate_type", "candidate__session"
        )
        .get(pk=award.pk)
    )
    _require_manage(actor, award.candidate.session.institution_id)
    if award.status == CertificateAward.Status.REVOKED:
        raise ValidationError(ERR_AWARD_REVOKED, code="revoked")
    award.status = CertificateAward.Status.REVOKED
    award.revoked_at = timezone.now()
    award.revoked_by = _person(actor)
    award.revoked_reason = reason[:200]
    award.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    # The learners service audits it and tells the credit bank (signals.outcome_revoked).
    learner_services.outcome_revoke(actor=actor, outcome=award.outcome, reason=reason)
    if award.credential is not None:
        verify_services.credential_revoke(actor=actor, credential=award.credential, reason=reason)
    audit.log(actor, "assessment.award.revoked", award, data={"reason": reason})
    if award.account.user_id:
        notifications_send(
            recipients=[award.account.user],
            title=NOTIFY_REVOKED.format(title=award.title),
            body=reason,
            url=reverse("learners:my-account"),
        )
    return award
