"""Registrations (报名) for training programs: seats, the waitlist, withdrawals and decisions.

Seats are taken at registration. Every write that can change who holds a seat (registering,
withdrawing, rejecting, promoting from the waitlist, changing the capacity) first locks the
program row (``lock_program``), so registrations for one program are admitted one at a time
and the number of seated registrations (pending, approved, completed, not completed) never
exceeds the capacity, however many people register at the same moment. Approval then only
confirms a seat already held, so approving in bulk can never over-allocate either.

The program writes in ``services`` take the same lock and fill freed seats through
``fill_seats``; every name here stays importable from ``services``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from xbank.accounts.models import User
from xbank.audit import services as audit
from xbank.core.actors import SYSTEM, Actor, is_system
from xbank.core.identity import Document
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningAccount, ProfileChange

from .consent import CURRENT_VERSION, consent_hash
from .models import SEATED_STATUSES, Audience, ConsentRecord, Enrollment, TrainingProgram
from .selectors import managed_institution_ids

# Messages a member of the public may see are marked for the English catalog (gettext_noop:
# the constant stays the Chinese text; views translate it when they show it).
ERR_NOT_OPEN = gettext_noop("该培训项目当前不在报名期内")
ERR_DUPLICATE = gettext_noop("已报名该培训项目，同一人不能重复报名")
ERR_STUDENTS_ONLY = gettext_noop("该培训项目只面向本校在校生，请用学生账号登录后报名")
ERR_PUBLIC_ONLY = gettext_noop("该培训项目只面向社会人员，请通过公开报名表报名")
ERR_NO_ACCOUNT = gettext_noop("当前登录用户没有个人学习账户，不能报名")
ERR_CONSENT_REQUIRED = gettext_noop("请阅读并勾选同意个人信息处理说明")
ERR_CONSENT_VERSION = gettext_noop("个人信息处理说明已更新，请重新阅读并同意")
ERR_DECIDE_STATUS = "报名当前状态为「{status}」，不能{action}"
ERR_WITHDRAW_STATUS = "报名当前状态为「{status}」，不能退出"
ERR_CHECK_FIRST = "报名人的信息尚待人工核对，请先处理其信息变更申请"
# A person without the role for the program's institution (the pages refuse them first; the
# services check again, so no caller can skip it). The system (``SYSTEM``) is let through.
ERR_NOT_ALLOWED = "您没有权限执行此操作"


# --- Who may act ----------------------------------------------------------------------------------
# Every service takes ``actor``: a person, checked here against their roles, or
# ``core.actors.SYSTEM`` (the demo loader, the public form, commands), let through by
# ``is_system`` and nothing else.


def require_manage(actor: Actor, institution_id: int) -> None:
    """The actor runs the institution's training (继续教育学院), or is the system."""
    if not is_system(actor) and institution_id not in managed_institution_ids(actor):
        raise ValidationError(ERR_NOT_ALLOWED, code="forbidden")


