"""Writes of skill assessment (考核) and certificate awards (证书发放).

Every function takes keyword arguments only, runs in one transaction and writes an audit entry
(invariant 10). Business rules live here, not in views:

- a cancelled certificate type (已取消) gets no new session, candidate or award (invariant 5);
- a room is used only while its standardisation certification (标准化考场) covers the session
  date, and never holds more candidates than its seats, even under concurrent sign-up: the
  session row is locked while a seat is chosen, and seat numbers are unique per room
  (invariant 6);
- each room of a scheduled session has at least two examiners qualified for the certificate type
  and level on the session date; only those examiners enter the scores of its candidates, and
  never for a candidate whose training program they taught (invariant 7);
- results are published only once the confidentiality record is complete (seed 四(三)3).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xbank.accounts.notifications import notifications_send
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType, Level
from xbank.catalog.services import ensure_certificate_active
from xbank.learners import services as learner_services
from xbank.learners.models import LearningAccount, LearningOutcome, OutcomeKind
from xbank.orgs.models import Institution
from xbank.verify import services as verify_services
from xbank.verify.models import Credential

from . import signals
from .models import (
    MAX_ROOMS_PER_SESSION,
    MIN_EXAMINERS_PER_ROOM,
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExaminerQualification,
    ExamResult,
    ExamRoom,
    ExamSession,
    ExamSite,
    PassMark,
    SessionExaminer,
    SessionIncident,
    SessionRoom,
    level_covers,
)

Status = ExamSession.Status
Step = ConfidentialityStep.Step

ERR_STATUS = "考核批次「{title}」当前状态为「{status}」，不能{action}"
ERR_LEVEL_REQUIRED = "证书「{certificate}」须选择等级（可选：{allowed}）"
ERR_LEVEL_NOT_OFFERED = "证书「{certificate}」没有「{level}」这一等级"
ERR_DATES = "有效期至不能早于有效期自"
ERR_NOT_YET = "考核日期 {date} 还没到，不能开始考核"
ERR_ROOM_OTHER_INSTITUTION = "考场「{room}」不属于{institution}"
ERR_ROOM_INACTIVE = "考场「{room}」已停用"
ERR_ROOM_NOT_CERTIFIED = "考场「{room}」没有登记标准化考场认定有效期，不能安排考核"
ERR_ROOM_CERTIFICATION_LAPSED = (
    "考场「{room}」的标准化考场认定有效期至 {until}，考核日期 {date} 已过期，不能安排考核"
)
ERR_ROOM_CERTIFICATION_NOT_YET = (
    "考场「{room}」的标准化考场认定自 {since} 起有效，考核日期 {date} 尚未生效，不能安排考核"
)
ERR_ROOM_BUSY = "考场「{room}」在 {date} 的同一时段已安排考核批次「{other}」"
ERR_ROOM_TWICE = "考场「{room}」已在本批次中"
ERR_TOO_MANY_ROOMS = "一个考核批次最多安排 {max} 个考场"
ERR_SEATS = "座位数应在 1 到考场容量 {capacity} 之间"
ERR_ROOM_HAS_CANDIDATES = "考场「{room}」已安排了考生，不能移出"
ERR_NO_ROOMS = "考核批次还没有安排考场"
ERR_TOO_FEW_EXAMINERS = (
    "考场「{room}」有 {count} 名在 {date} 持有效「{certificate}」考评资格的考评员，"
    "每个考场至少需要 {min} 名"
)
ERR_NO_QUALIFICATION = "{name} 没有「{certificate}」的考评员资格"
ERR_QUALIFICATION_LEVEL = "{name} 的「{certificate}」考评员资格等级为{held}，不能考评{required}"
ERR_QUALIFICATION_EXPIRED = (
    "{name} 的「{certificate}」考评员资格（{number}）已于 {until} 到期，考核日期为 {date}"
)
ERR_QUALIFICATION_NOT_YET = (
    "{name} 的「{certificate}」考评员资格（{number}）自 {since} 起有效，考核日期为 {date}"
)
ERR_EXAMINER_TWICE = "{name} 已是本批次考场「{room}」的考评员"
ERR_EXAMINER_LAST = "移出后考场「{room}」的合格考评员少于 {min} 名；请先增加考评员"
ERR_EXAMINER_TAUGHT = (
    "{examiner} 是考生 {candidate} 所参加培训项目「{program}」的授课教师，不能考评该考生"
)
ERR_ALREADY_CANDIDATE = "{name} 已报考本考核批次"
ERR_SESSION_FULL = "本考核批次的考场座位已满（共 {seats} 个座位）"
ERR_NO_SEAT_WITHOUT_CONFLICT = (
    "尚有空位的考场中，都有考评员是 {name} 所参加培训项目「{program}」的授课教师：无法安排考场"
)
ERR_ENROLLMENT_OTHER_PERSON = "培训报名与考生不是同一人"
ERR_ENROLLMENT_NOT_APPROVED = "{name} 在培训项目「{program}」的报名未获录取，不能由此报考"
ERR_ENROLLMENT_OTHER_CERTIFICATE = "培训项目「{program}」的证书与本考核批次的证书不一致"
ERR_CANDIDATE_HAS_RESULT = "考生 {name} 已有成绩，不能移出"
ERR_NOT_ASSIGNED = "您不是考生 {name} 所在考场的考评员，不能录入其成绩"
ERR_SCORE_RANGE = "{part}成绩应在 0 到 {full} 之间"
ERR_ABSENT_WITH_SCORES = "缺考的考生不能有成绩"
ERR_RESULTS_INCOMPLETE = "还有 {count} 名考生没有完整成绩（或缺考标记），不能结束评分"
ERR_CONFIDENTIALITY_INCOMPLETE = "保密记录不完整（{missing}），不能发布成绩"
ERR_STEP_DONE = "「{step}」已签字记录"
ERR_STEP_ORDER = "须先记录「{previous}」"
ERR_STEP_COUNTERSIGNED = "「{step}」已由 {name} 复核"
ERR_COUNTERSIGN_SELF = "「{step}」须由另一人复核：您是第一签字人"
ERR_INCIDENT_RESOLVED = "该异常情况已处理"
ERR_NOT_PUBLISHED = "考核批次「{title}」的成绩尚未发布，不能发放证书"
ERR_NOT_PASSED = "考生 {name} 未通过考核，不能发放证书"
ERR_AWARD_EXISTS = "考生 {name} 已发放证书（编号 {number}）"
ERR_AWARD_NUMBER_TAKEN = "发证机构「{issuer}」的证书编号 {number} 已发放给他人"
ERR_AWARD_DATE = "发证日期不能早于考核日期 {date}"
ERR_AWARD_REVOKED = "该证书已撤销"

MISSING_STEP = "「{step}」未签字"
MISSING_COUNTERSIGN = "「{step}」未复核"
MISSING_INCIDENT = "{count} 项异常情况未处理"

NOTIFY_PUBLISHED = "考核成绩已发布：{title}"
NOTIFY_AWARDED = "证书已发放：{title}"
NOTIFY_REVOKED = "证书已撤销：{title}"

# The order in which papers are handled; surveillance is checked at any time.
STEP_ORDER = [Step.RECEIVED, Step.OPENED, Step.SEALED]


def _status_error(session: ExamSession, action: str) -> ValidationError:
    return ValidationError(
        ERR_STATUS.format(title=session.title, status=session.get_status_display(), action=action),
        code="status",
    )


def _lock_session(session: ExamSession) -> ExamSession:
    """The session row, locked until the end of the transaction: every write that depends on
    the session's rooms, seats or status goes through here, so concurrent writers queue."""
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("certificate_type", "institution")
        .get(pk=session.pk)
    )


