"""Candidates (考生): sign-up, seats and admission tickets (准考证).

A room never holds more candidates than its seats, even under concurrent sign-up: the session
row is locked while a seat is chosen, and seat numbers are unique per room (invariant 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from xbank.audit import services as audit
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import Actor
from xbank.learners.models import LearningAccount
from xbank.training.models import Enrollment, TrainingProgram
from xbank.training.selectors import enrollments_approved
from xbank.verify import services as verify_services
from xbank.verify.models import Credential

from ..errors import (
    ERR_ALREADY_CANDIDATE,
    ERR_CANDIDATE_HAS_RESULT,
    ERR_ENROLLMENT_NOT_APPROVED,
    ERR_ENROLLMENT_OTHER_CERTIFICATE,
    ERR_ENROLLMENT_OTHER_PERSON,
    ERR_NO_SEAT_WITHOUT_CONFLICT,
    ERR_SESSION_FULL,
)
from ..models import (
    Candidate,
    ExamResult,
    ExamSession,
    SessionExaminer,
    SessionRoom,
)
from ..rules import (
    status_error,
    ticket_details,
    ticket_number,
)
from .common import _lock_session, _person, _require_manage
from .examiners import _instructor_ids

Status = ExamSession.Status


def _check_enrollment(
    session: ExamSession, account: LearningAccount, enrollment: Enrollment
) -> None:
    program = enrollment.program
    if enrollment.account_id != account.pk:
        raise ValidationError(ERR_ENROLLMENT_OTHER_PERSON, code="enrollment")
    if program.certificate_type_id != session.certificate_type_id:
        raise ValidationError(
            ERR_ENROLLMENT_OTHER_CERTIFICATE.format(program=program.title), code="enrollment"
        )
    if not enrollments_approved(program=program).filter(pk=enrollment.pk).exists():
        raise ValidationError(
            ERR_ENROLLMENT_NOT_APPROVED.format(name=account.name, program=program.title),
            code="enrollment",
        )


def _choose_seat(
    session: ExamSession, account: LearningAccount, enrollment: Enrollment | None
) -> tuple[SessionRoom, int]:
    """(session room, seat number): the first room in order with a free seat whose examiners
    did not teach the candidate's program, and its lowest free seat."""
    rooms = list(session.session_rooms.order_by("position"))
    taken: dict[int, set[int]] = {room.pk: set() for room in rooms}
    for room_id, seat in Candidate.objects.filter(session=session).values_list(
        "session_room_id", "seat_no"
    ):
        taken[room_id].add(seat)
    instructors = _instructor_ids(enrollment.program) if enrollment is not None else set()
    barred: set[int] = set()
    if instructors:
        barred = set(
            SessionExaminer.objects.filter(
                session=session, examiner_id__in=instructors
            ).values_list("session_room_id", flat=True)
        )
    for room in rooms:
        if len(taken[room.pk]) >= room.seats or room.pk in barred:
            continue
        seat = next(n for n in range(1, room.seats + 1) if n not in taken[room.pk])
        return room, seat
    # A free seat left over means every free one is watched by the candidate's instructor.
    if enrollment is not None and any(len(taken[room.pk]) < room.seats for room in rooms):
        raise ValidationError(
            ERR_NO_SEAT_WITHOUT_CONFLICT.format(
                name=account.name, program=enrollment.program.title
            ),
            code="taught",
        )
    raise ValidationError(
        ERR_SESSION_FULL.format(seats=sum(room.seats for room in rooms)), code="full"
    )


@transaction.atomic
def candidate_add(
    *,
    actor: Actor,
    session: ExamSession,
    account: LearningAccount,
    enrollment: Enrollment | None = None,
) -> Candidate:
    """Sign a person up for a session (报考): from an approved training enrollment, or directly
    with their learning account. Seats them in the first room with a free seat whose examiners
    did not teach them, issues the admission ticket (准考证) as a verifiable credential.

    The session row is locked while the seat is chosen, so concurrent sign-ups queue and a room
    never takes more candidates than its seats (invariant 6)."""
    session = _lock_session(session)
    _require_manage(actor, session.institution_id)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise status_error(session, "报考")
    ensure_certificate_active(session.certificate_type)
    if enrollment is not None:
        _check_enrollment(session, account, enrollment)
    if Candidate.objects.filter(session=session, account=account).exists():
        raise ValidationError(ERR_ALREADY_CANDIDATE.format(name=account.name), code="duplicate")
    session_room, seat = _choose_seat(session, account, enrollment)
    candidate = Candidate.objects.create(
        session=session,
        account=account,
        source=Candidate.Source.ENROLLMENT if enrollment is not None else Candidate.Source.DIRECT,
        enrollment=enrollment,
        session_room=session_room,
        seat_no=seat,
        ticket_no=ticket_number(session, session_room, seat),
        created_by=_person(actor),
    )
    candidate.ticket_credential = verify_services.credential_issue(
        actor=actor,
        kind=Credential.Kind.ADMISSION_TICKET,
        title=f"准考证 · {session.certificate_label}",
        holder_name=account.name,
        issuer=session.institution.name,
        details=ticket_details(candidate),
        source=candidate,
    )
    candidate.save(update_fields=["ticket_credential"])
    audit.log(
        actor,
        "assessment.candidate.added",
        candidate,
        data={
            "session": session.pk,
            "account": account.pk,
            "enrollment": enrollment.pk if enrollment is not None else None,
            "ticket_no": candidate.ticket_no,
        },
    )
    return candidate


@dataclass
class SignUpReport:
    added: list[Candidate] = field(default_factory=list)
    already: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


@transaction.atomic
def candidates_add_from_program(
    *, actor: Actor, session: ExamSession, program: TrainingProgram
) -> SignUpReport:
    """Sign up every approved enrollment of a training program not yet a candidate; those who
    cannot be seated are listed with the reason, the others are added."""
    _require_manage(actor, session.institution_id)
    report = SignUpReport()
    known = set(Candidate.objects.filter(session=session).values_list("account_id", flat=True))
    for enrollment in enrollments_approved(program=program).select_related("account", "program"):
        if enrollment.account_id in known:
            report.already += 1
            continue
        try:
            with transaction.atomic():
                report.added.append(
                    candidate_add(
                        actor=actor,
                        session=session,
                        account=enrollment.account,
                        enrollment=enrollment,
                    )
                )
        except ValidationError as exc:
            report.refused.append((enrollment.account.name, " ".join(exc.messages)))
        known.add(enrollment.account_id)
    return report


@transaction.atomic
def candidate_remove(*, actor: Actor, candidate: Candidate, reason: str = "") -> None:
    session = _lock_session(candidate.session)
    _require_manage(actor, session.institution_id)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise status_error(session, "移出考生")
    if ExamResult.objects.filter(candidate=candidate).exists():
        raise ValidationError(
            ERR_CANDIDATE_HAS_RESULT.format(name=candidate.account.name), code="has_result"
        )
    if candidate.ticket_credential is not None:
        verify_services.credential_revoke(
            actor=actor, credential=candidate.ticket_credential, reason="考生已移出考核批次"
        )
    audit.log(
        actor,
        "assessment.candidate.removed",
        candidate,
        data={
            "session": session.pk,
            "account": candidate.account_id,
            "ticket_no": candidate.ticket_no,
            "reason": reason,
        },
    )
    candidate.delete()
