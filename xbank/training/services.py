"""Writes of training programs (培训项目), announcements (培训公告), enrollments (报名) and
attendance (出勤).

Seats are taken at registration. Every write that can change who holds a seat (registering,
withdrawing, rejecting, promoting from the waitlist, changing the capacity) first locks the
program row (``select_for_update``), so registrations for one program are admitted one at a time
and the number of seated registrations (pending, approved, completed, not completed) never
exceeds the capacity, however many people register at the same moment. Approval then only
confirms a seat already held, so approving in bulk can never over-allocate either.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ensure_certificate_active
from xbank.core.identity import Document
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningAccount, OutcomeKind, ProfileChange
from xbank.orgs.models import Institution

from .consent import CURRENT_VERSION, consent_hash
from .models import (
    SEATED_STATUSES,
    Announcement,
    Attendance,
    Audience,
    ConsentRecord,
    Enrollment,
    TrainingProgram,
    TrainingSession,
)

# Messages a member of the public may see are marked for the English catalog (gettext_noop:
# the constant stays the Chinese text; views translate it when they show it).
ERR_TRANSITION = "培训项目当前状态为「{current}」，不能{action}"
ERR_LEVEL = "证书「{name}」没有「{level}」这一等级"
ERR_CAPACITY_BELOW_SEATED = "名额不能少于已占用的 {seated} 个"
ERR_FINISHED = "培训项目已结班，不能再修改"
ERR_NOT_OPEN = gettext_noop("该培训项目当前不在报名期内")
ERR_DUPLICATE = gettext_noop("已报名该培训项目，同一人不能重复报名")
ERR_STUDENTS_ONLY = gettext_noop("该培训项目只面向本校在校生，请用学生账号登录后报名")
ERR_PUBLIC_ONLY = gettext_noop("该培训项目只面向社会人员，请通过公开报名表报名")
ERR_NO_ACCOUNT = gettext_noop("当前登录用户没有个人学习账户，不能报名")
ERR_CONSENT_REQUIRED = gettext_noop("请阅读并勾选同意个人信息处理说明")
ERR_CONSENT_VERSION = gettext_noop("个人信息处理说明已更新，请重新阅读并同意")
ERR_DECIDE_STATUS = "报名当前状态为「{status}」，不能{action}"
ERR_WITHDRAW_STATUS = "报名当前状态为「{status}」，不能退出"
ERR_ATTENDANCE_FINISHED = "培训项目已结班，出勤不能再修改"
ERR_ATTENDANCE_NOT_ENROLLED = "名单之外的人员不能登记出勤"
ERR_NO_SESSIONS = "培训项目还没有课次，不能结班"
ERR_ANNOUNCEMENT_EMPTY = "公告至少要包含一个培训项目"
ERR_ANNOUNCEMENT_INSTITUTION = "公告只能包含本院校的培训项目"
ERR_ANNOUNCEMENT_PUBLISHED = "公告已发布"
ERR_SESSION_DATE = "课次日期应在开班和结班日期之间"
ERR_CHECK_FIRST = "报名人的信息尚待人工核对，请先处理其信息变更申请"

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


def _lock(program: TrainingProgram) -> TrainingProgram:
    return TrainingProgram.objects.select_for_update().get(pk=program.pk)


def _seated(program: TrainingProgram) -> int:
    return Enrollment.objects.filter(program=program, status__in=SEATED_STATUSES).count()


@transaction.atomic
def program_create(
    *,
    actor,
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
    instructors: Iterable = (),
    code: str = "",
) -> TrainingProgram:
    """A new program, in draft. A cancelled certificate type (已取消) takes no new programs."""
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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
    *, actor, program: TrainingProgram, instructors: Iterable | None = None, **changes
) -> TrainingProgram:
    """Change a program's details. The capacity never drops below the seats already taken;
    raising it admits the first on the waitlist."""
    unknown = set(changes) - PROGRAM_EDITABLE
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    program = _lock(program)
    if program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(ERR_FINISHED, code="finished")
    before = {name: str(getattr(program, name)) for name in changes}
    for name, value in changes.items():
        setattr(program, name, value)
    _check_level(program.certificate_type, program.level)
    seated = _seated(program)
    if program.capacity < seated:
        raise ValidationError(
            ERR_CAPACITY_BELOW_SEATED.format(seated=seated), code="capacity_below_seated"
        )
    program.full_clean(exclude=["instructors", "created_by"])
    program.save()
    if instructors is not None:
        program.instructors.set(instructors)
    _fill_seats(program, actor=actor)
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
def program_transition(*, actor, program: TrainingProgram, action: str) -> TrainingProgram:
    """publish / open / close (finishing goes through ``program_finish``)."""
    if action == "finish":
        return program_finish(actor=actor, program=program).program
    allowed, target, label = TRANSITIONS[action]
    program = _lock(program)
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
    actor,
    program: TrainingProgram,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    topic: str,
    place: str = "",
) -> TrainingSession:
    program = _lock(program)
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
    actor,
    institution: Institution,
    year: int,
    title: str,
    programs: Iterable[TrainingProgram],
    body: str = "",
    issue: int | None = None,
) -> Announcement:
    """A draft announcement; the issue number is the next of the year unless given."""
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    announcement.programs.set(programs)
    audit.log(actor, "training.announcement.created", announcement)
    return announcement


@transaction.atomic
def announcement_publish(
    *, actor, announcement: Announcement, published_at: datetime.datetime | None = None
) -> Announcement:
    """Publish an announcement; its programs still in draft are published with it."""
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


# --- Registration -------------------------------------------------------------------------------


def _admitted_status(program: TrainingProgram, *, needs_check: bool) -> str:
    """Pending where the program needs review or the person's details wait for a manual check:
    a registration whose name disagreed with the account's never takes an approved seat unseen."""
    if program.requires_approval or needs_check:
        return Enrollment.Status.PENDING
    return Enrollment.Status.APPROVED


