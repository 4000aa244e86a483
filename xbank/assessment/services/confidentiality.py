"""The confidentiality record (保密记录) of a session: signed steps and incidents (seed 四(三)3)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xbank.audit import services as audit
from xbank.core.actors import Actor

from ..errors import (
    ERR_COUNTERSIGN_SELF,
    ERR_INCIDENT_RESOLVED,
    ERR_STEP_COUNTERSIGNED,
    ERR_STEP_DONE,
    ERR_STEP_ORDER,
    MISSING_COUNTERSIGN,
    MISSING_INCIDENT,
    MISSING_STEP,
)
from ..models import (
    ConfidentialityStep,
    ExamSession,
    SessionIncident,
)
from ..rules import (
    CONFIDENTIALITY_STATUSES,
    STEP_ORDER,
    status_error,
)
from .common import _lock_session, _require_session_person

Step = ConfidentialityStep.Step


def confidentiality_missing(session: ExamSession) -> list[str]:
    """What the confidentiality record (保密记录) still lacks, in Chinese; empty when complete:
    every step signed by one person and countersigned by another, every incident handled."""
    steps = {s.step: s for s in session.confidentiality_steps.all()}
    missing = []
    for step in Step:
        recorded = steps.get(step.value)
        if recorded is None:
            missing.append(MISSING_STEP.format(step=step.label))
        elif not recorded.is_complete:
            missing.append(MISSING_COUNTERSIGN.format(step=step.label))
    open_incidents = sum(1 for incident in session.incidents.all() if not incident.is_resolved)
    if open_incidents:
        missing.append(MISSING_INCIDENT.format(count=open_incidents))
    return missing


@transaction.atomic
def confidentiality_sign(
    *, actor: Actor, session: ExamSession, step: str, done_at: datetime.datetime, notes: str = ""
) -> ConfidentialityStep:
    """Record a step of the confidentiality record (保密记录) as its first signer; papers are
    received, then opened, then the answer sheets sealed. A person signs: staff who run the
    session or one of its examiners."""
    session = _lock_session(session)
    signer = _require_session_person(actor, session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise status_error(session, "记录保密环节")
    kind = Step(step)
    label = kind.label
    done = set(session.confidentiality_steps.values_list("step", flat=True))
    if step in done:
        raise ValidationError(ERR_STEP_DONE.format(step=label), code="step_done")
    if kind in STEP_ORDER:
        index = STEP_ORDER.index(kind)
        if index and STEP_ORDER[index - 1] not in done:
            raise ValidationError(
                ERR_STEP_ORDER.format(previous=STEP_ORDER[index - 1].label), code="step_order"
            )
    record = ConfidentialityStep.objects.create(
        session=session, step=step, done_at=done_at, notes=notes, signed_by=signer
    )
    audit.log(actor, "assessment.confidentiality.signed", record, data={"step": step})
    return record


@transaction.atomic
def confidentiality_countersign(*, actor: Actor, step: ConfidentialityStep) -> ConfidentialityStep:
    """The second signature of a step, by someone other than the first signer."""
    step = ConfidentialityStep.objects.select_for_update().get(pk=step.pk)
    signer = _require_session_person(actor, step.session)
    label = step.get_step_display()
    if step.countersigned_by_id is not None:
        raise ValidationError(
            ERR_STEP_COUNTERSIGNED.format(step=label, name=step.countersigned_by),
            code="countersigned",
        )
    if step.signed_by_id == signer.pk:
        raise ValidationError(ERR_COUNTERSIGN_SELF.format(step=label), code="same_person")
    session = _lock_session(step.session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise status_error(session, "复核保密环节")
    step.countersigned_by = signer
    step.countersigned_at = timezone.now()
    step.save(update_fields=["countersigned_by", "countersigned_at"])
    audit.log(actor, "assessment.confidentiality.countersigned", step, data={"step": step.step})
    return step


@transaction.atomic
def incident_report(
    *, actor: Actor, session: ExamSession, occurred_at: datetime.datetime, description: str
) -> SessionIncident:
    session = _lock_session(session)
    reporter = _require_session_person(actor, session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise status_error(session, "记录异常情况")
    incident = SessionIncident.objects.create(
        session=session, occurred_at=occurred_at, description=description, reported_by=reporter
    )
    audit.log(actor, "assessment.incident.reported", incident)
    return incident


@transaction.atomic
def incident_resolve(*, actor: Actor, incident: SessionIncident, handling: str) -> SessionIncident:
    incident = SessionIncident.objects.select_for_update().get(pk=incident.pk)
    resolver = _require_session_person(actor, incident.session)
    if incident.is_resolved:
        raise ValidationError(ERR_INCIDENT_RESOLVED, code="resolved")
    incident.handling = handling
    incident.resolved_by = resolver
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["handling", "resolved_by", "resolved_at"])
    audit.log(actor, "assessment.incident.resolved", incident)
    return incident
