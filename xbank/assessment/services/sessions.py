"""Assessment sessions (考核批次): rooms, scheduling and the status from draft to published.

A room is used only while its standardisation certification (标准化考场) covers the session
date (invariant 6); results are published only once the confidentiality record is complete
(seed 四(三)3).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xbank.accounts.notifications import notifications_send
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import Actor
from xbank.orgs.models import Institution
from xbank.verify import services as verify_services

from ..errors import (
    ERR_CONFIDENTIALITY_INCOMPLETE,
    ERR_NO_ROOMS,
    ERR_NOT_YET,
    ERR_RESULTS_INCOMPLETE,
    ERR_ROOM_BUSY,
    ERR_ROOM_CERTIFICATION_LAPSED,
    ERR_ROOM_CERTIFICATION_NOT_YET,
    ERR_ROOM_HAS_CANDIDATES,
    ERR_ROOM_INACTIVE,
    ERR_ROOM_NOT_CERTIFIED,
    ERR_ROOM_OTHER_INSTITUTION,
    ERR_ROOM_TWICE,
    ERR_SEATS,
    ERR_TOO_FEW_EXAMINERS,
    ERR_TOO_MANY_ROOMS,
    NOTIFY_PUBLISHED,
)
from ..models import (
    MAX_ROOMS_PER_SESSION,
    MIN_EXAMINERS_PER_ROOM,
    ExamRoom,
    ExamSession,
    SessionRoom,
)
from ..rules import (
    check_level,
    status_error,
)
from .common import _assign, _lock_session, _person, _require_manage
from .confidentiality import confidentiality_missing
from .examiners import _qualified_count

Status = ExamSession.Status


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    institution: Institution,
    certificate_type: CertificateType,
    level: str,
    title: str,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    notes: str = "",
) -> ExamSession:
    """A new session (考核批次) in draft; a cancelled certificate type gets none (invariant 5)."""
    _require_manage(actor, institution.pk)
    ensure_certificate_active(certificate_type)
    check_level(certificate_type, level)
    session = ExamSession.objects.create(
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        notes=notes,
        created_by=_person(actor),
    )
    audit.log(actor, "assessment.session.created", session)
    return session


SESSION_FIELDS = ("title", "date", "start_time", "end_time", "notes")


@transaction.atomic
def session_update(*, actor: Actor, session: ExamSession, **values: Any) -> ExamSession:
    """Edit a draft session; rooms and examiners are checked against the new date when it is
    scheduled."""
    session = _lock_session(session)
    _require_manage(actor, session.institution_id)
    if session.status != Status.DRAFT:
        raise status_error(session, "修改")
    changed = _assign(session, SESSION_FIELDS, values)
    if changed:
        session.save(update_fields=list(changed))
        audit.log(actor, "assessment.session.updated", session, data={"changed": changed})
    return session


def _room_problem(room: ExamRoom, session: ExamSession) -> str:
    """Why the room cannot host the session, or "": its institution, its standardisation
    certification on the session date, and other sessions at the same time."""
    if room.site.institution_id != session.institution_id:
        return ERR_ROOM_OTHER_INSTITUTION.format(room=room, institution=session.institution)
    if not room.is_active or not room.site.is_active:
        return ERR_ROOM_INACTIVE.format(room=room)
    if room.certified_until is None:
        return ERR_ROOM_NOT_CERTIFIED.format(room=room)
    if session.date > room.certified_until:
        return ERR_ROOM_CERTIFICATION_LAPSED.format(
            room=room, until=room.certified_until, date=session.date
        )
    if room.certified_on is not None and session.date < room.certified_on:
        return ERR_ROOM_CERTIFICATION_NOT_YET.format(
            room=room, since=room.certified_on, date=session.date
        )
    other = (
        SessionRoom.objects.filter(
            room=room,
            session__date=session.date,
            session__start_time__lt=session.end_time,
            session__end_time__gt=session.start_time,
        )
        .exclude(session=session)
        .exclude(session__status=Status.CANCELLED)
        .select_related("session")
        .first()
    )
    if other is not None:
        return ERR_ROOM_BUSY.format(room=room, date=session.date, other=other.session.title)
    return ""


@transaction.atomic
def session_room_add(
    *, actor: Actor, session: ExamSession, room: ExamRoom, seats: int | None = None
) -> SessionRoom:
    """Use a room for a session, with all its seats or fewer."""
    session = _lock_session(session)
    _require_manage(actor, session.institution_id)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise status_error(session, "安排考场")
    room = ExamRoom.objects.select_related("site").get(pk=room.pk)
    if SessionRoom.objects.filter(session=session, room=room).exists():
        raise ValidationError(ERR_ROOM_TWICE.format(room=room), code="room_twice")
    problem = _room_problem(room, session)
    if problem:
        raise ValidationError(problem, code="room")
    seats = room.capacity if seats is None else seats
    if not 1 <= seats <= room.capacity:
        raise ValidationError(ERR_SEATS.format(capacity=room.capacity), code="seats")
    position = (session.session_rooms.aggregate(n=Max("position"))["n"] or 0) + 1
    if position > MAX_ROOMS_PER_SESSION:
        raise ValidationError(ERR_TOO_MANY_ROOMS.format(max=MAX_ROOMS_PER_SESSION))
    session_room = SessionRoom.objects.create(
        session=session, room=room, position=position, seats=seats
    )
    audit.log(
        actor,
        "assessment.session.room_added",
        session,
        data={"room": room.pk, "seats": seats, "position": position},
    )
    return session_room


@transaction.atomic
def session_room_remove(*, actor: Actor, session_room: SessionRoom) -> None:
    session = _lock_session(session_room.session)
    _require_manage(actor, session.institution_id)
    if session.status != Status.DRAFT:
        raise status_error(session, "移出考场")
    if session_room.candidates.exists():
        raise ValidationError(
            ERR_ROOM_HAS_CANDIDATES.format(room=session_room.room), code="has_candidates"
        )
    audit.log(
        actor, "assessment.session.room_removed", session, data={"room": session_room.room_id}
    )
    session_room.delete()


def session_problems(session: ExamSession) -> list[str]:
    """Everything that keeps a session from being scheduled (shown on its page, refused by
    ``session_schedule``)."""
    problems = []
    if session.certificate_type.is_cancelled:
        try:
            ensure_certificate_active(session.certificate_type)
        except ValidationError as exc:
            problems.extend(exc.messages)
    rooms = list(session.session_rooms.select_related("room__site"))
    if not rooms:
        problems.append(ERR_NO_ROOMS)
    for session_room in rooms:
        problem = _room_problem(session_room.room, session)
        if problem:
            problems.append(problem)
        count = _qualified_count(session_room, session)
        if count < MIN_EXAMINERS_PER_ROOM:
            problems.append(
                ERR_TOO_FEW_EXAMINERS.format(
                    room=session_room.room,
                    count=count,
                    date=session.date,
                    certificate=session.certificate_label,
                    min=MIN_EXAMINERS_PER_ROOM,
                )
            )
    return problems


def _transition(
    actor: Actor, session: ExamSession, allowed: tuple[str, ...], action: str
) -> ExamSession:
    """The session locked, if the actor runs it and its status allows the action."""
    session = _lock_session(session)
    _require_manage(actor, session.institution_id)
    if session.status not in allowed:
        raise status_error(session, action)
    return session


def _save_status(
    actor: Actor,
    session: ExamSession,
    old: str,
    fields: Sequence[str] = (),
    data: dict[str, Any] | None = None,
) -> ExamSession:
    session.save(update_fields=["status", *fields])
    audit.log(
        actor,
        f"assessment.session.{session.status}",
        session,
        data={"from": old, **(data or {})},
    )
    return session


@transaction.atomic
def session_schedule(*, actor: Actor, session: ExamSession) -> ExamSession:
    """草稿 → 已排考: every room certified on the date, free at that time, and watched by at
    least two qualified examiners; the certificate type still active."""
    session = _transition(actor, session, (Status.DRAFT,), "排考")
    problems = session_problems(session)
    if problems:
        raise ValidationError(problems, code="not_schedulable")
    old, session.status = session.status, Status.SCHEDULED
    return _save_status(actor, session, old)


@transaction.atomic
def session_unschedule(*, actor: Actor, session: ExamSession) -> ExamSession:
    """已排考 → 草稿, to change the date or the rooms."""
    session = _transition(actor, session, (Status.SCHEDULED,), "退回草稿")
    old, session.status = session.status, Status.DRAFT
    return _save_status(actor, session, old)


@transaction.atomic
def session_start(*, actor: Actor, session: ExamSession) -> ExamSession:
    """已排考 → 考核中, on or after the session date; the rules of scheduling are checked again
    (a qualification or a room certification may have been edited since)."""
    session = _transition(actor, session, (Status.SCHEDULED,), "开始考核")
    if timezone.localdate() < session.date:
        raise ValidationError(ERR_NOT_YET.format(date=session.date), code="not_yet")
    problems = session_problems(session)
    if problems:
        raise ValidationError(problems, code="not_schedulable")
    old, session.status = session.status, Status.IN_PROGRESS
    return _save_status(actor, session, old)


@transaction.atomic
def session_finish_scoring(*, actor: Actor, session: ExamSession) -> ExamSession:
    """考核中 → 已评分, once every candidate has both scores or is marked absent."""
    session = _transition(actor, session, (Status.IN_PROGRESS,), "结束评分")
    incomplete = sum(
        1
        for candidate in session.candidates.select_related("result")
        if not hasattr(candidate, "result") or not candidate.result.is_complete
    )
    if incomplete:
        raise ValidationError(ERR_RESULTS_INCOMPLETE.format(count=incomplete), code="incomplete")
    old, session.status = session.status, Status.SCORED
    return _save_status(actor, session, old)


@transaction.atomic
def session_reopen_scoring(*, actor: Actor, session: ExamSession) -> ExamSession:
    """已评分 → 考核中, to correct a result before publication."""
    session = _transition(actor, session, (Status.SCORED,), "重新评分")
    old, session.status = session.status, Status.IN_PROGRESS
    return _save_status(actor, session, old)


@transaction.atomic
def session_publish(*, actor: Actor, session: ExamSession) -> ExamSession:
    """已评分 → 成绩已发布: only with a complete confidentiality record. Candidates with a login
    are told in-app."""
    session = _transition(actor, session, (Status.SCORED,), "发布成绩")
    missing = confidentiality_missing(session)
    if missing:
        raise ValidationError(
            ERR_CONFIDENTIALITY_INCOMPLETE.format(missing="；".join(missing)),
            code="confidentiality",
        )
    old, session.status = session.status, Status.PUBLISHED
    session.published_at = timezone.now()
    _save_status(actor, session, old, fields=["published_at"])
    recipients = [
        candidate.account.user
        for candidate in session.candidates.select_related("account__user")
        if candidate.account.user_id
    ]
    notifications_send(
        recipients=recipients,
        title=NOTIFY_PUBLISHED.format(title=session.title),
        url=reverse("assessment:my-results"),
    )
    return session


@transaction.atomic
def session_cancel(*, actor: Actor, session: ExamSession, reason: str = "") -> ExamSession:
    """草稿/已排考 → 已取消; the admission tickets stop verifying as valid."""
    session = _transition(actor, session, (Status.DRAFT, Status.SCHEDULED), "取消")
    old, session.status = session.status, Status.CANCELLED
    _save_status(actor, session, old, data={"reason": reason})
    for candidate in session.candidates.select_related("ticket_credential"):
        if candidate.ticket_credential is not None:
            verify_services.credential_revoke(
                actor=actor, credential=candidate.ticket_credential, reason="考核批次已取消"
            )
    return session
