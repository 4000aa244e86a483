"""Programs, registration with capacity and waitlist, decisions, attendance and completion."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.catalog.services import ERR_CANCELLED, certificate_type_cancel
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import InstitutionFactory
from xbank.testing.world import link_account
from xbank.training import selectors, services
from xbank.training.consent import CURRENT_VERSION, consent_hash
from xbank.training.models import ConsentRecord, Enrollment, TrainingProgram
from xbank.training.tests.factories import new_document, program, public_registration

pytestmark = pytest.mark.django_db

S = Enrollment.Status


def statuses(p):
    return list(
        Enrollment.objects.filter(program=p)
        .order_by("id")
        .values_list("status", "waitlist_position")
    )


# --- Programs -------------------------------------------------------------------------------------


def test_it_rejects_a_program_for_a_cancelled_certificate():
    ct = CertificateTypeFactory(name="营养配餐员")
    certificate_type_cancel(actor=SYSTEM, certificate_type=ct)
    with pytest.raises(ValidationError) as exc:
        program(certificate_type=ct, status="draft")
    assert exc.value.messages == [ERR_CANCELLED.format(name="营养配餐员")]
    assert not TrainingProgram.objects.exists()


def test_a_cancelled_certificate_stops_a_draft_from_opening():
    p = program(status="draft")
    certificate_type_cancel(actor=SYSTEM, certificate_type=p.certificate_type)
    with pytest.raises(ValidationError):
        services.program_transition(actor=SYSTEM, program=p, action="publish")


def test_it_rejects_a_level_the_certificate_does_not_have():
    with pytest.raises(ValidationError) as exc:
        program(level="grade3", status="draft")
    assert "没有「grade3」这一等级" in exc.value.messages[0]


def test_transitions_check_the_from_state_and_are_audited():
    p = program(status="draft")
    with pytest.raises(ValidationError) as exc:
        services.program_transition(actor=SYSTEM, program=p, action="close")
    assert exc.value.messages == [services.ERR_TRANSITION.format(current="草稿", action="截止报名")]
    for action, status in [("publish", "published"), ("open", "enrolling"), ("close", "closed")]:
        p = services.program_transition(actor=SYSTEM, program=p, action=action)
        assert p.status == status
    p = services.program_transition(actor=SYSTEM, program=p, action="open")  # reopen
    assert p.status == "enrolling"
    actions = list(
        AuditEntry.objects.filter(object_id=str(p.pk), action__startswith="training.program")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "training.program.created",
        "training.program.publish",
        "training.program.open",
        "training.program.close",
        "training.program.open",
    ]


def test_capacity_cannot_drop_below_the_seats_taken():
    p = program(capacity=3)
    for _ in range(3):
        public_registration(p)
    with pytest.raises(ValidationError) as exc:
        services.program_update(actor=SYSTEM, program=p, capacity=2)
    assert exc.value.messages == [services.ERR_CAPACITY_BELOW_SEATED.format(seated=3)]


def test_raising_the_capacity_admits_the_waitlist():
    p = program(capacity=1)
    for _ in range(3):
        public_registration(p)
    services.program_update(actor=SYSTEM, program=p, capacity=2)
    assert statuses(p) == [(S.PENDING, None), (S.PENDING, None), (S.WAITLISTED, 1)]


# --- Registration ---------------------------------------------------------------------------------


def test_public_registration_opens_a_social_learner_account_and_stores_consent():
    p = program()
    doc = new_document()
    e = public_registration(p, name="林晓华", document=doc, employer="某养老院", ip="10.0.0.7")
    assert e.status == S.PENDING and e.channel == Enrollment.Channel.PUBLIC
    assert e.account.name == "林晓华"
    assert e.learner.kind == Learner.Kind.SOCIAL and e.learner.employer == "某养老院"
    consent = e.consent
    assert consent.version == CURRENT_VERSION
    assert consent.text_hash == consent_hash(CURRENT_VERSION, institution=p.institution.name)
    assert consent.ip == "10.0.0.7" and consent.account == e.account


def test_consent_is_required():
    p = program()
    with pytest.raises(ValidationError) as exc:
        public_registration(p, consent_given=False)
    assert exc.value.messages == [services.ERR_CONSENT_REQUIRED]
    assert not LearningAccount.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_consent_to_an_old_version_is_refused():
    p = program()
    with pytest.raises(ValidationError) as exc:
        public_registration(p, consent_version="2019.1")
    assert exc.value.messages == [services.ERR_CONSENT_VERSION]


def test_one_registration_per_person_per_program():
    p = program()
    doc = new_document()
    public_registration(p, name="周雨桐", document=doc)
    with pytest.raises(ValidationError) as exc:
        public_registration(p, name="周雨桐", document=doc)
    assert exc.value.messages == [services.ERR_DUPLICATE]
    assert Enrollment.objects.filter(program=p).count() == 1
    assert LearningAccount.objects.count() == 1


def test_the_same_person_as_student_and_public_is_still_one_registration():
    p = program()
    alice = student(major=None, name="安丽丝")
    user = user_with_role(Role.LEARNER, institution=alice.institution)
    link_account(alice.account, user)
    p = program(institution=alice.institution)
    services.enrollment_register_student(actor=user, program=p)
    with pytest.raises(ValidationError):
        public_registration(p, name="安丽丝", document=new_document_of(alice))


def new_document_of(learner):
    from xbank.core.identity import parse_document

    return parse_document(learner.account.id_number)


def test_after_withdrawing_a_person_may_register_again():
    p = program()
    doc = new_document()
    first = public_registration(p, name="黄嘉欣", document=doc)
    services.enrollment_withdraw(actor=SYSTEM, enrollment=first)
    again = public_registration(p, name="黄嘉欣", document=doc)
    assert again.status == S.PENDING


def test_registration_is_refused_unless_the_program_is_enrolling():
    for status in ["draft", "published", "closed"]:
        p = program(status=status)
        with pytest.raises(ValidationError) as exc:
            public_registration(p)
        assert exc.value.messages == [services.ERR_NOT_OPEN]


def test_a_students_only_program_refuses_the_public_form():
    p = program(audience="students")
    with pytest.raises(ValidationError) as exc:
        public_registration(p)
    assert exc.value.messages == [services.ERR_STUDENTS_ONLY]


def test_students_register_with_their_login():
    alice = student(name="安丽丝")
    user = user_with_role(Role.LEARNER, institution=alice.institution)
    link_account(alice.account, user)
    p = program(institution=alice.institution, audience="students")
    e = services.enrollment_register_student(actor=user, program=p)
    assert (e.account, e.learner, e.channel) == (alice.account, alice, "student")
    # A student of another college is not a student of this one.
    other = program(audience="students")
    with pytest.raises(ValidationError) as exc:
        services.enrollment_register_student(actor=user, program=other)
    assert exc.value.messages == [services.ERR_STUDENTS_ONLY]
    public = program(institution=alice.institution, audience="public")
    with pytest.raises(ValidationError) as exc:
        services.enrollment_register_student(actor=user, program=public)
    assert exc.value.messages == [services.ERR_PUBLIC_ONLY]


def test_a_login_without_an_account_cannot_register():
    user = user_with_role(Role.LEARNER, institution=InstitutionFactory())
    with pytest.raises(ValidationError) as exc:
        services.enrollment_register_student(actor=user, program=program())
    assert exc.value.messages == [services.ERR_NO_ACCOUNT]


# --- Capacity and waitlist ------------------------------------------------------------------------


def test_registrations_beyond_capacity_are_waitlisted_in_order():
    p = program(capacity=2)
    for _ in range(5):
        public_registration(p)
    assert statuses(p) == [
        (S.PENDING, None),
        (S.PENDING, None),
        (S.WAITLISTED, 1),
        (S.WAITLISTED, 2),
        (S.WAITLISTED, 3),
    ]


def test_withdrawal_promotes_the_first_on_the_waitlist():
    p = program(capacity=2)
    rows = [public_registration(p) for _ in range(4)]
    services.enrollment_withdraw(actor=SYSTEM, enrollment=rows[0])
    assert statuses(p) == [
        (S.WITHDRAWN, None),
        (S.PENDING, None),
        (S.PENDING, None),  # promoted from position 1
        (S.WAITLISTED, 1),  # moved up from 2
    ]
    assert AuditEntry.objects.filter(
        action="training.enrollment.promoted", object_id=str(rows[2].pk)
    ).exists()


def test_leaving_the_waitlist_moves_those_behind_up():
    p = program(capacity=1)
    rows = [public_registration(p) for _ in range(4)]
    services.enrollment_withdraw(actor=SYSTEM, enrollment=rows[2])  # position 2
    assert statuses(p) == [
        (S.PENDING, None),
        (S.WAITLISTED, 1),
        (S.WITHDRAWN, None),
        (S.WAITLISTED, 2),
    ]


def test_a_program_without_review_approves_at_once():
    p = program(capacity=1, requires_approval=False)
    a, b = public_registration(p), public_registration(p)
    assert (a.status, b.status) == (S.APPROVED, S.WAITLISTED)
    services.enrollment_withdraw(actor=SYSTEM, enrollment=a)
    b.refresh_from_db()
    assert b.status == S.APPROVED


# GB 11643-1999's published example: a valid number not made by the code under test.
PUBLISHED_ID = "11010519491231002X"


def _known_person(p, name="林晓华"):
    from xbank.core.identity import parse_document

    return public_registration(p, name=name, document=parse_document(PUBLISHED_ID))


def _other_name(p, name="林小华"):
    from xbank.core.identity import parse_document

    return public_registration(p, name=name, document=parse_document(PUBLISHED_ID))


def test_a_name_mismatch_is_pending_even_where_the_program_needs_no_review():
    first = program(requires_approval=False)
    _known_person(first)
    p = program(capacity=2, requires_approval=False)  # at another college
    e = _other_name(p)
    assert (e.status, e.needs_check, e.registered_name) == (S.PENDING, True, "林小华")
    assert e.learner is None  # not linked to the other college before the check
    # It holds a seat like any pending registration: the next person takes the last one.
    assert public_registration(p).status == S.APPROVED
    assert public_registration(p).status == S.WAITLISTED


def test_a_name_mismatch_promoted_from_the_waitlist_stays_pending():
    first = program(requires_approval=False)
    _known_person(first)
    p = program(institution=first.institution, capacity=1, requires_approval=False)
    seated = public_registration(p)
    e = _other_name(p)
    assert e.status == S.WAITLISTED
    services.enrollment_withdraw(actor=SYSTEM, enrollment=seated)
    e.refresh_from_db()
    assert (e.status, e.waitlist_position) == (S.PENDING, None)


def test_no_approval_until_the_staff_have_checked_the_name():
    from xbank.learners import services as learner_services

    _known_person(program())
    p = program()  # at another college
    e = _other_name(p)
    staff = user_with_role(Role.CONTINUING_ED, institution=p.institution)
    with pytest.raises(ValidationError) as exc:
        services.enrollment_approve(actor=staff, enrollment=e)
    assert exc.value.messages == [services.ERR_CHECK_FIRST]
    e.refresh_from_db()
    assert e.status == S.PENDING
    learner_services.profile_change_accept(actor=staff, change=e.profile_change)
    e.refresh_from_db()
    # Accepting linked the registration to the person's new record at the college.
    assert e.learner is not None and e.learner.institution == p.institution
    assert services.enrollment_approve(actor=staff, enrollment=e).status == S.APPROVED


def test_after_a_rejected_change_the_registration_is_decided_as_usual():
    from xbank.learners import services as learner_services

    first = program()
    _known_person(first)
    p = program(institution=first.institution)
    e = _other_name(p)
    staff = user_with_role(Role.CONTINUING_ED, institution=p.institution)
    learner_services.profile_change_reject(actor=staff, change=e.profile_change)
    assert LearningAccount.objects.get().name == "林晓华"
    assert services.enrollment_reject(actor=staff, enrollment=e).status == S.REJECTED


def test_bulk_approval_never_exceeds_capacity():
    p = program(capacity=3)
    rows = [public_registration(p) for _ in range(5)]
    pending = [r.pk for r in rows if r.status == S.PENDING]
    assert (
        services.enrollments_decide(actor=SYSTEM, program=p, enrollment_ids=pending, approve=True)
        == 3
    )
    # The waitlisted cannot be approved past the capacity.
    with pytest.raises(ValidationError):
        services.enrollments_decide(
            actor=SYSTEM, program=p, enrollment_ids=[rows[3].pk], approve=True
        )
    assert Enrollment.objects.filter(program=p, status=S.APPROVED).count() == 3


def test_a_decision_on_a_wrong_state_changes_nothing():
    p = program(capacity=1)
    a, b = public_registration(p), public_registration(p)
    services.enrollment_approve(actor=SYSTEM, enrollment=a)
    with pytest.raises(ValidationError):
        services.enrollments_decide(
            actor=SYSTEM, program=p, enrollment_ids=[a.pk, b.pk], approve=True
        )
    b.refresh_from_db()
    assert b.status == S.WAITLISTED


def test_rejection_frees_the_seat_for_the_waitlist_and_records_the_decider():
    p = program(capacity=1)
    # The program's own college: staff elsewhere are refused (see "Who may act" below).
    staff = user_with_role(Role.CONTINUING_ED, institution=p.institution)
    a, b = public_registration(p), public_registration(p)
    services.enrollment_reject(actor=staff, enrollment=a, reason="材料不全")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.note, a.decided_by) == (S.REJECTED, "材料不全", staff)
    assert b.status == S.PENDING


def test_rejecting_from_the_waitlist_keeps_positions_contiguous():
    p = program(capacity=1)
    rows = [public_registration(p) for _ in range(5)]
    services.enrollments_decide(
        actor=SYSTEM, program=p, enrollment_ids=[rows[1].pk, rows[3].pk], approve=False
    )
    assert statuses(p) == [
        (S.PENDING, None),
        (S.REJECTED, None),
        (S.WAITLISTED, 1),
        (S.REJECTED, None),
        (S.WAITLISTED, 2),
    ]


# --- Attendance and completion ----------------------------------------------------------------------


def _class_of(n, *, sessions=5, capacity=None, **kwargs):
    p = program(capacity=capacity or n, sessions=sessions, **kwargs)
    rows = [public_registration(p) for _ in range(n)]
    services.enrollments_decide(
        actor=SYSTEM, program=p, enrollment_ids=[r.pk for r in rows], approve=True
    )
    p = services.program_transition(actor=SYSTEM, program=p, action="close")
    return p, rows


def test_attendance_then_completion_records_a_training_outcome():
    p, (full, four, three) = _class_of(3, sessions=5)
    sessions = list(p.sessions.order_by("date"))
    for i, session in enumerate(sessions):
        present = {full.pk}
        if i < 4:
            present.add(four.pk)  # 4 of 5 = 80 %: completes
        if i < 3:
            present.add(three.pk)  # 3 of 5 = 60 %: does not
        services.attendance_record(actor=SYSTEM, session=session, present_ids=present)
    result = services.program_finish(actor=SYSTEM, program=p)
    assert (result.completed, result.not_completed) == (2, 1)
    for row, status in [(full, S.COMPLETED), (four, S.COMPLETED), (three, S.NOT_COMPLETED)]:
        row.refresh_from_db()
        assert row.status == status
    outcome = LearningOutcome.objects.get(account=four.account)
    assert outcome.kind == OutcomeKind.TRAINING
    assert outcome.number == f"TR-{p.code}-{four.pk}"
    assert outcome.issuer == p.institution.name
    assert outcome.title == f"{p.title}（培训结业）"
    assert outcome.certificate_type is None  # a completion, not the certificate itself
    assert outcome.issued_on == p.end_date
    assert not LearningOutcome.objects.filter(account=three.account).exists()
    p.refresh_from_db()
    assert p.status == "finished"


def test_attendance_can_be_corrected_before_the_class_closes():
    p, (a, b) = _class_of(2, sessions=1)
    session = p.sessions.get()
    services.attendance_record(actor=SYSTEM, session=session, present_ids={a.pk})
    services.attendance_record(actor=SYSTEM, session=session, present_ids={b.pk})
    roster = dict((e.pk, present) for e, present in selectors.session_roster(session=session))
    assert roster == {a.pk: False, b.pk: True}
    services.program_finish(actor=SYSTEM, program=p)
    with pytest.raises(ValidationError):
        services.attendance_record(actor=SYSTEM, session=session, present_ids={a.pk})


def test_only_admitted_people_can_be_marked_present():
    p = program(capacity=1, sessions=1)
    public_registration(p)
    waiting = public_registration(p)
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(actor=SYSTEM, session=p.sessions.get(), present_ids={waiting.pk})
    assert exc.value.messages == [services.ERR_ATTENDANCE_NOT_ENROLLED]


def test_the_completion_rule_is_per_program():
    p, (a,) = _class_of(1, sessions=2, completion_min_attendance=50)
    services.attendance_record(actor=SYSTEM, session=p.sessions.first(), present_ids={a.pk})
    services.program_finish(actor=SYSTEM, program=p)
    a.refresh_from_db()
    assert a.status == S.COMPLETED


def test_finishing_needs_sessions_and_rejects_the_never_admitted():
    p = program(capacity=1)
    public_registration(p), public_registration(p)
    p = services.program_transition(actor=SYSTEM, program=p, action="close")
    with pytest.raises(ValidationError) as exc:
        services.program_finish(actor=SYSTEM, program=p)
    assert exc.value.messages == [services.ERR_NO_SESSIONS]
    services.session_add(
        actor=SYSTEM,
        program=p,
        date=p.start_date,
        start_time=datetime.time(9),
        end_time=datetime.time(11),
        topic="理论",
    )
    services.program_finish(actor=SYSTEM, program=p)
    assert statuses(p) == [(S.REJECTED, None), (S.REJECTED, None)]


def test_a_session_must_fall_within_the_program_dates():
    p = program()
    with pytest.raises(ValidationError) as exc:
        services.session_add(
            actor=SYSTEM,
            program=p,
            date=p.end_date + datetime.timedelta(days=1),
            start_time=datetime.time(9),
            end_time=datetime.time(11),
            topic="理论",
        )
    assert exc.value.messages == [services.ERR_SESSION_DATE]


# --- Announcements ----------------------------------------------------------------------------------


def test_announcements_are_numbered_per_year_and_publish_their_programs():
    inst = InstitutionFactory()
    a = program(institution=inst, status="draft")
    b = program(institution=inst, status="draft")
    first = services.announcement_create(
        actor=SYSTEM, institution=inst, year=2024, title="第一批", programs=[a]
    )
    second = services.announcement_create(
        actor=SYSTEM, institution=inst, year=2024, title="第二批", programs=[b]
    )
    assert (first.number, second.number) == ("2024年第1期", "2024年第2期")
    services.announcement_publish(actor=SYSTEM, announcement=second)
    b.refresh_from_db()
    a.refresh_from_db()
    assert (a.status, b.status) == ("draft", "published")
    with pytest.raises(ValidationError):
        services.announcement_publish(actor=SYSTEM, announcement=second)


def test_an_announcement_lists_only_its_own_institutions_programs():
    inst = InstitutionFactory()
    with pytest.raises(ValidationError) as exc:
        services.announcement_create(
            actor=SYSTEM, institution=inst, year=2024, title="x", programs=[program()]
        )
    assert exc.value.messages == [services.ERR_ANNOUNCEMENT_INSTITUTION]


# --- Selectors for the assessment app ---------------------------------------------------------------


def test_enrollments_approved_and_instructor_ids():
    teacher = user_with_role(Role.TEACHER, institution=InstitutionFactory())
    p = program(capacity=2, instructors=[teacher])
    a, b, _ = public_registration(p), public_registration(p), public_registration(p)
    services.enrollment_approve(actor=SYSTEM, enrollment=a)
    assert b.status == S.PENDING  # pending and waitlisted are not admitted yet
    assert list(selectors.enrollments_approved(program=p)) == [a]
    assert selectors.program_instructor_ids(program=p) == {teacher.pk}


# --- Who may act: a person is checked, only the system is let through -------------------------------


def test_a_person_without_the_role_is_refused_where_the_system_is_let_through():
    p = program(status="draft")
    refused = {
        # sees the college's learner records, does not run its training
        "academic affairs": user_with_role(Role.ACADEMIC_AFFAIRS, institution=p.institution),
        # runs training, at another college
        "other college": user_with_role(Role.CONTINUING_ED, institution=InstitutionFactory()),
    }
    for who, person in refused.items():
        with pytest.raises(ValidationError) as exc:
            services.program_transition(actor=person, program=p, action="publish")
        assert exc.value.code == "forbidden", who
        assert exc.value.messages == [services.ERR_NOT_ALLOWED], who
    # A forgotten actor (``None``) no longer stands for the system: it is refused like a person.
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.program_transition(actor=None, program=p, action="publish")
    p.refresh_from_db()
    assert p.status == TrainingProgram.Status.DRAFT
    assert not AuditEntry.objects.filter(action="training.program.publish").exists()

    p = services.program_transition(actor=SYSTEM, program=p, action="publish")
    assert p.status == TrainingProgram.Status.PUBLISHED
    entry = AuditEntry.objects.get(action="training.program.publish")
    assert entry.actor is None and entry.actor_name == "系统"
    staff = user_with_role(Role.CONTINUING_ED, institution=p.institution)
    p = services.program_transition(actor=staff, program=p, action="open")
    assert p.status == TrainingProgram.Status.ENROLLING
    assert AuditEntry.objects.get(action="training.program.open").actor == staff


def test_attendance_is_taken_by_the_program_s_staff_and_instructors_only():
    teacher = user_with_role(Role.TEACHER, institution=InstitutionFactory())
    p = program(status="enrolling", sessions=1, instructors=[teacher])
    a = services.enrollment_register_staff(actor=SYSTEM, program=p, learner=student())
    services.enrollment_approve(actor=SYSTEM, enrollment=a)
    session = p.sessions.get()
    other_teacher = user_with_role(Role.TEACHER, institution=p.institution)
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.attendance_record(actor=other_teacher, session=session, present_ids={a.pk})
    assert services.attendance_record(actor=teacher, session=session, present_ids={a.pk}) == 1


def test_a_registration_is_withdrawn_by_its_person_or_the_program_s_staff():
    p = program(status="enrolling", audience="both")
    mine = services.enrollment_register_staff(actor=SYSTEM, program=p, learner=student())
    owner = user_with_role(Role.LEARNER, institution=p.institution)
    link_account(mine.account, owner)
    someone = user_with_role(Role.LEARNER, institution=p.institution)
    link_account(student().account, someone)
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.enrollment_withdraw(actor=someone, enrollment=mine)
    mine = services.enrollment_withdraw(actor=owner, enrollment=mine)
    assert mine.status == S.WITHDRAWN