def _level_label(level: str) -> str:
    return str(dict(Level.choices).get(level, level))


def _check_level(certificate_type: CertificateType, level: str) -> None:
    allowed = list(certificate_type.levels or [])
    if not allowed:
        if level:
            raise ValidationError(
                ERR_LEVEL_NOT_OFFERED.format(
                    certificate=certificate_type.name, level=_level_label(level)
                ),
                code="level",
            )
        return
    if not level:
        raise ValidationError(
            ERR_LEVEL_REQUIRED.format(
                certificate=certificate_type.name,
                allowed="、".join(_level_label(code) for code in allowed),
            ),
            code="level",
        )
    if level not in allowed:
        raise ValidationError(
            ERR_LEVEL_NOT_OFFERED.format(
                certificate=certificate_type.name, level=_level_label(level)
            ),
            code="level",
        )


# --- Sites and rooms ----------------------------------------------------------------------------


@transaction.atomic
def site_create(
    *, actor, institution: Institution, name: str, address: str, contact: str = "", notes: str = ""
) -> ExamSite:
    site = ExamSite.objects.create(
        institution=institution, name=name, address=address, contact=contact, notes=notes
    )
    audit.log(actor, "assessment.site.created", site)
    return site


SITE_FIELDS = ("name", "address", "contact", "notes", "is_active")


