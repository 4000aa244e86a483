"""Pilot majors, work tasks and their milestones (试点专业、工作任务与进度)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xbank.accounts.models import Role
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor
from xbank.orgs.models import Department, Institution, Major

from ..errors import (
    ERR_EVIDENCE_SIZE,
    ERR_EVIDENCE_TYPE,
    ERR_MILESTONE_DONE,
    ERR_MILESTONE_NOT_DONE,
    ERR_NO_CERTIFICATE,
    ERR_NO_LEAD,
    ERR_PILOT_MAJOR_EXISTS,
    ERR_PROGRESS_BACKWARDS,
    ERR_PROGRESS_RANGE,
    ERR_REASON_REQUIRED,
    ERR_TASK_NUMBER_TAKEN,
)
from ..models import (
    Milestone,
    MilestoneEvidence,
    PilotMajor,
    WorkTask,
)
from .common import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_MB,
    _ensure_may,
    _not_future,
    _same_institution,
    _signatory,
)

# --- Pilot majors (试点专业) -------------------------------------------------------------------


@transaction.atomic
def pilot_major_create(
    *,
    actor: Actor,
    major: Major,
    certificate_types: Iterable[CertificateType],
    start_year: int,
    lead_name: str = "",
    note: str = "",
) -> PilotMajor:
    _ensure_may(actor, lambda scope: scope.covers_major(major, roles={Role.ACADEMIC_AFFAIRS}))
    certificate_types = list(certificate_types)
    if not certificate_types:
        raise ValidationError(ERR_NO_CERTIFICATE, code="no_certificate")
    if PilotMajor.objects.filter(major=major).exists():
        raise ValidationError(ERR_PILOT_MAJOR_EXISTS.format(major=major), code="exists")
    pilot = PilotMajor.objects.create(
        major=major, start_year=start_year, lead_name=lead_name.strip(), note=note.strip()
    )
    pilot.certificate_types.set(certificate_types)
    audit.log(
        actor,
        "pilot.pilot_major.created",
        pilot,
        data={"certificate_types": [ct.name for ct in certificate_types]},
    )
    return pilot


# --- Work tasks and milestones (工作任务与进度) -----------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    institution: Institution,
    number: int,
    title: str,
    content: str,
    lead_departments: Iterable[Department],
    implementing_departments: Iterable[Department] = (),
    schools_implement: bool = False,
    pilot_majors: Iterable[PilotMajor] = (),
) -> WorkTask:
    _ensure_may(actor, lambda scope: institution.pk in scope.institutions(Role.ACADEMIC_AFFAIRS))
    leads, implementers, pilots = (
        list(lead_departments),
        list(implementing_departments),
        list(pilot_majors),
    )
    if not leads:
        raise ValidationError(ERR_NO_LEAD, code="no_lead")
    _same_institution([*leads, *implementers], institution, lambda d: d.institution_id)
    _same_institution(pilots, institution, lambda p: p.major.institution_id)
    if WorkTask.objects.filter(institution=institution, number=number).exists():
        raise ValidationError(ERR_TASK_NUMBER_TAKEN.format(number=number), code="number_taken")
    task = WorkTask.objects.create(
        institution=institution,
        number=number,
        title=title.strip(),
        content=content.strip(),
        schools_implement=schools_implement,
    )
    task.lead_departments.set(leads)
    task.implementing_departments.set(implementers)
    task.pilot_majors.set(pilots)
    audit.log(
        actor,
        "pilot.task.created",
        task,
        data={
            "lead": [d.name for d in leads],
            "implementing": [d.name for d in implementers],
            "schools_implement": schools_implement,
            "pilot_majors": [str(p) for p in pilots],
        },
    )
    return task


@transaction.atomic
def milestone_create(
    *, actor: Actor, task: WorkTask, title: str, due_on: datetime.date, note: str = ""
) -> Milestone:
    _ensure_may(actor, lambda scope: scope.manages_task(task))
    milestone = Milestone.objects.create(
        task=task, title=title.strip(), due_on=due_on, note=note.strip()
    )
    audit.log(actor, "pilot.milestone.created", milestone, data={"due_on": due_on.isoformat()})
    return milestone


@transaction.atomic
def milestone_report(
    *,
    actor: Actor,
    milestone: Milestone,
    progress: int,
    note: str = "",
    completed_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
) -> Milestone:
    """Report progress (进度): 1–99 % is in progress, 100 % is done on ``completed_on`` (today
    by default), with an optional evidence file. Progress never goes back; a done milestone
    must be reopened first."""
    _ensure_may(actor, lambda scope: scope.reports_on_task(milestone.task))
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.status == Milestone.Status.DONE:
        raise ValidationError(ERR_MILESTONE_DONE, code="done")
    if not 0 <= progress <= 100:
        raise ValidationError(ERR_PROGRESS_RANGE, code="progress_range")
    if progress < m.progress:
        raise ValidationError(
            ERR_PROGRESS_BACKWARDS.format(current=m.progress), code="progress_backwards"
        )
    before = {"status": m.status, "progress": m.progress}
    m.progress = progress
    if progress == 100:
        m.status = Milestone.Status.DONE
        m.completed_on = _not_future(completed_on or timezone.localdate())
    elif progress > 0:
        m.status = Milestone.Status.IN_PROGRESS
    if note.strip():
        m.note = note.strip()
    m.save(update_fields=["progress", "status", "completed_on", "note", "updated_at"])
    if evidence is not None:
        evidence_add(actor=actor, milestone=m, file=evidence)
    audit.log(
        actor,
        "pilot.milestone.completed"
        if m.status == Milestone.Status.DONE
        else "pilot.milestone.progress_reported",
        m,
        data={
            "from": before,
            "to": {"status": m.status, "progress": m.progress},
            "completed_on": m.completed_on.isoformat() if m.completed_on else None,
            "note": note.strip(),
        },
    )
    milestone.refresh_from_db()
    return m


@transaction.atomic
def milestone_reopen(*, actor: Actor, milestone: Milestone, reason: str) -> Milestone:
    """A done milestone back in progress (e.g. its evidence was found wanting)."""
    _ensure_may(actor, lambda scope: scope.manages_task(milestone.task))
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason_required")
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.status != Milestone.Status.DONE:
        raise ValidationError(ERR_MILESTONE_NOT_DONE, code="not_done")
    m.status = Milestone.Status.IN_PROGRESS
    m.progress = 99
    m.completed_on = None
    m.save(update_fields=["status", "progress", "completed_on", "updated_at"])
    audit.log(actor, "pilot.milestone.reopened", m, data={"reason": reason.strip()})
    milestone.refresh_from_db()
    return m


@transaction.atomic
def evidence_add(*, actor: Actor, milestone: Milestone, file: UploadedFile) -> MilestoneEvidence:
    _ensure_may(actor, lambda scope: scope.reports_on_task(milestone.task))
    name = PurePath(file.name or "").name[:200]
    ext = PurePath(name).suffix.lower()
    if ext not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            ERR_EVIDENCE_TYPE.format(ext=ext or "?", allowed=" ".join(EVIDENCE_EXTENSIONS)),
            code="evidence_type",
        )
    if (file.size or 0) > EVIDENCE_MAX_MB * 1024 * 1024:
        raise ValidationError(ERR_EVIDENCE_SIZE.format(mb=EVIDENCE_MAX_MB), code="evidence_size")
    evidence = MilestoneEvidence(milestone=milestone, name=name, uploaded_by=_signatory(actor))
    evidence.file.save(name, file, save=False)
    evidence.save()
    audit.log(actor, "pilot.milestone.evidence_added", milestone, data={"file": name})
    return evidence
