"""Examiner qualifications (考评员资格) and the examiners of a session's rooms.

Each room of a scheduled session has at least two examiners qualified for the certificate type
and level on the session date, and an examiner never assesses a candidate whose training
program they taught (invariant 7).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xbank.accounts.models import User
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor
from xbank.orgs.models import Institution
from xbank.training.models import TrainingProgram
from xbank.training.selectors import program_instructor_ids

from ..errors import (
    ERR_DATES,
    ERR_EXAMINER_LAST,
    ERR_EXAMINER_TAUGHT,
    ERR_EXAMINER_TWICE,
    ERR_NO_QUALIFICATION,
    ERR_QUALIFICATION_EXPIRED,
    ERR_QUALIFICATION_LEVEL,
    ERR_QUALIFICATION_NOT_YET,
)
from ..models import (
    MIN_EXAMINERS_PER_ROOM,
    Candidate,
    ExaminerQualification,
    ExamSession,
    SessionExaminer,
    SessionRoom,
    level_covers,
)
from ..rules import (
    check_level,
    level_label,
    status_error,
)
from .common import _assign, _lock_session, _require_manage, _require_qualifications

Status = ExamSession.Status


@transaction.atomic
def qualification_create(
    *,
    actor: Actor,
    user: User,
    institution: Institution,
    certificate_type: CertificateType,
    level: str,
    certificate_no: str,
    issuer: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> ExaminerQualification:
    """Register an examiner qualification (考评员资格) of a teacher or an external examiner."""
    _require_qualifications(actor, institution.pk)
    if valid_until < valid_from:
        raise ValidationError(ERR_DATES, code="dates")
    if level:
        check_level(certificate_type, level)
    qualification = ExaminerQualification.objects.create(
        user=user,
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        certificate_no=certificate_no,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    audit.log(actor, "assessment.qualification.created", qualification)
    return qualification


QUALIFICATION_FIELDS = ("level", "certificate_no", "issuer", "valid_from", "valid_until")


@transaction.atomic
def qualification_update(
    *, actor: Actor, qualification: ExaminerQualification, **values: Any
) -> ExaminerQualification:
    """Correct or renew a qualification. Sessions already scheduled keep their examiners; the
    new dates count from the next check (scheduling, score entry)."""
    qualification = ExaminerQualification.objects.select_for_update().get(pk=qualification.pk)
    _require_qualifications(actor, qualification.institution_id)
    valid_from = values.get("valid_from", qualification.valid_from)
    valid_until = values.get("valid_until", qualification.valid_until)
    if valid_until < valid_from:
        raise ValidationError(ERR_DATES, code="dates")
    if values.get("level"):
        check_level(qualification.certificate_type, values["level"])
    changed = _assign(qualification, QUALIFICATION_FIELDS, values)
    if changed:
        qualification.save(update_fields=list(changed))
        audit.log(
            actor, "assessment.qualification.updated", qualification, data={"changed": changed}
        )
    return qualification


def qualification_problem(
    *, examiner: User, session: ExamSession
) -> tuple[ExaminerQualification | None, str]:
    """The examiner's qualification valid for the session, or None and the reason in Chinese.

    Of several qualifications for the type, the reason names the most telling one: a wrong
    level before an expired or not-yet-valid one."""
    name = str(examiner)
    certificate = session.certificate_type.name
    held = list(
        ExaminerQualification.objects.filter(
            user=examiner, certificate_type_id=session.certificate_type_id
        ).order_by("-valid_until", "-id")
    )
    for qualification in held:
        if qualification.covers(
            certificate_type_id=session.certificate_type_id, level=session.level, day=session.date
        ):
            return qualification, ""
    if not held:
        return None, ERR_NO_QUALIFICATION.format(name=name, certificate=certificate)
    right_level = [q for q in held if level_covers(q.level, session.level)]
    if not right_level:
        return None, ERR_QUALIFICATION_LEVEL.format(
            name=name,
            certificate=certificate,
            held="、".join(level_label(q.level) or "（未填）" for q in held),
            required=level_label(session.level),
        )
    qualification = right_level[0]
    if qualification.valid_until < session.date:
        return None, ERR_QUALIFICATION_EXPIRED.format(
            name=name,
            certificate=certificate,
            number=qualification.certificate_no,
            until=qualification.valid_until,
            date=session.date,
        )
    return None, ERR_QUALIFICATION_NOT_YET.format(
        name=name,
        certificate=certificate,
        number=qualification.certificate_no,
        since=qualification.valid_from,
        date=session.date,
    )


def _instructor_ids(program: TrainingProgram, cache: dict[int, set[int]] | None = None) -> set[int]:
    if cache is None:
        return set(program_instructor_ids(program=program))
    if program.pk not in cache:
        cache[program.pk] = set(program_instructor_ids(program=program))
    return cache[program.pk]


def _taught_conflict(
    examiner_ids: set[int], candidates: Iterable[Candidate]
) -> tuple[int, Candidate, TrainingProgram] | None:
    """(examiner id, candidate, program) for the first candidate whose training program was
    taught by one of the examiners; None if there is none."""
    cache: dict[int, set[int]] = {}
    for candidate in candidates:
        enrollment = candidate.enrollment if candidate.enrollment_id is not None else None
        if enrollment is None:
            continue
        program = enrollment.program
        taught = _instructor_ids(program, cache) & examiner_ids
        if taught:
            return min(taught), candidate, program
    return None


@transaction.atomic
def session_examiner_add(
    *, actor: Actor, session_room: SessionRoom, examiner: User
) -> SessionExaminer:
    """Assign an examiner to a room: qualified for the type and level on the session date
    (invariant 7), in one room of the session only, and not the instructor of any candidate
    already seated there."""
    session = _lock_session(session_room.session)
    _require_manage(actor, session.institution_id)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise status_error(session, "安排考评员")
    qualification, problem = qualification_problem(examiner=examiner, session=session)
    if qualification is None:
        raise ValidationError(problem, code="not_qualified")
    existing = (
        SessionExaminer.objects.filter(session=session, examiner=examiner)
        .select_related("session_room__room__site")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            ERR_EXAMINER_TWICE.format(name=examiner, room=existing.session_room.room),
            code="examiner_twice",
        )
    seated = session_room.candidates.select_related("account", "enrollment__program")
    conflict = _taught_conflict({examiner.pk}, seated)
    if conflict is not None:
        _, candidate, program = conflict
        raise ValidationError(
            ERR_EXAMINER_TAUGHT.format(
                examiner=examiner, candidate=candidate.account.name, program=program.title
            ),
            code="taught",
        )
    assignment = SessionExaminer.objects.create(
        session=session, session_room=session_room, examiner=examiner, qualification=qualification
    )
    audit.log(
        actor,
        "assessment.session.examiner_added",
        session,
        data={
            "examiner": examiner.pk,
            "room": session_room.room_id,
            "qualification": qualification.pk,
        },
    )
    return assignment


def _qualified_count(
    session_room: SessionRoom, session: ExamSession, exclude: SessionExaminer | None = None
) -> int:
    count = 0
    for assignment in session_room.examiners.select_related("qualification"):
        if exclude is not None and assignment.pk == exclude.pk:
            continue
        if assignment.qualification.covers(
            certificate_type_id=session.certificate_type_id, level=session.level, day=session.date
        ):
            count += 1
    return count


@transaction.atomic
def session_examiner_remove(*, actor: Actor, assignment: SessionExaminer) -> None:
    session = _lock_session(assignment.session)
    _require_manage(actor, session.institution_id)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise status_error(session, "调整考评员")
    if session.status == Status.SCHEDULED:
        remaining = _qualified_count(assignment.session_room, session, exclude=assignment)
        if remaining < MIN_EXAMINERS_PER_ROOM:
            raise ValidationError(
                ERR_EXAMINER_LAST.format(
                    room=assignment.session_room.room, min=MIN_EXAMINERS_PER_ROOM
                ),
                code="examiner_last",
            )
    audit.log(
        actor,
        "assessment.session.examiner_removed",
        session,
        data={"examiner": assignment.examiner_id, "room": assignment.session_room.room_id},
    )
    assignment.delete()
