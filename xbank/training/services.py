"""Writes of training programs (培训项目), their sessions, announcements (培训公告), attendance
(出勤) and completion (结班).

Every write takes ``actor`` (``core.actors.Actor``): a person must run the program's
institution's training (继续教育学院, ``enrollments.require_manage``; attendance: also the
program's instructors), and only ``SYSTEM`` (the demo loader, commands) is let through, by
``is_system``.

Registrations (报名) and their seats are in ``enrollments``; every write here that can change
who holds a seat (changing the capacity, finishing) takes the same program lock first
(``lock_program``). The names of ``enrollments`` stay importable from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from xbank.accounts.models import User
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import Actor, is_system
from xbank.learners import services as learner_services
from xbank.learners.models import OutcomeKind
from xbank.orgs.models import Institution

from .enrollments import (  # noqa: F401
    ERR_CHECK_FIRST,
    ERR_CONSENT_REQUIRED,
    ERR_CONSENT_VERSION,
    ERR_DECIDE_STATUS,
    ERR_DUPLICATE,
    ERR_NO_ACCOUNT,
    ERR_NOT_ALLOWED,
    ERR_NOT_OPEN,
    ERR_PUBLIC_ONLY,
    ERR_STUDENTS_ONLY,
    ERR_WITHDRAW_STATUS,
    WITHDRAWABLE,
    enrollment_approve,
    enrollment_register_public,
    enrollment_register_staff,
    enrollment_register_student,
    enrollment_reject,
    enrollment_withdraw,
    enrollment_withdraw_by_link,
    enrollments_decide,
    fill_seats,
    lock_program,
    on_profile_change_accepted,
    person_or_none,
    require_manage,
    seated_count,
)
from .models import Announcement, Attendance, Enrollment, TrainingProgram, TrainingSession
from .selectors import can_take_attendance

ERR_TRANSITION = "培训项目当前状态为「{current}」，不能{action}"
ERR_LEVEL = "证书「{name}」没有「{level}」这一等级"
ERR_CAPACITY_BELOW_SEATED = "名额不能少于已占用的 {seated} 个"
ERR_FINISHED = "培训项目已结班，不能再修改"
ERR_ATTENDANCE_FINISHED = "培训项目已结班，出勤不能再修改"
ERR_ATTENDANCE_NOT_ENROLLED = "名单之外的人员不能登记出勤"
ERR_ATTENDANCE_FUTURE = "课次在 {date}，尚未开始，不能登记出勤"
ERR_NO_SESSIONS = "培训项目还没有课次，不能结班"
ERR_ANNOUNCEMENT_EMPTY = "公告至少要包含一个培训项目"
ERR_ANNOUNCEMENT_INSTITUTION = "公告只能包含本院校的培训项目"
ERR_ANNOUNCEMENT_PUBLISHED = "公告已发布"
ERR_SESSION_DATE = "课次日期应在开班和结班日期之间"

NOTE_UNDECIDED_AT_FINISH = "结班时仍未录取"


# --- Programs -----------------------------------------------------------------------------------

# action → (allowed from-states, to-state, label used in the error message)
TRANSITIONS = {
    "publish": (
        (TrainingProgram.Status.DRAFT,),
        TrainingProgram.Status.PUBLISHED,
        "发布",
    ),
    "open": (
        (TrainingProgram.Status.PUBLISHED, TrainingProgram.Status.CLOSED),
        TrainingProgram.Status.ENROLLING,
        "开始报名",
    ),
    "close": (
        (TrainingProgram.Status.ENROLLING,),
        TrainingProgram.Status.CLOSED,
        "截止报名",
    ),
    "finish": (
        (TrainingProgram.Status.CLOSED,),
        TrainingProgram.Status.FINISHED,
        "结班",
    ),
}


def _check_level(certificate_type: CertificateType, level: str) -> None:
    if level and certificate_type.levels and level not in certificate_type.levels:
        raise ValidationError(
            ERR_LEVEL.format(name=certificate_type.name, level=level), code="level"
        )


@transaction.atomic
def program_create(
    *,
    actor: Actor,
    institution: Institution,
    certificate_type: CertificateType,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    capacity: int,
    level: str = "",
    audience: str = "both",
    place_kind: str = "on_campus",
    place: str = "",
    fee: Decimal = Decimal("0"),
    partner: str = "",
    description: str = "",
    requires_approval: bool = True,
    completion_min_attendance: int = 80,
    instructors: Iterable[User] = (),
    code: str = "",
) -> TrainingProgram:
    """A new program, in draft. A cancelled certificate type (已取消) takes no new programs."""
    require_manage(actor, institution.pk)
    # Read under lock: a cancellation committed a moment ago (certificate_type_cancel locks the
    # same row) is seen, whatever the caller's copy says.
    certificate_type = CertificateType.objects.select_for_update().get(pk=certificate_type.pk)
    ensure_certificate_active(certificate_type)
    _check_level(certificate_type, level)
    program = TrainingProgram(
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        title=title,
        description=description,
        audience=audience,
        start_date=start_date,
        end_date=end_date,
        place_kind=place_kind,
        place=place,
        capacity=capacity,
        fee=fee,
        partner=partner,
        requires_approval=requires_approval,
        completion_min_attendance=completion_min_attendance,
        created_by=person_or_none(actor),
    )
    if code:
        program.code = code
    program.full_clean(exclude=["instructors", "created_by"])
    program.save()
    program.instructors.set(instructors)
    audit.log(actor, "training.program.created", program)
    return program


PROGRAM_EDITABLE = {
    "title",
    "description",
    "level",
    "audience",
    "start_date",
    "end_date",
    "place_kind",
    "place",
    "capacity",
    "fee",
    "partner",
    "requires_approval",
    "completion_min_attendance",
}


@transaction.atomic
def program_update(
    *,
    actor: Actor,
    program: TrainingProgram,
    instructors: Iterable[User] | None = None,
    **changes: Any,
) -> TrainingProgram:
    """Change a program's details. The capacity never drops below the seats already taken;
    raising it admits the first on the waitlist."""
    require_manage(actor, program.institution_id)
    unknown = set(changes) - PROGRAM_EDITABLE
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    program = lock_program(program)
    if program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(ERR_FINISHED, code="finished")
    before = {name: str(getattr(program, name)) for name in changes}
    for name, value in changes.items():
        setattr(program, name, value)
    _check_level(program.certificate_type, program.level)
    seated = seated_count(program)
    if program.capacity < seated:
        raise ValidationError(
            ERR_CAPACITY_BELOW_SEATED.format(seated=seated), code="capacity_below_seated"
        )
    program.full_clean(exclude=["instructors", "created_by"])
    program.save()
    if instructors is not None:
        program.instructors.set(instructors)
    fill_seats(program, actor=actor)
    audit.log(
        actor,
        "training.program.updated",
        program,
        data={
            "changed": {
                k: [before[k], str(getattr(program, k))]
                for k in changes
                if before[k] != str(getattr(program, k))
            }
        },
    )
    return program


@transaction.atomic
def program_transition(*, actor: Actor, program: TrainingProgram, action: str) -> TrainingProgram:
    """publish / open / close (finishing goes through ``program_finish``)."""
    require_manage(actor, program.institution_id)
    if action == "finish":
        return program_finish(actor=actor, program=program).program
    allowed, target, label = TRANSITIONS[action]
    program = lock_program(program)
    if program.status not in allowed:
        raise ValidationError(
            ERR_TRANSITION.format(current=program.get_status_display(), action=label),
            code="transition",
        )
    if action in ("publish", "open"):
        ensure_certificate_active(
            CertificateType.objects.select_for_update().get(pk=program.certificate_type_id)
        )
    before = program.status
    program.status = target
    program.save(update_fields=["status", "updated_at"])
    audit.log(
        actor, f"training.program.{action}", program, data={"from": before, "to": program.status}
    )
    return program


@transaction.atomic
def session_add(
    *,
    actor: Actor,
    program: TrainingProgram,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    topic: str,
    place: str = "",
) -> TrainingSession:
    require_manage(actor, program.institution_id)
    program = lock_program(program)
    if program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(ERR_FINISHED, code="finished")
    if not program.start_date <= date <= program.end_date:
        raise ValidationError(ERR_SESSION_DATE, code="session_date")
    session = TrainingSession(
        program=program,
        date=date,
        start_time=start_time,
        end_time=end_time,
        topic=topic,
        place=place,
    )
    session.full_clean()
    session.save()
    audit.log(actor, "training.session.added", session, data={"program": program.pk})
    return session


# --- Announcements ------------------------------------------------------------------------------


@transaction.atomic
def announcement_create(
    *,
    actor: Actor,
    institution: Institution,
    year: int,
    title: str,
    programs: Iterable[TrainingProgram],
    body: str = "",
    issue: int | None = None,
) -> Announcement:
    """A draft announcement; the issue number is the next of the year unless given."""
    require_manage(actor, institution.pk)
    programs = list(programs)
    if not programs:
        raise ValidationError(ERR_ANNOUNCEMENT_EMPTY, code="empty")
    if any(p.institution_id != institution.pk for p in programs):
        raise ValidationError(ERR_ANNOUNCEMENT_INSTITUTION, code="institution")
    if issue is None:
        # Lock the institution's announcements of the year so two drafts don't take one number.
        last = (
            Announcement.objects.select_for_update()
            .filter(institution=institution, year=year)
            .aggregate(n=Max("issue"))["n"]
        )
        issue = (last or 0) + 1
    announcement = Announcement.objects.create(
        institution=institution,
        year=year,
        issue=issue,
        title=title,
        body=body,
        created_by=person_or_none(actor),
    )
    announcement.programs.set(programs)
    audit.log(actor, "training.announcement.created", announcement)
    return announcement


@transaction.atomic
def announcement_publish(
    *, actor: Actor, announcement: Announcement, published_at: datetime.datetime | None = None
) -> Announcement:
    """Publish an announcement; its programs still in draft are published with it."""
    require_manage(actor, announcement.institution_id)
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status == Announcement.Status.PUBLISHED:
        raise ValidationError(ERR_ANNOUNCEMENT_PUBLISHED, code="published")
    for program in announcement.programs.filter(status=TrainingProgram.Status.DRAFT):
        program_transition(actor=actor, program=program, action="publish")
    announcement.status = Announcement.Status.PUBLISHED
    announcement.published_at = published_at or timezone.now()
    announcement.save(update_fields=["status", "published_at"])
    audit.log(actor, "training.announcement.published", announcement)
    return announcement


# --- Attendance and completion ------------------------------------------------------------------


@transaction.atomic
def attendance_record(*, actor: Actor, session: TrainingSession, present_ids: Iterable[int]) -> int:
    """Record who came to a session: every approved registration of the program gets a row,
    present when its id is in ``present_ids``. Returns the number present. The program's staff
    and its instructors take attendance."""
    program = lock_program(session.program)
    if not is_system(actor) and not can_take_attendance(actor, program):
        raise ValidationError(ERR_NOT_ALLOWED, code="forbidden")
    if program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(ERR_ATTENDANCE_FINISHED, code="finished")
    if session.date > timezone.localdate():
        raise ValidationError(
            ERR_ATTENDANCE_FUTURE.format(date=f"{session.date:%Y-%m-%d}"), code="future"
        )
    present = set(present_ids)
    roster = set(
        Enrollment.objects.filter(program=program, status=Enrollment.Status.APPROVED).values_list(
            "pk", flat=True
        )
    )
    if present - roster:
        raise ValidationError(ERR_ATTENDANCE_NOT_ENROLLED, code="not_enrolled")
    recorded_by = person_or_none(actor)
    existing = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    changed, new = [], []
    for enrollment_id in roster:
        flag = enrollment_id in present
        row = existing.get(enrollment_id)
        if row is None:
            new.append(
                Attendance(
                    session=session,
                    enrollment_id=enrollment_id,
                    present=flag,
                    recorded_by=recorded_by,
                )
            )
        elif row.present != flag:
            row.present = flag
            row.recorded_by = recorded_by
            row.recorded_at = timezone.now()
            changed.append(row)
    Attendance.objects.bulk_create(new, batch_size=500)
    Attendance.objects.bulk_update(changed, ["present", "recorded_by", "recorded_at"])
    audit.log(
        actor,
        "training.attendance.recorded",
        session,
        data={"present": len(present), "roster": len(roster), "changed": len(changed) + len(new)},
    )
    return len(present)


@dataclass
class FinishResult:
    program: TrainingProgram
    completed: int
    not_completed: int


def meets_completion_rule(*, attended: int, sessions: int, min_percent: int) -> bool:
    """Attended at least ``min_percent`` % of the sessions (integer arithmetic, no rounding)."""
    return sessions > 0 and attended * 100 >= min_percent * sessions


def outcome_number(enrollment: Enrollment) -> str:
    return f"TR-{enrollment.program.code}-{enrollment.pk}"


@transaction.atomic
def program_finish(*, actor: Actor, program: TrainingProgram) -> FinishResult:
    """Close the class (结班): apply the completion rule to every approved registration.

    Those who attended enough complete (已结业) and get a training outcome (培训结业) in their
    learning account, numbered ``TR-<program code>-<enrollment id>``, issued by the institution
    and titled with the program (whose title names the certificate); the others are marked not completed. Registrations never admitted (still
    pending or waitlisted) are rejected with a note.
    """
    require_manage(actor, program.institution_id)
    program = lock_program(program)
    allowed, target, label = TRANSITIONS["finish"]
    if program.status not in allowed:
        raise ValidationError(
            ERR_TRANSITION.format(current=program.get_status_display(), action=label),
            code="transition",
        )
    sessions = program.sessions.count()
    if sessions == 0:
        raise ValidationError(ERR_NO_SESSIONS, code="no_sessions")
    rows = list(
        Enrollment.objects.filter(program=program, status=Enrollment.Status.APPROVED)
        .select_related("account", "program__institution", "program__certificate_type")
        .annotate(attended=Count("attendances", filter=Q(attendances__present=True)))
        .order_by("id")
    )
    today = timezone.localdate()
    completed = not_completed = 0
    for row in rows:
        if meets_completion_rule(
            attended=row.attended, sessions=sessions, min_percent=program.completion_min_attendance
        ):
            row.status = Enrollment.Status.COMPLETED
            row.completed_on = min(program.end_date, today)
            learner_services.outcome_record(
                actor=actor,
                account=row.account,
                kind=OutcomeKind.TRAINING,
                title=f"{program.title}（培训结业）"[:150],
                issuer=program.institution.name,
                number=outcome_number(row),
                issued_on=row.completed_on,
                # Not the certificate itself: an outcome with a certificate type is read
                # as that certificate held (statistics, conversion rules), so the type is
                # named in the title only.
            )
            completed += 1
        else:
            row.status = Enrollment.Status.NOT_COMPLETED
            not_completed += 1
        row.save(update_fields=["status", "completed_on"])
        audit.log(
            actor,
            f"training.enrollment.{row.status}",
            row,
            data={"attended": row.attended, "sessions": sessions},
        )
    undecided = Enrollment.objects.filter(
        program=program,
        status__in=[Enrollment.Status.PENDING, Enrollment.Status.WAITLISTED],
    )
    for waiting in undecided:
        waiting.status = Enrollment.Status.REJECTED
        waiting.waitlist_position = None
        waiting.note = NOTE_UNDECIDED_AT_FINISH
        waiting.save(update_fields=["status", "waitlist_position", "note"])
        audit.log(actor, "training.enrollment.rejected", waiting, data={"reason": waiting.note})
    before = program.status
    program.status = target
    program.save(update_fields=["status", "updated_at"])
    audit.log(
        actor,
        "training.program.finish",
        program,
        data={
            "from": before,
            "to": program.status,
            "completed": completed,
            "not_completed": not_completed,
        },
    )
    return FinishResult(program=program, completed=completed, not_completed=not_completed)