def _admit(program: TrainingProgram, *, needs_check: bool = False) -> tuple[str, int | None]:
    """The status (and waitlist position) of a new registration: call with the program locked.

    A registration waiting for a check holds a seat like any pending one (the person may well
    be who they say, with a typo on either side) and joins the waitlist when the program is full.
    """
    if _seated(program) < program.capacity:
        return _admitted_status(program, needs_check=needs_check), None
    last = Enrollment.objects.filter(
        program=program, status=Enrollment.Status.WAITLISTED
    ).aggregate(n=Max("waitlist_position"))["n"]
    return Enrollment.Status.WAITLISTED, (last or 0) + 1


def _register(
    *,
    actor,
    program: TrainingProgram,
    account: LearningAccount,
    learner: Learner | None,
    channel: str,
    consent: ConsentRecord | None = None,
    registered_name: str = "",
    needs_check: bool = False,
    profile_change=None,
) -> Enrollment:
    """Seat or waitlist one registration; the caller holds the program lock."""
    if program.status != TrainingProgram.Status.ENROLLING:
        raise ValidationError(ERR_NOT_OPEN, code="not_open")
    taken = Enrollment.objects.filter(program=program, account=account).exclude(
        status=Enrollment.Status.WITHDRAWN
    )
    if taken.exists():
        raise ValidationError(ERR_DUPLICATE, code="duplicate")
    status, position = _admit(program, needs_check=needs_check)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                program=program,
                account=account,
                learner=learner,
                channel=channel,
                status=status,
                waitlist_position=position,
                consent=consent,
                registered_name=registered_name or account.name,
                needs_check=needs_check,
                profile_change=profile_change,
            )
    except IntegrityError:
        raise ValidationError(ERR_DUPLICATE, code="duplicate") from None
    audit.log(
        actor,
        "training.enrollment.registered",
        enrollment,
        data={
            "status": status,
            "channel": channel,
            "waitlist_position": position,
            "needs_check": needs_check,
        },
    )
    return enrollment