@transaction.atomic
def site_update(*, actor, site: ExamSite, **values) -> ExamSite:
    changed = _assign(site, SITE_FIELDS, values)
    if changed:
        site.save(update_fields=list(changed))
        audit.log(actor, "assessment.site.updated", site, data={"changed": changed})
    return site


def _check_certification_dates(certified_on, certified_until) -> None:
    if certified_on and certified_until and certified_until < certified_on:
        raise ValidationError(ERR_DATES, code="dates")


@transaction.atomic
def room_create(
    *,
    actor,
    site: ExamSite,
    name: str,
    capacity: int,
    equipment: str = "",
    certification_no: str = "",
    certified_on: datetime.date | None = None,
    certified_until: datetime.date | None = None,
) -> ExamRoom:
    _check_certification_dates(certified_on, certified_until)
    room = ExamRoom.objects.create(
        site=site,
        name=name,
        capacity=capacity,
        equipment=equipment,
        certification_no=certification_no,
        certified_on=certified_on,
        certified_until=certified_until,
    )
    audit.log(actor, "assessment.room.created", room)
    return room


ROOM_FIELDS = (
    "name",
    "capacity",
    "equipment",
    "certification_no",
    "certified_on",
    "certified_until",
    "is_active",
)


@transaction.atomic
def room_update(*, actor, room: ExamRoom, **values) -> ExamRoom:
    """Edit a room. A lower capacity does not touch sessions already holding more seats there:
    their seats were checked when the room was added."""
    room = ExamRoom.objects.select_for_update().get(pk=room.pk)
    _check_certification_dates(
        values.get("certified_on", room.certified_on),
        values.get("certified_until", room.certified_until),
    )
    changed = _assign(room, ROOM_FIELDS, values)
    if changed:
        room.save(update_fields=list(changed))
        audit.log(actor, "assessment.room.updated", room, data={"changed": changed})
    return room


def _assign(obj, allowed: Iterable[str], values: dict) -> dict:
    """Set the given fields on ``obj``; return {field: [old, new]} of those that changed."""
    changed = {}
    for name, value in values.items():
        if name not in allowed:
            raise TypeError(f"{name} cannot be changed here")
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            changed[name] = [_plain(old), _plain(value)]
    return changed


