"""Reversals (冲正): a ledger line is corrected by a reversing entry, never edited; a revoked
outcome reverses every decision built on it, withdraws its exemptions and revokes the
transcripts that no longer tell the truth."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xbank.accounts.models import Role
from xbank.accounts.notifications import notification_send, notifications_send
from xbank.audit import services as audit
from xbank.core.actors import Actor
from xbank.learners.models import Learner, LearningOutcome
from xbank.orgs.models import Institution
from xbank.verify.models import Credential
from xbank.verify.services import credential_revoke

from .. import ledger, selectors
from ..errors import ERR_ALREADY_REVERSED, ERR_REVERSE_KIND, ERR_REVERSE_REASON
from ..models import CreditEntry, Exemption, RecognitionRequest, RequestEvent
from .common import _acting, _require
from .requests import _evaluate, _event, _notify_learner, _save_lines, _staff


def _reverse(
    *, actor: Actor, account_id: int, entries: list[CreditEntry], reason: str
) -> list[CreditEntry]:
    """Post the reversal of each entry and withdraw the exemptions they granted."""
    reversals = ledger.post(
        actor=actor,
        account_id=account_id,
        drafts=[ledger.reversal_draft(e, memo=f"冲正：{reason}") for e in entries],
    )
    now = timezone.now()
    for exemption in Exemption.objects.filter(
        entry__in=entries, status=Exemption.Status.ACTIVE
    ).select_for_update():
        exemption.status = Exemption.Status.WITHDRAWN
        exemption.withdrawn_at = now
        exemption.withdrawn_reason = reason[:200]
        exemption.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return reversals


def _revoke_transcripts(*, actor: Actor, learner_ids: Iterable[int], reason: str) -> None:
    """A transcript issued before a reversal no longer tells the truth: revoke it."""
    for credential in Credential.objects.filter(
        kind=Credential.Kind.TRANSCRIPT,
        status=Credential.Status.VALID,
        source_type=Learner._meta.label_lower,
        source_id__in=[str(pk) for pk in learner_ids],
    ):
        credential_revoke(actor=actor, credential=credential, reason=reason)


@transaction.atomic
def entry_reverse(*, actor: Actor, entry: CreditEntry, reason: str) -> CreditEntry:
    """Correct a ledger line by a reversing entry (never by editing it): 教务处 of the account's
    institution, or the bank. An exemption it granted is withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REVERSE_REASON, code="reason")
    institutions = set(
        Learner.objects.filter(account_id=entry.account_id).values_list("institution_id", flat=True)
    )
    _require(
        any(selectors.may_manage_rules(actor, Institution(pk=pk)) for pk in institutions),
        actor,
    )
    ledger.lock_account(entry.account_id)
    entry = CreditEntry.objects.get(pk=entry.pk)
    if entry.kind == CreditEntry.Kind.REVERSAL:
        raise ValidationError(ERR_REVERSE_KIND, code="reversal")
    if CreditEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(ERR_ALREADY_REVERSED, code="already_reversed")
    (reversal,) = _reverse(actor=actor, account_id=entry.account_id, entries=[entry], reason=reason)
    audit.log(
        actor, "creditbank.entry.reversed", reversal, data={"reverses": entry.pk, "reason": reason}
    )
    learners = Learner.objects.filter(account_id=entry.account_id)
    _revoke_transcripts(actor=actor, learner_ids=[lr.pk for lr in learners], reason=reason)
    return reversal


@transaction.atomic
def outcome_revoked(*, actor: Actor, outcome: LearningOutcome, reason: str) -> list[CreditEntry]:
    """An outcome was revoked (a certificate withdrawn by its issuer): every decision that used
    it is reversed by new entries, its exemptions withdrawn, the requests marked, the learner's
    transcripts revoked, and the learner and the staff who decided notified.

    Called by the ``learners.signals.outcome_revoked`` receiver inside the revoking transaction.
    """
    _acting(actor)
    ids = set(
        CreditEntry.objects.filter(outcome=outcome, request__isnull=False).values_list(
            "request_id", flat=True
        )
    ) | set(outcome.recognition_requests.values_list("pk", flat=True))
    affected_requests = list(
        RecognitionRequest.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("learner__account")
        .order_by("pk")
    )
    ledger.lock_account(outcome.account_id)
    entries = list(
        CreditEntry.objects.filter(
            outcome=outcome,
            kind__in=[
                CreditEntry.Kind.COURSE,
                CreditEntry.Kind.CONVERSION,
                CreditEntry.Kind.EXEMPTION,
            ],
            reversed_by__isnull=True,
        ).order_by("seq")
    )
    memo = f"成果「{outcome.title}」（{outcome.number}）已撤销：{reason}"
    reversals = _reverse(actor=actor, account_id=outcome.account_id, entries=entries, reason=memo)
    reversed_request_ids = {e.request_id for e in entries if e.request_id}
    staff = []
    today = timezone.localdate()
    for request in affected_requests:
        if request.pk in reversed_request_ids:
            still_active = CreditEntry.objects.filter(
                request=request, reversed_by__isnull=True
            ).exclude(kind=CreditEntry.Kind.REVERSAL)
            from_status = request.status
            if not still_active.exists():
                request.status = RecognitionRequest.Status.REVERSED
                request.save(update_fields=["status", "updated_at"])
            _event(
                request,
                actor=actor,
                action=RequestEvent.Action.REVERSED,
                from_status=from_status,
                note=memo,
            )
            audit.log(actor, "creditbank.request.reversed", request, data={"outcome": outcome.pk})
            staff += [request.school_reviewer, request.final_approver]
            _notify_learner(request, "学分认定已冲正", memo)
        elif request.is_open:
            _save_lines(request, _evaluate(request, on=today))
    if entries and not reversed_request_ids:
        notification_send(recipient=outcome.account.user, title="学分流水已冲正", body=memo, url="")
    if reversals:
        learner_ids = list(
            Learner.objects.filter(account_id=outcome.account_id).values_list("pk", flat=True)
        )
        institutions = set(
            Learner.objects.filter(pk__in=learner_ids).values_list("institution_id", flat=True)
        )
        for institution_id in institutions:
            staff += _staff(Role.ACADEMIC_AFFAIRS, institution_id=institution_id)
        notifications_send(
            recipients=[u for u in staff if u is not None],
            title="学习成果撤销，已自动冲正",
            body=f"{outcome.account.name}：{memo}。冲正 {len(reversals)} 条流水。",
        )
        _revoke_transcripts(actor=actor, learner_ids=learner_ids, reason=memo)
        audit.log(
            actor,
            "creditbank.outcome.reversed",
            outcome,
            data={"reversed": [e.pk for e in entries], "reason": reason},
        )
    return reversals


def on_outcome_revoked(
    sender: object, *, actor: Actor, outcome: LearningOutcome, reason: str, **kwargs: object
) -> None:
    """Receiver of ``learners.signals.outcome_revoked`` (connected in ``apps.ready``)."""
    outcome_revoked(actor=actor, outcome=outcome, reason=reason)