@transaction.atomic
def enrollment_register_public(
    *,
    program: TrainingProgram,
    document: Document,
    name: str,
    phone: str = "",
    education: str = "",
    employer: str = "",
    consent_given: bool,
    consent_version: str,
    ip: str | None = None,
) -> Enrollment:
    """A member of the public registers through the public form (no login).

    The person's one learning account is opened (or found) through the learners service, a
    social learner record (社会学员) is kept at the program's institution, and the consent to
    process the ID number is stored with the version and hash of the text agreed to.

    Nothing stored about a known person changes (``learner_register_public``). When the name
    disagrees with the account's, the registration is still taken, as pending (``needs_check``),
    and continuing-education staff get the mismatch as a to-do; the registrant is told only
    ``MSG_NEEDS_CHECK``, never the stored name.
    """
    if not consent_given:
        raise ValidationError(ERR_CONSENT_REQUIRED, code="consent_required")
    if consent_version != CURRENT_VERSION:
        raise ValidationError(ERR_CONSENT_VERSION, code="consent_version")
    # The person's account and learner record first, the program lock last: registrations of
    # different people prepare in parallel and queue only for the seat decision. The program's
    # state is checked under the lock; a refused registration rolls back whole (no account,
    # learner or consent is left behind).
    person = learner_services.learner_register_public(
        document=document,
        name=name,
        institution=program.institution,
        phone=phone,
        education=education,
        employer=employer,
        context=f"培训项目「{program.title}」（{program.code}）公开报名"[:200],
    )
    consent = ConsentRecord.objects.create(
        account=person.account,
        version=consent_version,
        text_hash=consent_hash(consent_version, institution=program.institution.name),
        agreed_at=timezone.now(),
        ip=ip,
    )
    program = _lock(program)
    if program.status == TrainingProgram.Status.ENROLLING and not program.takes_public:
        raise ValidationError(ERR_STUDENTS_ONLY, code="students_only")
    return _register(
        actor=None,
        program=program,
        account=person.account,
        learner=person.learner,
        channel=Enrollment.Channel.PUBLIC,
        consent=consent,
        registered_name=name,
        needs_check=person.needs_check,
        profile_change=person.change,
    )