def person_or_none(actor: Actor) -> User | None:
    """The user behind the actor, to name in a ``created_by`` column; None for the system."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def lock_program(program: TrainingProgram) -> TrainingProgram:
    """The program row, locked until the transaction ends: seat decisions queue on it."""
    return TrainingProgram.objects.select_for_update().get(pk=program.pk)


def seated_count(program: TrainingProgram) -> int:
    return Enrollment.objects.filter(program=program, status__in=SEATED_STATUSES).count()


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
    if seated_count(program) < program.capacity:
        return _admitted_status(program, needs_check=needs_check), None
    last = Enrollment.objects.filter(
        program=program, status=Enrollment.Status.WAITLISTED
    ).aggregate(n=Max("waitlist_position"))["n"]
    return Enrollment.Status.WAITLISTED, (last or 0) + 1


def _register(
    *,
    actor: Actor,
    program: TrainingProgram,
    account: LearningAccount,
    learner: Learner | None,
    channel: str,
    consent: ConsentRecord | None = None,
    registered_name: str = "",
    needs_check: bool = False,
    profile_change: ProfileChange | None = None,
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
    program = lock_program(program)
    if program.status == TrainingProgram.Status.ENROLLING and not program.takes_public:
        raise ValidationError(ERR_STUDENTS_ONLY, code="students_only")
    return _register(
        # No one is logged in: the system takes the registration for the person who typed it.
        actor=SYSTEM,
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
def enrollment_register_student(*, actor: Actor, program: TrainingProgram) -> Enrollment:
    """A logged-in learner registers with their own learning account (the system has none)."""
    person = person_or_none(actor)
    account = None if person is None else LearningAccount.objects.filter(user=person).first()
    if account is None:
        raise ValidationError(ERR_NO_ACCOUNT, code="no_account")
    program = lock_program(program)
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
def enrollment_register_staff(
    *, actor: Actor, program: TrainingProgram, learner: Learner
) -> Enrollment:
    """Staff register a known learner (代报名), e.g. a whole class of a pilot major."""
    require_manage(actor, program.institution_id)
    program = lock_program(program)
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


def fill_seats(program: TrainingProgram, *, actor: Actor) -> list[Enrollment]:
    """Promote from the head of the waitlist while seats are free; the program is locked.

    Positions stay 1..n: everyone behind a promoted registration moves up one place.
    """
    promoted: list[Enrollment] = []
    free = program.capacity - seated_count(program)
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
def enrollment_withdraw(*, actor: Actor, enrollment: Enrollment) -> Enrollment:
    """The person withdraws (退出), or the program's staff withdraw them; a freed seat goes to
    the first on the waitlist."""
    if not is_system(actor) and not (
        enrollment.account.user_id is not None and enrollment.account.user_id == actor.pk
    ):
        require_manage(actor, enrollment.program.institution_id)
    return _withdraw(actor=actor, enrollment=enrollment)


@transaction.atomic
def enrollment_withdraw_by_link(*, enrollment: Enrollment) -> Enrollment:
    """A public registrant withdraws through the secret link of their registration (no login:
    holding the link is the proof, ``selectors.enrollment_by_code``); recorded as the system,
    as every anonymous change is."""
    return _withdraw(actor=SYSTEM, enrollment=enrollment)


def _withdraw(*, actor: Actor, enrollment: Enrollment) -> Enrollment:
    program = lock_program(enrollment.program)
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
    fill_seats(program, actor=actor)
    return enrollment


@transaction.atomic
def enrollments_decide(
    *,
    actor: Actor,
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
    require_manage(actor, program.institution_id)
    program = lock_program(program)
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
    decided_by = person_or_none(actor)
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
        fill_seats(program, actor=actor)
    return len(rows)


def _check_pending(row: Enrollment) -> bool:
    """The registrant's name still waits for the staff's check (no approval until it is done)."""
    change = row.profile_change
    return row.needs_check and change is not None and change.status == ProfileChange.Status.PENDING


def enrollment_approve(*, actor: Actor, enrollment: Enrollment) -> Enrollment:
    enrollments_decide(
        actor=actor, program=enrollment.program, enrollment_ids=[enrollment.pk], approve=True
    )
    enrollment.refresh_from_db()
    return enrollment


def enrollment_reject(*, actor: Actor, enrollment: Enrollment, reason: str = "") -> Enrollment:
    enrollments_decide(
        actor=actor,
        program=enrollment.program,
        enrollment_ids=[enrollment.pk],
        approve=False,
        reason=reason,
    )
    enrollment.refresh_from_db()
    return enrollment


def on_profile_change_accepted(
    sender: object, *, actor: Actor, change: ProfileChange, **kwargs: object
) -> None:
    """Staff accepted the details of a public registrant whose name needed a check: the
    registrations that waited for it are linked to the person's learner record (created by the
    acceptance). Their status is left to the staff's usual decision."""
    Enrollment.objects.filter(profile_change=change, learner__isnull=True).update(
        learner=change.learner
    )