def _plain(value):
    if isinstance(value, (datetime.date, datetime.time, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


# --- Examiner qualifications --------------------------------------------------------------------


@transaction.atomic
def qualification_create(
    *,
    actor,
    user,
    institution: Institution,
    certificate_type: CertificateType,
    level: str,
    certificate_no: str,
    issuer: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> ExaminerQualification:
    """Register an examiner qualification (考评员资格) of a teacher or an external examiner."""
    if valid_until < valid_from:
        raise ValidationError(ERR_DATES, code="dates")
    if level:
        _check_level(certificate_type, level)
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
    *, actor, qualification: ExaminerQualification, **values
) -> ExaminerQualification:
    """Correct or renew a qualification. Sessions already scheduled keep their examiners; the
    new dates count from the next check (scheduling, score entry)."""
    qualification = ExaminerQualification.objects.select_for_update().get(pk=qualification.pk)
    valid_from = values.get("valid_from", qualification.valid_from)
    valid_until = values.get("valid_until", qualification.valid_until)
    if valid_until < valid_from:
        raise ValidationError(ERR_DATES, code="dates")
    if values.get("level"):
        _check_level(qualification.certificate_type, values["level"])
    changed = _assign(qualification, QUALIFICATION_FIELDS, values)
    if changed:
        qualification.save(update_fields=list(changed))
        audit.log(
            actor, "assessment.qualification.updated", qualification, data={"changed": changed}
        )
    return qualification


def qualification_problem(
    *, examiner, session: ExamSession
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
            held="、".join(_level_label(q.level) or "（未填）" for q in held),
            required=_level_label(session.level),
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


# --- Pass marks ---------------------------------------------------------------------------------


def pass_mark_for(certificate_type: CertificateType) -> PassMark:
    """The type's pass marks; an unsaved default (60 of 100 for each part) when none is set."""
    try:
        return certificate_type.pass_mark
    except PassMark.DoesNotExist:
        return PassMark(certificate_type=certificate_type)


@transaction.atomic
def pass_mark_set(
    *,
    actor,
    certificate_type: CertificateType,
    theory: Decimal,
    practical: Decimal,
    theory_full: Decimal = Decimal(100),
    practical_full: Decimal = Decimal(100),
) -> PassMark:
    """Set the pass marks of a certificate type. Results already entered keep their verdict:
    a pass mark is not applied retroactively."""
    mark, created = PassMark.objects.select_for_update().get_or_create(
        certificate_type=certificate_type,
        defaults={
            "theory": theory,
            "practical": practical,
            "theory_full": theory_full,
            "practical_full": practical_full,
        },
    )
    if not created:
        changed = _assign(
            mark,
            ("theory", "practical", "theory_full", "practical_full"),
            {
                "theory": theory,
                "practical": practical,
                "theory_full": theory_full,
                "practical_full": practical_full,
            },
        )
        if not changed:
            return mark
        mark.save(update_fields=list(changed))
    audit.log(
        actor,
        "assessment.pass_mark.set",
        mark,
        data={"theory": str(theory), "practical": str(practical)},
    )
    return mark


# --- Sessions -----------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    actor,
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
    ensure_certificate_active(certificate_type)
    _check_level(certificate_type, level)
    session = ExamSession.objects.create(
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        notes=notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.log(actor, "assessment.session.created", session)
    return session


SESSION_FIELDS = ("title", "date", "start_time", "end_time", "notes")


@transaction.atomic
def session_update(*, actor, session: ExamSession, **values) -> ExamSession:
    """Edit a draft session; rooms and examiners are checked against the new date when it is
    scheduled."""
    session = _lock_session(session)
    if session.status != Status.DRAFT:
        raise _status_error(session, "修改")
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
    *, actor, session: ExamSession, room: ExamRoom, seats: int | None = None
) -> SessionRoom:
    """Use a room for a session, with all its seats or fewer."""
    session = _lock_session(session)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _status_error(session, "安排考场")
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
def session_room_remove(*, actor, session_room: SessionRoom) -> None:
    session = _lock_session(session_room.session)
    if session.status != Status.DRAFT:
        raise _status_error(session, "移出考场")
    if session_room.candidates.exists():
        raise ValidationError(
            ERR_ROOM_HAS_CANDIDATES.format(room=session_room.room), code="has_candidates"
        )
    audit.log(
        actor, "assessment.session.room_removed", session, data={"room": session_room.room_id}
    )
    session_room.delete()


def _instructor_ids(program, cache: dict | None = None) -> set[int]:
    from xbank.training.selectors import program_instructor_ids

    if cache is None:
        return set(program_instructor_ids(program=program))
    if program.pk not in cache:
        cache[program.pk] = set(program_instructor_ids(program=program))
    return cache[program.pk]


def _taught_conflict(examiner_ids: set[int], candidates: Iterable[Candidate]) -> tuple | None:
    """(examiner id, candidate, program) for the first candidate whose training program was
    taught by one of the examiners; None if there is none."""
    cache: dict = {}
    for candidate in candidates:
        if candidate.enrollment_id is None:
            continue
        program = candidate.enrollment.program
        taught = _instructor_ids(program, cache) & examiner_ids
        if taught:
            return min(taught), candidate, program
    return None


@transaction.atomic
def session_examiner_add(*, actor, session_room: SessionRoom, examiner) -> SessionExaminer:
    """Assign an examiner to a room: qualified for the type and level on the session date
    (invariant 7), in one room of the session only, and not the instructor of any candidate
    already seated there."""
    session = _lock_session(session_room.session)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _status_error(session, "安排考评员")
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


def _qualified_count(session_room: SessionRoom, session: ExamSession, exclude=None) -> int:
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
def session_examiner_remove(*, actor, assignment: SessionExaminer) -> None:
    session = _lock_session(assignment.session)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _status_error(session, "调整考评员")
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


def _transition(session: ExamSession, allowed: tuple[str, ...], action: str) -> ExamSession:
    """The session locked, if its status allows the action."""
    session = _lock_session(session)
    if session.status not in allowed:
        raise _status_error(session, action)
    return session


def _save_status(actor, session: ExamSession, old: str, fields=(), data=None) -> ExamSession:
    session.save(update_fields=["status", *fields])
    audit.log(
        actor,
        f"assessment.session.{session.status}",
        session,
        data={"from": old, **(data or {})},
    )
    return session


@transaction.atomic
def session_schedule(*, actor, session: ExamSession) -> ExamSession:
    """草稿 → 已排考: every room certified on the date, free at that time, and watched by at
    least two qualified examiners; the certificate type still active."""
    session = _transition(session, (Status.DRAFT,), "排考")
    problems = session_problems(session)
    if problems:
        raise ValidationError(problems, code="not_schedulable")
    old, session.status = session.status, Status.SCHEDULED
    return _save_status(actor, session, old)


@transaction.atomic
def session_unschedule(*, actor, session: ExamSession) -> ExamSession:
    """已排考 → 草稿, to change the date or the rooms."""
    session = _transition(session, (Status.SCHEDULED,), "退回草稿")
    old, session.status = session.status, Status.DRAFT
    return _save_status(actor, session, old)


@transaction.atomic
def session_start(*, actor, session: ExamSession) -> ExamSession:
    """已排考 → 考核中, on or after the session date; the rules of scheduling are checked again
    (a qualification or a room certification may have been edited since)."""
    session = _transition(session, (Status.SCHEDULED,), "开始考核")
    if timezone.localdate() < session.date:
        raise ValidationError(ERR_NOT_YET.format(date=session.date), code="not_yet")
    problems = session_problems(session)
    if problems:
        raise ValidationError(problems, code="not_schedulable")
    old, session.status = session.status, Status.IN_PROGRESS
    return _save_status(actor, session, old)


@transaction.atomic
def session_finish_scoring(*, actor, session: ExamSession) -> ExamSession:
    """考核中 → 已评分, once every candidate has both scores or is marked absent."""
    session = _transition(session, (Status.IN_PROGRESS,), "结束评分")
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
def session_reopen_scoring(*, actor, session: ExamSession) -> ExamSession:
    """已评分 → 考核中, to correct a result before publication."""
    session = _transition(session, (Status.SCORED,), "重新评分")
    old, session.status = session.status, Status.IN_PROGRESS
    return _save_status(actor, session, old)


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
def session_publish(*, actor, session: ExamSession) -> ExamSession:
    """已评分 → 成绩已发布: only with a complete confidentiality record. Candidates with a login
    are told in-app."""
    session = _transition(session, (Status.SCORED,), "发布成绩")
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
def session_cancel(*, actor, session: ExamSession, reason: str = "") -> ExamSession:
    """草稿/已排考 → 已取消; the admission tickets stop verifying as valid."""
    session = _transition(session, (Status.DRAFT, Status.SCHEDULED), "取消")
    old, session.status = session.status, Status.CANCELLED
    _save_status(actor, session, old, data={"reason": reason})
    for candidate in session.candidates.select_related("ticket_credential"):
        if candidate.ticket_credential is not None:
            verify_services.credential_revoke(
                actor=actor, credential=candidate.ticket_credential, reason="考核批次已取消"
            )
    return session


# --- Candidates ---------------------------------------------------------------------------------


def ticket_number(session: ExamSession, session_room: SessionRoom, seat_no: int) -> str:
    """准考证号: year, session, room position and seat — 2024 00042 01 007 → 20240004201007."""
    return f"{session.date:%Y}{session.pk:05d}{session_room.position:02d}{seat_no:03d}"


def _ticket_details(candidate: Candidate) -> list[tuple[str, str]]:
    session = candidate.session
    return [
        ("考核批次", session.title),
        ("证书", session.certificate_label),
        (
            "考核日期",
            f"{session.date:%Y-%m-%d} {session.start_time:%H:%M}–{session.end_time:%H:%M}",
        ),
        ("考场", str(candidate.session_room.room)),
        ("座位号", str(candidate.seat_no)),
        ("准考证号", candidate.ticket_no),
    ]


def _check_enrollment(session: ExamSession, account: LearningAccount, enrollment) -> None:
    from xbank.training.selectors import enrollments_approved

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


def _choose_seat(session: ExamSession, account: LearningAccount, enrollment) -> tuple:
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
    if any(len(taken[room.pk]) < room.seats for room in rooms):
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
    *, actor, session: ExamSession, account: LearningAccount, enrollment=None
) -> Candidate:
    """Sign a person up for a session (报考): from an approved training enrollment, or directly
    with their learning account. Seats them in the first room with a free seat whose examiners
    did not teach them, issues the admission ticket (准考证) as a verifiable credential.

    The session row is locked while the seat is chosen, so concurrent sign-ups queue and a room
    never takes more candidates than its seats (invariant 6)."""
    session = _lock_session(session)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _status_error(session, "报考")
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    candidate.ticket_credential = verify_services.credential_issue(
        actor=actor,
        kind=Credential.Kind.ADMISSION_TICKET,
        title=f"准考证 · {session.certificate_label}",
        holder_name=account.name,
        issuer=session.institution.name,
        details=_ticket_details(candidate),
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
def candidates_add_from_program(*, actor, session: ExamSession, program) -> SignUpReport:
    """Sign up every approved enrollment of a training program not yet a candidate; those who
    cannot be seated are listed with the reason, the others are added."""
    from xbank.training.selectors import enrollments_approved

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
def candidate_remove(*, actor, candidate: Candidate, reason: str = "") -> None:
    session = _lock_session(candidate.session)
    if session.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _status_error(session, "移出考生")
    if ExamResult.objects.filter(candidate=candidate).exists():
        raise ValidationError(
            ERR_CANDIDATE_HAS_RESULT.format(name=candidate.account.name), code="has_result"
        )
    if candidate.ticket_credential_id is not None:
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


# --- Results ------------------------------------------------------------------------------------


def result_verdict(
    pass_mark: PassMark, theory: Decimal | None, practical: Decimal | None, absent: bool
) -> bool:
    if absent or theory is None or practical is None:
        return False
    return theory >= pass_mark.theory and practical >= pass_mark.practical


def check_scores(
    pass_mark: PassMark, theory: Decimal | None, practical: Decimal | None, absent: bool
) -> None:
    if absent and (theory is not None or practical is not None):
        raise ValidationError(ERR_ABSENT_WITH_SCORES, code="absent")
    for part, value, full in (
        ("理论", theory, pass_mark.theory_full),
        ("实操", practical, pass_mark.practical_full),
    ):
        if value is not None and not 0 <= value <= full:
            raise ValidationError(ERR_SCORE_RANGE.format(part=part, full=full), code="range")


def examiner_may_score(*, examiner, candidate: Candidate) -> SessionExaminer:
    """The examiner's assignment to the candidate's room, if they may score the candidate:
    assigned there, qualified for the type and level on the session date, and not the
    instructor of the candidate's training program (invariant 7). ``PermissionDenied``
    otherwise, with the reason."""
    session = candidate.session
    assignment = (
        SessionExaminer.objects.filter(session_room_id=candidate.session_room_id, examiner=examiner)
        .select_related("qualification")
        .first()
    )
    if assignment is None:
        raise PermissionDenied(ERR_NOT_ASSIGNED.format(name=candidate.account.name))
    if not assignment.qualification.covers(
        certificate_type_id=session.certificate_type_id, level=session.level, day=session.date
    ):
        qualification, problem = qualification_problem(examiner=examiner, session=session)
        if qualification is None:
            raise PermissionDenied(problem)
    conflict = _taught_conflict({examiner.pk}, [candidate])
    if conflict is not None:
        raise PermissionDenied(
            ERR_EXAMINER_TAUGHT.format(
                examiner=examiner, candidate=candidate.account.name, program=conflict[2].title
            )
        )
    return assignment


@transaction.atomic
def result_enter(
    *,
    actor,
    candidate: Candidate,
    theory_score: Decimal | None,
    practical_score: Decimal | None,
    absent: bool = False,
) -> ExamResult | None:
    """An examiner enters (or corrects) a candidate's scores while the session is being scored.

    Only an examiner assigned to the candidate's room and qualified on the session date may
    (``PermissionDenied`` otherwise, invariant 7). Each change is audited with the old and new
    values; entering the same values again changes nothing. Returns the result (None when
    nothing was entered for a candidate without one)."""
    session = _lock_session(candidate.session)
    candidate.session = session
    if session.status not in (Status.IN_PROGRESS, Status.SCORED):
        raise _status_error(session, "录入成绩")
    examiner_may_score(examiner=actor, candidate=candidate)
    pass_mark = pass_mark_for(session.certificate_type)
    check_scores(pass_mark, theory_score, practical_score, absent)
    passed = result_verdict(pass_mark, theory_score, practical_score, absent)
    result = ExamResult.objects.select_for_update().filter(candidate=candidate).first()
    new = {
        "absent": absent,
        "theory_score": theory_score,
        "practical_score": practical_score,
        "passed": passed,
    }
    if result is None:
        if not absent and theory_score is None and practical_score is None:
            return None
        result = ExamResult.objects.create(
            candidate=candidate, source=ExamResult.Source.MANUAL, entered_by=actor, **new
        )
        audit.log(
            actor,
            "assessment.result.entered",
            result,
            data={"candidate": candidate.pk, **{k: _plain(v) for k, v in new.items()}},
        )
        return result
    old = {name: getattr(result, name) for name in new}
    if old == new:
        return result
    for name, value in new.items():
        setattr(result, name, value)
    result.source = ExamResult.Source.MANUAL
    result.entered_by = actor
    result.save(update_fields=[*new, "source", "entered_by", "updated_at"])
    audit.log(
        actor,
        "assessment.result.changed",
        result,
        data={
            "candidate": candidate.pk,
            "old": {k: _plain(v) for k, v in old.items()},
            "new": {k: _plain(v) for k, v in new.items()},
        },
    )
    return result


# --- Confidentiality record ---------------------------------------------------------------------


CONFIDENTIALITY_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.SCORED)


@transaction.atomic
def confidentiality_sign(
    *, actor, session: ExamSession, step: str, done_at: datetime.datetime, notes: str = ""
) -> ConfidentialityStep:
    """Record a step of the confidentiality record (保密记录) as its first signer; papers are
    received, then opened, then the answer sheets sealed."""
    session = _lock_session(session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise _status_error(session, "记录保密环节")
    label = Step(step).label
    done = set(session.confidentiality_steps.values_list("step", flat=True))
    if step in done:
        raise ValidationError(ERR_STEP_DONE.format(step=label), code="step_done")
    if step in STEP_ORDER:
        index = STEP_ORDER.index(step)
        if index and STEP_ORDER[index - 1] not in done:
            raise ValidationError(
                ERR_STEP_ORDER.format(previous=STEP_ORDER[index - 1].label), code="step_order"
            )
    record = ConfidentialityStep.objects.create(
        session=session, step=step, done_at=done_at, notes=notes, signed_by=actor
    )
    audit.log(actor, "assessment.confidentiality.signed", record, data={"step": step})
    return record


@transaction.atomic
def confidentiality_countersign(*, actor, step: ConfidentialityStep) -> ConfidentialityStep:
    """The second signature of a step, by someone other than the first signer."""
    step = ConfidentialityStep.objects.select_for_update().get(pk=step.pk)
    label = step.get_step_display()
    if step.countersigned_by_id is not None:
        raise ValidationError(
            ERR_STEP_COUNTERSIGNED.format(step=label, name=step.countersigned_by),
            code="countersigned",
        )
    if step.signed_by_id == actor.pk:
        raise ValidationError(ERR_COUNTERSIGN_SELF.format(step=label), code="same_person")
    session = _lock_session(step.session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise _status_error(session, "复核保密环节")
    step.countersigned_by = actor
    step.countersigned_at = timezone.now()
    step.save(update_fields=["countersigned_by", "countersigned_at"])
    audit.log(actor, "assessment.confidentiality.countersigned", step, data={"step": step.step})
    return step


@transaction.atomic
def incident_report(
    *, actor, session: ExamSession, occurred_at: datetime.datetime, description: str
) -> SessionIncident:
    session = _lock_session(session)
    if session.status not in CONFIDENTIALITY_STATUSES:
        raise _status_error(session, "记录异常情况")
    incident = SessionIncident.objects.create(
        session=session, occurred_at=occurred_at, description=description, reported_by=actor
    )
    audit.log(actor, "assessment.incident.reported", incident)
    return incident


@transaction.atomic
def incident_resolve(*, actor, incident: SessionIncident, handling: str) -> SessionIncident:
    incident = SessionIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.is_resolved:
        raise ValidationError(ERR_INCIDENT_RESOLVED, code="resolved")
    incident.handling = handling
    incident.resolved_by = actor
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["handling", "resolved_by", "resolved_at"])
    audit.log(actor, "assessment.incident.resolved", incident)
    return incident


# --- Certificate awards -------------------------------------------------------------------------


def outcome_kind_for(certificate_type: CertificateType) -> str:
    if certificate_type.kind == CertificateType.Kind.QUALIFICATION:
        return OutcomeKind.QUALIFICATION
    if certificate_type.kind == CertificateType.Kind.DIPLOMA:
        return OutcomeKind.DIPLOMA
    return OutcomeKind.SKILL_CERTIFICATE


@transaction.atomic
def award_issue(
    *, actor, candidate: Candidate, certificate_no: str, issued_on: datetime.date
) -> CertificateAward:
    """Issue the certificate (证书发放) to a candidate who passed a published session.

    The certificate becomes a verified learning outcome (学习成果) in the holder's account, issued
    by the certificate type's issuer (the evaluation organisation), and a verifiable credential
    (核验). Then ``on_award_issued`` runs (the credit bank's hook)."""
    session = _lock_session(candidate.session)
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
    existing = CertificateAward.objects.filter(candidate=candidate).first()
    if existing is not None:
        raise ValidationError(
            ERR_AWARD_EXISTS.format(name=candidate.account.name, number=existing.certificate_no),
            code="exists",
        )
    if issued_on < session.date:
        raise ValidationError(ERR_AWARD_DATE.format(date=session.date), code="date")
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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
        ],
        source=award,
    )
    award.save(update_fields=["credential"])
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
def award_revoke(*, actor, award: CertificateAward, reason: str) -> CertificateAward:
    """Revoke a certificate: the award, its learning outcome and its credential (the public
    verification page then says 已撤销)."""
    award = (
        CertificateAward.objects.select_for_update(of=("self",))
        .select_related("account__user", "outcome", "credential", "certificate_type")
        .get(pk=award.pk)
    )
    if award.status == CertificateAward.Status.REVOKED:
        raise ValidationError(ERR_AWARD_REVOKED, code="revoked")
    award.status = CertificateAward.Status.REVOKED
    award.revoked_at = timezone.now()
    award.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
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