def _student_record(account: LearningAccount, institution_id: int) -> Learner | None:
    return (
        account.learners.filter(
            kind=Learner.Kind.STUDENT,
            institution_id=institution_id,
            status=Learner.Status.ACTIVE,
        )
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def enrollment_register_student(*, actor, program: TrainingProgram) -> Enrollment:
    """A logged-in learner registers with their own learning account."""
    account = LearningAccount.objects.filter(user=actor).first() if actor else None
    if account is None:
        raise ValidationError(ERR_NO_ACCOUNT, code="no_account")
    program = _lock(program)
    if program.status != TrainingProgram.Status.ENROLLING:
        raise ValidationError(ERR_NOT_OPEN, code="not_open")
    student = _student_record(account, program.institution_id)
    if not program.takes_students:
        raise ValidationError(ERR_PUBLIC_ONLY, code="public_only")
    if program.audience == Audience.STUDENTS and student is None:
        raise ValidationError(ERR_STUDENTS_ONLY, code="students_only")
    learner = student or account.learners.filter(institution_id=program.institution_id).first()
    return _register(
        actor=actor,
        program=program,
        account=account,
        learner=learner,
        channel=Enrollment.Channel.STUDENT,
    )


@transaction.atomic
def enrollment_register_staff(*, actor, program: TrainingProgram, learner: Learner) -> Enrollment:
    """Staff register a known learner (代报名), e.g. a whole class of a pilot major."""
    program = _lock(program)
    if program.audience == Audience.STUDENTS and learner.kind != Learner.Kind.STUDENT:
        raise ValidationError(ERR_STUDENTS_ONLY, code="students_only")
    if program.audience == Audience.PUBLIC and learner.kind != Learner.Kind.SOCIAL:
        raise ValidationError(ERR_PUBLIC_ONLY, code="public_only")
    return _register(
        actor=actor,
        program=program,
        account=learner.account,
        learner=learner,
        channel=Enrollment.Channel.STAFF,
    )


def _fill_seats(program: TrainingProgram, *, actor) -> list[Enrollment]:
    """Promote from the head of the waitlist while seats are free; the program is locked.

    Positions stay 1..n: everyone behind a promoted registration moves up one place.
    """
    promoted = []
    free = program.capacity - _seated(program)
    while free > 0:
        head = (
            Enrollment.objects.filter(program=program, status=Enrollment.Status.WAITLISTED)
            .order_by("waitlist_position", "id")
            .first()
        )
        if head is None:
            break
        position = head.waitlist_position
        head.status = _admitted_status(program, needs_check=head.needs_check)
        head.waitlist_position = None
        head.save(update_fields=["status", "waitlist_position"])
        Enrollment.objects.filter(
            program=program, status=Enrollment.Status.WAITLISTED, waitlist_position__gt=position
        ).update(waitlist_position=F("waitlist_position") - 1)
        audit.log(
            actor,
            "training.enrollment.promoted",
            head,
            data={"from_position": position, "to": head.status},
        )
        promoted.append(head)
        free -= 1
    return promoted


def _leave_waitlist(enrollment: Enrollment) -> None:
    Enrollment.objects.filter(
        program_id=enrollment.program_id,
        status=Enrollment.Status.WAITLISTED,
        waitlist_position__gt=enrollment.waitlist_position,
    ).update(waitlist_position=F("waitlist_position") - 1)


WITHDRAWABLE = (
    Enrollment.Status.PENDING,
    Enrollment.Status.APPROVED,
    Enrollment.Status.WAITLISTED,
)


@transaction.atomic
def enrollment_withdraw(*, actor, enrollment: Enrollment) -> Enrollment:
    """The person withdraws (退出); a freed seat goes to the first on the waitlist."""
    program = _lock(enrollment.program)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status not in WITHDRAWABLE or program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(
            ERR_WITHDRAW_STATUS.format(status=enrollment.get_status_display()), code="status"
        )
    before = enrollment.status
    if before == Enrollment.Status.WAITLISTED:
        _leave_waitlist(enrollment)
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.waitlist_position = None
    enrollment.withdrawn_at = timezone.now()
    enrollment.save(update_fields=["status", "waitlist_position", "withdrawn_at"])
    audit.log(actor, "training.enrollment.withdrawn", enrollment, data={"from": before})
    _fill_seats(program, actor=actor)
    return enrollment


@transaction.atomic
def enrollments_decide(
    *,
    actor,
    program: TrainingProgram,
    enrollment_ids: Iterable[int],
    approve: bool,
    reason: str = "",
) -> int:
    """Approve (pending → approved) or reject (pending or waitlisted → rejected) registrations
    of one program, one or many at once. Returns how many changed.

    Approval confirms a seat taken at registration, so the approved never outnumber the seats.
    Rejection frees seats, which go to the head of the waitlist. Every registration named must
    be in a state the decision applies to, or nothing changes.
    """
    program = _lock(program)
    rows = list(
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("profile_change")
        .filter(program=program, pk__in=list(enrollment_ids))
        .order_by("waitlist_position", "id")
    )
    allowed = (
        (Enrollment.Status.PENDING,)
        if approve
        else (Enrollment.Status.PENDING, Enrollment.Status.WAITLISTED)
    )
    action = "录取" if approve else "不予录取"
    for row in rows:
        if row.status not in allowed:
            raise ValidationError(
                ERR_DECIDE_STATUS.format(status=row.get_status_display(), action=action),
                code="status",
            )
        if approve and _check_pending(row):
            raise ValidationError(ERR_CHECK_FIRST, code="check_first")
    now = timezone.now()
    decided_by = actor if getattr(actor, "is_authenticated", False) else None
    # Leaving the waitlist from the back keeps the remaining positions right.
    for row in sorted(rows, key=lambda r: -(r.waitlist_position or 0)):
        before = row.status
        if before == Enrollment.Status.WAITLISTED:
            _leave_waitlist(row)
        row.status = Enrollment.Status.APPROVED if approve else Enrollment.Status.REJECTED
        row.waitlist_position = None
        row.decided_at = now
        row.decided_by = decided_by
        row.note = reason[:200] if not approve else row.note
        row.save(update_fields=["status", "waitlist_position", "decided_at", "decided_by", "note"])
        audit.log(
            actor,
            "training.enrollment.approved" if approve else "training.enrollment.rejected",
            row,
            data={"from": before, "reason": reason} if reason else {"from": before},
        )
    if not approve:
        _fill_seats(program, actor=actor)
    return len(rows)


def _check_pending(row: Enrollment) -> bool:
    """The registrant's name still waits for the staff's check (no approval until it is done)."""
    change = row.profile_change
    return row.needs_check and change is not None and change.status == ProfileChange.Status.PENDING


def enrollment_approve(*, actor, enrollment: Enrollment) -> Enrollment:
    enrollments_decide(
        actor=actor, program=enrollment.program, enrollment_ids=[enrollment.pk], approve=True
    )
    enrollment.refresh_from_db()
    return enrollment


def enrollment_reject(*, actor, enrollment: Enrollment, reason: str = "") -> Enrollment:
    enrollments_decide(
        actor=actor,
        program=enrollment.program,
        enrollment_ids=[enrollment.pk],
        approve=False,
        reason=reason,
    )
    enrollment.refresh_from_db()
    return enrollment


# --- Attendance and completion ------------------------------------------------------------------


@transaction.atomic
def attendance_record(*, actor, session: TrainingSession, present_ids: Iterable[int]) -> int:
    """Record who came to a session: every approved registration of the program gets a row,
    present when its id is in ``present_ids``. Returns the number present."""
    program = _lock(session.program)
    if program.status == TrainingProgram.Status.FINISHED:
        raise ValidationError(ERR_ATTENDANCE_FINISHED, code="finished")
    present = set(present_ids)
    roster = set(
        Enrollment.objects.filter(program=program, status=Enrollment.Status.APPROVED).values_list(
            "pk", flat=True
        )
    )
    if present - roster:
        raise ValidationError(ERR_ATTENDANCE_NOT_ENROLLED, code="not_enrolled")
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
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
def program_finish(*, actor, program: TrainingProgram) -> FinishResult:
    """Close the class (结班): apply the completion rule to every approved registration.

    Those who attended enough complete (已结业) and get a training outcome (培训结业) in their
    learning account, numbered ``TR-<program code>-<enrollment id>``, issued by the institution
    and titled with the program (whose title names the certificate); the others are marked not completed. Registrations never admitted (still
    pending or waitlisted) are rejected with a note.
    """
    program = _lock(program)
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
    for row in undecided:
        row.status = Enrollment.Status.REJECTED
        row.waitlist_position = None
        row.note = NOTE_UNDECIDED_AT_FINISH
        row.save(update_fields=["status", "waitlist_position", "note"])
        audit.log(actor, "training.enrollment.rejected", row, data={"reason": row.note})
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


def on_profile_change_accepted(sender, *, actor, change, **kwargs) -> None:
    """Staff accepted the details of a public registrant whose name needed a check: the
    registrations that waited for it are linked to the person's learner record (created by the
    acceptance). Their status is left to the staff's usual decision."""
    Enrollment.objects.filter(profile_change=change, learner__isnull=True).update(
        learner=change.learner
    )
