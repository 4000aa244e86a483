"""The rules of assessment: rooms, examiners (invariant 7), seats (invariant 6), cancelled
certificate types (invariant 5), confidentiality before publication, awards into the learning
account, and the audit of every change to results and awards (invariant 10)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xbank.accounts.models import Notification, Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services
from xbank.assessment.models import (
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExamResult,
    ExamSession,
    level_covers,
)
from xbank.assessment.services import awards as award_services
from xbank.assessment.tests import factories as f
from xbank.audit.models import AuditEntry
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ERR_CANCELLED, certificate_type_cancel
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.learners.models import LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import student
from xbank.testing.world import link_account
from xbank.training import services as training_services
from xbank.training.tests import factories as training_factories
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db

Status = ExamSession.Status
Step = ConfidentialityStep.Step


def messages_of(exc_info) -> str:
    exc = exc_info.value
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


# --- Rooms ---------------------------------------------------------------------------------------


def test_a_room_whose_certification_lapsed_the_day_before_is_refused():
    s = f.session()
    lapsed = f.room(institution=s.institution, certified_until=s.date - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.session_room_add(actor=SYSTEM, session=s, room=lapsed)
    assert messages_of(exc) == services.ERR_ROOM_CERTIFICATION_LAPSED.format(
        room=lapsed, until=lapsed.certified_until, date=s.date
    )
    # Certified up to and including the session date is fine.
    ok = f.room(institution=s.institution, certified_until=s.date)
    assert services.session_room_add(actor=SYSTEM, session=s, room=ok).seats == ok.capacity


def test_a_room_without_certification_or_of_another_college_is_refused():
    s = f.session()
    uncertified = f.room(institution=s.institution, certified_until=None, certified_on=None)
    with pytest.raises(ValidationError, match="没有登记标准化考场认定"):
        services.session_room_add(actor=SYSTEM, session=s, room=uncertified)
    elsewhere = f.room()
    with pytest.raises(ValidationError, match="不属于"):
        services.session_room_add(actor=SYSTEM, session=s, room=elsewhere)


def test_scheduling_checks_the_room_certification_again():
    s, rooms, _ = f.ready_session(status="draft")
    room = rooms[0].room
    services.room_update(
        actor=SYSTEM, room=room, certified_until=s.date - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.session_schedule(actor=SYSTEM, session=s)
    assert "已过期" in messages_of(exc)
    s.refresh_from_db()
    assert s.status == Status.DRAFT


def test_a_room_is_not_used_by_two_sessions_at_the_same_time():
    s, rooms, _ = f.ready_session(status="draft")
    other = f.session(institution=s.institution)
    with pytest.raises(ValidationError, match="同一时段"):
        services.session_room_add(actor=SYSTEM, session=other, room=rooms[0].room)


def test_seats_are_at_most_the_room_capacity():
    s = f.session()
    room = f.room(institution=s.institution, capacity=20)
    with pytest.raises(ValidationError, match="座位数应在 1 到考场容量 20"):
        services.session_room_add(actor=SYSTEM, session=s, room=room, seats=21)


# --- Examiners (invariant 7) ---------------------------------------------------------------------


def test_each_room_needs_two_qualified_examiners_to_be_scheduled():
    s = f.session()
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    services.session_examiner_add(
        actor=SYSTEM,
        session_room=sr,
        examiner=f.examiner(certificate_type=s.certificate_type, institution=s.institution),
    )
    with pytest.raises(ValidationError) as exc:
        services.session_schedule(actor=SYSTEM, session=s)
    assert "有 1 名" in messages_of(exc) and "至少需要 2 名" in messages_of(exc)
    services.session_examiner_add(
        actor=SYSTEM,
        session_room=sr,
        examiner=f.examiner(certificate_type=s.certificate_type, institution=s.institution),
    )
    assert services.session_schedule(actor=SYSTEM, session=s).status == Status.SCHEDULED


def test_a_session_without_rooms_is_not_scheduled():
    s = f.session()
    with pytest.raises(ValidationError, match=services.ERR_NO_ROOMS):
        services.session_schedule(actor=SYSTEM, session=s)


def test_an_examiner_whose_qualification_expired_the_day_before_is_refused():
    s = f.session()
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    expired = f.examiner(
        certificate_type=s.certificate_type,
        institution=s.institution,
        valid_until=s.date - datetime.timedelta(days=1),
        name="钱过期",
    )
    with pytest.raises(ValidationError) as exc:
        services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=expired)
    assert "已于 2025-06-19 到期，考核日期为 2025-06-20" in messages_of(exc)
    assert "钱过期" in messages_of(exc)
    # Valid through the session date itself is enough.
    last_day = f.examiner(
        certificate_type=s.certificate_type, institution=s.institution, valid_until=s.date
    )
    services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=last_day)


def test_an_examiner_not_yet_qualified_on_the_date_is_refused():
    s = f.session()
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    later = f.examiner(
        certificate_type=s.certificate_type,
        institution=s.institution,
        valid_from=s.date + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="起有效"):
        services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=later)


def test_an_examiner_of_a_lower_level_is_refused_and_a_higher_one_accepted():
    s = f.session(level="intermediate")
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    junior = f.examiner(
        certificate_type=s.certificate_type, institution=s.institution, level="junior"
    )
    with pytest.raises(ValidationError) as exc:
        services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=junior)
    assert "等级为初级，不能考评中级" in messages_of(exc)
    senior = f.examiner(
        certificate_type=s.certificate_type, institution=s.institution, level="senior"
    )
    services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=senior)


def test_levels_compare_within_their_family():
    assert level_covers("senior", "junior")
    assert level_covers("intermediate", "intermediate")
    assert not level_covers("junior", "intermediate")
    assert level_covers("grade3", "grade4")
    assert not level_covers("senior", "grade5")  # a 1+X level says nothing about grades
    assert level_covers("", "")


def test_an_examiner_of_another_certificate_is_refused():
    s = f.session()
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    other = f.examiner(certificate_type=CertificateTypeFactory(), institution=s.institution)
    with pytest.raises(ValidationError, match="没有「.*」的考评员资格"):
        services.session_examiner_add(actor=SYSTEM, session_room=sr, examiner=other)


def test_an_examiner_watches_one_room_of_a_session():
    s, rooms, examiners = f.ready_session(rooms=2, status="draft")
    with pytest.raises(ValidationError, match="已是本批次考场"):
        services.session_examiner_add(
            actor=SYSTEM, session_room=rooms[1], examiner=examiners[rooms[0].pk][0]
        )


def test_a_scheduled_room_keeps_two_examiners():
    s, rooms, _ = f.ready_session()
    assignment = rooms[0].examiners.first()
    with pytest.raises(ValidationError, match="少于 2 名"):
        services.session_examiner_remove(actor=SYSTEM, assignment=assignment)


def test_starting_checks_the_qualifications_again():
    s, rooms, examiners = f.ready_session()
    qualification = examiners[rooms[0].pk][0].examiner_qualifications.get()
    services.qualification_update(
        actor=SYSTEM, qualification=qualification, valid_until=datetime.date(2025, 1, 31)
    )
    with pytest.raises(ValidationError, match="至少需要 2 名"):
        services.session_start(actor=SYSTEM, session=s)


# --- Cancelled certificate types (invariant 5) ---------------------------------------------------


def test_a_cancelled_certificate_type_gets_no_new_session():
    ct = CertificateTypeFactory(name="营养配餐员")
    certificate_type_cancel(actor=SYSTEM, certificate_type=ct)
    ct.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        f.session(certificate_type=ct)
    assert messages_of(exc) == ERR_CANCELLED.format(name="营养配餐员")
    assert not ExamSession.objects.exists()


def test_a_certificate_cancelled_after_planning_blocks_sign_up_and_scheduling():
    s, rooms, _ = f.ready_session(status="draft")
    certificate_type_cancel(actor=SYSTEM, certificate_type=s.certificate_type)
    s.certificate_type.refresh_from_db()
    with pytest.raises(ValidationError, match="已取消"):
        services.candidate_add(actor=SYSTEM, session=s, account=student().account)
    with pytest.raises(ValidationError, match="已取消"):
        services.session_schedule(actor=SYSTEM, session=s)


def test_a_level_the_certificate_does_not_have_is_refused():
    ct = CertificateTypeFactory(levels=["junior"])
    with pytest.raises(ValidationError, match="没有「高级」这一等级"):
        f.session(certificate_type=ct, level="senior")
    with pytest.raises(ValidationError, match="须选择等级"):
        f.session(certificate_type=ct, level="")


# --- Candidates and seats (invariant 6) ----------------------------------------------------------


def test_candidates_get_seats_in_room_order_and_a_ticket_number():
    s, rooms, _ = f.ready_session(rooms=2, seats=2)
    people = [student().account for _ in range(4)]
    candidates = [services.candidate_add(actor=SYSTEM, session=s, account=a) for a in people]
    assert [(c.session_room_id, c.seat_no) for c in candidates] == [
        (rooms[0].pk, 1),
        (rooms[0].pk, 2),
        (rooms[1].pk, 1),
        (rooms[1].pk, 2),
    ]
    assert candidates[2].ticket_no == f"2025{s.pk:05d}02001"
    with pytest.raises(ValidationError) as exc:
        services.candidate_add(actor=SYSTEM, session=s, account=student().account)
    assert messages_of(exc) == services.ERR_SESSION_FULL.format(seats=4)
    assert Candidate.objects.filter(session=s).count() == 4


def test_a_freed_seat_is_taken_again():
    s, rooms, _ = f.ready_session(seats=2)
    first, second = (
        services.candidate_add(actor=SYSTEM, session=s, account=student().account) for _ in range(2)
    )
    services.candidate_remove(actor=SYSTEM, candidate=first)
    again = services.candidate_add(actor=SYSTEM, session=s, account=student().account)
    assert again.seat_no == 1


def test_one_person_signs_up_once_per_session():
    s, _, _ = f.ready_session()
    account = student().account
    services.candidate_add(actor=SYSTEM, session=s, account=account)
    with pytest.raises(ValidationError, match="已报考本考核批次"):
        services.candidate_add(actor=SYSTEM, session=s, account=account)


def test_the_admission_ticket_is_a_credential_and_removal_revokes_it():
    s, _, _ = f.ready_session()
    candidate = services.candidate_add(
        actor=SYSTEM, session=s, account=student(name="欧阳晓晴").account
    )
    credential = candidate.ticket_credential
    assert credential.kind == Credential.Kind.ADMISSION_TICKET and credential.is_valid
    assert credential.holder_name_masked == "欧**晴"
    assert ["准考证号", candidate.ticket_no] in credential.details
    services.candidate_remove(actor=SYSTEM, candidate=candidate)
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED


# --- Candidates from training, and instructors who may not examine them --------------------------


def _approved_enrollment(program, *, name=None):
    enrollment = training_factories.public_registration(program, name=name)
    return training_services.enrollment_approve(actor=SYSTEM, enrollment=enrollment)


def test_approved_enrollments_of_a_program_are_signed_up_and_others_refused():
    s, _, _ = f.ready_session()
    program = training_factories.program(
        institution=s.institution, certificate_type=s.certificate_type
    )
    approved = [_approved_enrollment(program) for _ in range(3)]
    pending = training_factories.public_registration(program)
    report = services.candidates_add_from_program(actor=SYSTEM, session=s, program=program)
    assert len(report.added) == 3 and report.refused == []
    assert {c.enrollment_id for c in report.added} == {e.pk for e in approved}
    assert all(c.source == Candidate.Source.ENROLLMENT for c in report.added)
    with pytest.raises(ValidationError, match="未获录取"):
        services.candidate_add(actor=SYSTEM, session=s, account=pending.account, enrollment=pending)
    again = services.candidates_add_from_program(actor=SYSTEM, session=s, program=program)
    assert again.already == 3 and again.added == []


def test_an_enrollment_for_another_certificate_is_refused():
    s, _, _ = f.ready_session()
    program = training_factories.program(institution=s.institution)
    enrollment = _approved_enrollment(program)
    with pytest.raises(ValidationError, match="证书与本考核批次的证书不一致"):
        services.candidate_add(
            actor=SYSTEM, session=s, account=enrollment.account, enrollment=enrollment
        )


def _program_taught_by(s, instructor):
    program = training_factories.program(
        institution=s.institution, certificate_type=s.certificate_type
    )
    program.instructors.add(instructor)
    return program


def test_seat_allocation_avoids_the_room_of_the_candidates_instructor():
    s, rooms, examiners = f.ready_session(rooms=2, seats=5)
    teacher = examiners[rooms[0].pk][0]
    enrollment = _approved_enrollment(_program_taught_by(s, teacher), name="黄嘉欣")
    candidate = services.candidate_add(
        actor=SYSTEM, session=s, account=enrollment.account, enrollment=enrollment
    )
    assert candidate.session_room_id == rooms[1].pk


def test_a_candidate_is_refused_when_every_free_room_has_their_instructor():
    s, rooms, examiners = f.ready_session(rooms=1)
    teacher = examiners[rooms[0].pk][1]
    enrollment = _approved_enrollment(_program_taught_by(s, teacher), name="吴子涵")
    with pytest.raises(ValidationError) as exc:
        services.candidate_add(
            actor=SYSTEM, session=s, account=enrollment.account, enrollment=enrollment
        )
    assert "吴子涵" in messages_of(exc) and "授课教师" in messages_of(exc)
    report = services.candidates_add_from_program(
        actor=SYSTEM, session=s, program=enrollment.program
    )
    assert report.added == [] and report.refused[0][0] == "吴子涵"


def test_an_instructor_is_not_added_as_examiner_of_a_room_with_their_student():
    s, rooms, _ = f.ready_session(status="draft")
    teacher = f.examiner(certificate_type=s.certificate_type, institution=s.institution)
    enrollment = _approved_enrollment(_program_taught_by(s, teacher), name="郑思远")
    services.candidate_add(
        actor=SYSTEM, session=s, account=enrollment.account, enrollment=enrollment
    )
    with pytest.raises(ValidationError) as exc:
        services.session_examiner_add(actor=SYSTEM, session_room=rooms[0], examiner=teacher)
    assert "郑思远" in messages_of(exc) and "不能考评该考生" in messages_of(exc)


# --- Results (invariant 7, invariant 10) ----------------------------------------------------------


def test_only_the_examiners_of_the_candidates_room_enter_scores():
    s, rooms, examiners = f.ready_session(
        rooms=2, status="in_progress", accounts=[student().account]
    )
    candidate = s.candidates.get()
    other_room = examiners[rooms[1].pk][0]
    qualified_stranger = f.examiner(certificate_type=s.certificate_type, institution=s.institution)
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    for outsider in (other_room, qualified_stranger, staff):
        with pytest.raises(PermissionDenied) as exc:
            services.result_enter(
                actor=outsider,
                candidate=candidate,
                theory_score=Decimal(90),
                practical_score=Decimal(90),
            )
        assert messages_of(exc) == services.ERR_NOT_ASSIGNED.format(name=candidate.account.name)
    assert not ExamResult.objects.exists()
    result = services.result_enter(
        actor=examiners[rooms[0].pk][0],
        candidate=candidate,
        theory_score=Decimal(90),
        practical_score=Decimal("59.5"),
    )
    assert result.passed is False  # practical below 60


def test_an_assigned_examiner_whose_qualification_lapsed_may_not_score():
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    candidate = s.candidates.get()
    examiner = examiners[rooms[0].pk][0]
    qualification = examiner.examiner_qualifications.get()
    services.qualification_update(
        actor=SYSTEM, qualification=qualification, valid_until=s.date - datetime.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied, match="已于 2025-06-19 到期"):
        services.result_enter(
            actor=examiner,
            candidate=candidate,
            theory_score=Decimal(80),
            practical_score=Decimal(80),
        )


def test_the_instructor_of_a_candidate_may_not_score_them():
    s, rooms, examiners = f.ready_session(status="draft")
    enrollment = _approved_enrollment(
        training_factories.program(institution=s.institution, certificate_type=s.certificate_type)
    )
    candidate = services.candidate_add(
        actor=SYSTEM, session=s, account=enrollment.account, enrollment=enrollment
    )
    examiner = examiners[rooms[0].pk][0]
    enrollment.program.instructors.add(examiner)  # recorded after the allocation
    services.session_schedule(actor=SYSTEM, session=s)
    services.session_start(actor=SYSTEM, session=s)
    with pytest.raises(PermissionDenied, match="授课教师"):
        services.result_enter(
            actor=examiner,
            candidate=candidate,
            theory_score=Decimal(80),
            practical_score=Decimal(80),
        )


def test_scores_are_entered_only_while_the_session_is_scored():
    s, rooms, examiners = f.ready_session(status="scheduled")
    candidate = services.candidate_add(actor=SYSTEM, session=s, account=student().account)
    with pytest.raises(ValidationError, match="不能录入成绩"):
        services.result_enter(
            actor=examiners[rooms[0].pk][0],
            candidate=candidate,
            theory_score=Decimal(80),
            practical_score=Decimal(80),
        )


def test_pass_marks_per_certificate_type_decide_the_result():
    s, rooms, examiners = f.ready_session(
        status="in_progress", accounts=[student().account, student().account]
    )
    services.pass_mark_set(
        actor=SYSTEM, certificate_type=s.certificate_type, theory=Decimal(70), practical=Decimal(50)
    )
    examiner = examiners[rooms[0].pk][0]
    a, b = s.candidates.order_by("seat_no")
    assert services.result_enter(
        actor=examiner, candidate=a, theory_score=Decimal(70), practical_score=Decimal(50)
    ).passed
    assert not services.result_enter(
        actor=examiner, candidate=b, theory_score=Decimal("69.5"), practical_score=Decimal(100)
    ).passed
    with pytest.raises(ValidationError, match="理论成绩应在 0 到 100"):
        services.result_enter(
            actor=examiner, candidate=b, theory_score=Decimal(101), practical_score=Decimal(1)
        )


def test_every_change_of_a_result_is_audited_with_old_and_new_values():
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    examiner = examiners[rooms[0].pk][0]
    candidate = s.candidates.get()
    services.result_enter(
        actor=examiner, candidate=candidate, theory_score=Decimal(55), practical_score=Decimal(80)
    )
    services.result_enter(
        actor=examiner, candidate=candidate, theory_score=Decimal(65), practical_score=Decimal(80)
    )
    services.result_enter(  # the same again: nothing to audit
        actor=examiner, candidate=candidate, theory_score=Decimal(65), practical_score=Decimal(80)
    )
    entries = AuditEntry.objects.filter(action__startswith="assessment.result.").order_by("id")
    assert [e.action for e in entries] == ["assessment.result.entered", "assessment.result.changed"]
    assert entries[1].actor == examiner
    assert entries[1].data["old"]["theory_score"] == "55.0"
    assert entries[1].data["new"]["theory_score"] == "65"
    assert entries[1].data["new"]["passed"] is True


def test_absent_candidates_have_no_scores():
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    candidate = s.candidates.get()
    examiner = examiners[rooms[0].pk][0]
    with pytest.raises(ValidationError, match=services.ERR_ABSENT_WITH_SCORES):
        services.result_enter(
            actor=examiner,
            candidate=candidate,
            theory_score=Decimal(1),
            practical_score=None,
            absent=True,
        )
    result = services.result_enter(
        actor=examiner, candidate=candidate, theory_score=None, practical_score=None, absent=True
    )
    assert result.absent and not result.passed and result.is_complete


# --- Status transitions ---------------------------------------------------------------------------


def test_transitions_check_the_from_state_and_are_audited():
    s, rooms, examiners = f.ready_session(status="draft")
    for service in (
        services.session_start,
        services.session_finish_scoring,
        services.session_publish,
        services.session_unschedule,
    ):
        with pytest.raises(ValidationError, match="当前状态为「草稿」"):
            service(actor=SYSTEM, session=s)
    s = services.session_schedule(actor=SYSTEM, session=s)
    s = services.session_start(actor=SYSTEM, session=s)
    with pytest.raises(ValidationError, match="不能取消"):
        services.session_cancel(actor=SYSTEM, session=s)
    actions = list(
        AuditEntry.objects.filter(object_id=str(s.pk), action__startswith="assessment.session.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["assessment.session.scheduled", "assessment.session.in_progress"]


def test_a_session_does_not_start_before_its_date():
    s = f.session(date=datetime.date.today() + datetime.timedelta(days=10))
    sr = services.session_room_add(actor=SYSTEM, session=s, room=f.room(institution=s.institution))
    for _ in range(2):
        services.session_examiner_add(
            actor=SYSTEM,
            session_room=sr,
            examiner=f.examiner(certificate_type=s.certificate_type, institution=s.institution),
        )
    services.session_schedule(actor=SYSTEM, session=s)
    with pytest.raises(ValidationError, match="还没到"):
        services.session_start(actor=SYSTEM, session=s)


def test_scoring_ends_only_when_every_candidate_has_a_result():
    s, rooms, examiners = f.ready_session(
        status="in_progress", accounts=[student().account, student().account]
    )
    a, b = s.candidates.order_by("seat_no")
    examiner = examiners[rooms[0].pk][0]
    services.result_enter(
        actor=examiner, candidate=a, theory_score=Decimal(80), practical_score=None
    )
    with pytest.raises(ValidationError) as exc:
        services.session_finish_scoring(actor=SYSTEM, session=s)
    assert messages_of(exc) == services.ERR_RESULTS_INCOMPLETE.format(count=2)
    services.result_enter(
        actor=examiner, candidate=a, theory_score=Decimal(80), practical_score=Decimal(80)
    )
    services.result_enter(
        actor=examiner, candidate=b, theory_score=None, practical_score=None, absent=True
    )
    assert services.session_finish_scoring(actor=SYSTEM, session=s).status == Status.SCORED


def test_cancelling_revokes_the_admission_tickets():
    s, _, _ = f.ready_session()
    candidate = services.candidate_add(actor=SYSTEM, session=s, account=student().account)
    services.session_cancel(actor=SYSTEM, session=s)
    candidate.ticket_credential.refresh_from_db()
    assert not candidate.ticket_credential.is_valid


# --- Confidentiality record -------------------------------------------------------------------------


def _scored_session():
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    f.score_all(s, examiners)
    return services.session_finish_scoring(actor=SYSTEM, session=s), rooms, examiners


def test_results_are_not_published_before_the_confidentiality_record_is_complete():
    s, rooms, examiners = _scored_session()
    first, second = examiners[rooms[0].pk]
    with pytest.raises(ValidationError) as exc:
        services.session_publish(actor=SYSTEM, session=s)
    assert "「试卷接收」未签字" in messages_of(exc)
    done_at = datetime.datetime(2025, 6, 20, 8, 0, tzinfo=datetime.UTC)
    steps = [
        services.confidentiality_sign(actor=first, session=s, step=step, done_at=done_at)
        for step in (Step.RECEIVED, Step.OPENED, Step.SEALED, Step.SURVEILLANCE)
    ]
    with pytest.raises(ValidationError, match="「答卷密封」未复核"):
        services.session_publish(actor=SYSTEM, session=s)
    for step in steps:
        services.confidentiality_countersign(actor=second, step=step)
    incident = services.incident_report(
        actor=first, session=s, occurred_at=done_at, description="一名考生迟到 10 分钟"
    )
    with pytest.raises(ValidationError, match="1 项异常情况未处理"):
        services.session_publish(actor=SYSTEM, session=s)
    services.incident_resolve(actor=second, incident=incident, handling="按规定准予入场，已记录")
    assert services.session_publish(actor=SYSTEM, session=s).status == Status.PUBLISHED


def test_a_step_is_countersigned_by_someone_else():
    s, rooms, examiners = f.ready_session()
    first, second = examiners[rooms[0].pk]
    step = services.confidentiality_sign(
        actor=first, session=s, step=Step.RECEIVED, done_at=datetime.datetime.now(datetime.UTC)
    )
    with pytest.raises(ValidationError, match="须由另一人复核"):
        services.confidentiality_countersign(actor=first, step=step)
    services.confidentiality_countersign(actor=second, step=step)
    with pytest.raises(ValidationError, match="已由"):
        services.confidentiality_countersign(actor=second, step=step)


def test_papers_are_opened_only_after_they_were_received():
    s, rooms, examiners = f.ready_session()
    with pytest.raises(ValidationError, match="须先记录「试卷接收」"):
        services.confidentiality_sign(
            actor=examiners[rooms[0].pk][0],
            session=s,
            step=Step.OPENED,
            done_at=datetime.datetime.now(datetime.UTC),
        )


def test_publication_notifies_candidates_with_a_login():
    learner = student(name="林可欣")
    login = user_with_role(Role.LEARNER, institution=learner.institution)
    link_account(learner.account, login)
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[learner.account])
    f.score_all(s, examiners)
    s = services.session_finish_scoring(actor=SYSTEM, session=s)
    f.complete_confidentiality(s, *examiners[rooms[0].pk])
    services.session_publish(actor=SYSTEM, session=s)
    note = Notification.objects.get(recipient=login)
    assert s.title in note.title and note.url == reverse("assessment:my-results")


# --- Awards ------------------------------------------------------------------------------------------


def published_with(*, passed=True, name="周雨桐", certificate_type=None):
    s, rooms, examiners = f.ready_session(
        status="in_progress",
        certificate_type=certificate_type,
        accounts=[student(name=name).account],
    )
    candidate = s.candidates.get()
    score = Decimal(85) if passed else Decimal(40)
    f.score_all(s, examiners, theory=score, practical=score)
    s = services.session_finish_scoring(actor=SYSTEM, session=s)
    f.complete_confidentiality(s, *examiners[rooms[0].pk])
    s = services.session_publish(actor=SYSTEM, session=s)
    candidate.refresh_from_db()
    return s, candidate


def test_an_award_is_a_verified_outcome_in_the_account_and_a_valid_credential(client):
    s, candidate = published_with()
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    award = services.award_issue(
        actor=staff,
        candidate=candidate,
        certificate_no="LNZH-2025-1-000123",
        issued_on=datetime.date(2025, 7, 15),
    )
    outcome = candidate.account.outcomes.get()
    assert outcome == award.outcome
    assert (outcome.kind, outcome.status, outcome.source) == (
        OutcomeKind.SKILL_CERTIFICATE,
        LearningOutcome.Status.VERIFIED,
        LearningOutcome.Source.AWARD,
    )
    assert outcome.issuer == s.certificate_type.evaluation_org.name
    assert (outcome.number, outcome.level, outcome.certificate_type) == (
        "LNZH-2025-1-000123",
        "junior",
        s.certificate_type,
    )
    page = client.get(reverse("verify:detail", args=[award.credential.code]))
    body = page.content.decode()
    assert 'data-verdict="valid"' in body
    assert "周*桐" in body and "周雨桐" not in body
    assert "LNZH-2025-1-000123" in body
    assert AuditEntry.objects.filter(action="assessment.award.issued", actor=staff).exists()


def test_a_revoked_award_revokes_its_outcome_and_credential(client):
    s, candidate = published_with()
    award = services.award_issue(
        actor=SYSTEM, candidate=candidate, certificate_no="C-1", issued_on=datetime.date(2025, 7, 1)
    )
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    services.award_revoke(actor=staff, award=award, reason="考核舞弊，经查实")
    award.refresh_from_db()
    award.outcome.refresh_from_db()
    assert award.status == CertificateAward.Status.REVOKED
    assert award.outcome.status == LearningOutcome.Status.REVOKED
    body = client.get(reverse("verify:detail", args=[award.credential.code])).content.decode()
    assert 'data-verdict="revoked"' in body and "考核舞弊" in body
    actions = set(AuditEntry.objects.filter(actor=staff).values_list("action", flat=True))
    assert {
        "assessment.award.revoked",
        "learners.outcome.revoked",
        "verify.credential.revoked",
    } <= actions
    with pytest.raises(ValidationError, match=services.ERR_AWARD_REVOKED):
        services.award_revoke(actor=staff, award=award, reason="again")


def test_a_qualification_award_is_a_qualification_outcome():
    ct = CertificateTypeFactory(
        kind=CertificateType.Kind.QUALIFICATION,
        evaluation_org=None,
        issuer_name="广东省人力资源和社会保障厅",
        levels=["grade5", "grade4"],
    )
    s, rooms, examiners = f.ready_session(
        status="in_progress", certificate_type=ct, level="grade4", accounts=[student().account]
    )
    candidate = s.candidates.get()
    f.score_all(s, examiners)
    s = services.session_finish_scoring(actor=SYSTEM, session=s)
    f.complete_confidentiality(s, *examiners[rooms[0].pk])
    services.session_publish(actor=SYSTEM, session=s)
    award = services.award_issue(
        actor=SYSTEM, candidate=candidate, certificate_no="Q-1", issued_on=datetime.date(2025, 8, 1)
    )
    assert award.outcome.kind == OutcomeKind.QUALIFICATION
    assert award.outcome.issuer == "广东省人力资源和社会保障厅"
    assert award.outcome.title == f"{ct.name}（四级/中级工）"


def test_no_award_for_a_failed_or_unpublished_candidate():
    s, candidate = published_with(passed=False)
    with pytest.raises(ValidationError, match="未通过考核"):
        services.award_issue(
            actor=SYSTEM,
            candidate=candidate,
            certificate_no="X-1",
            issued_on=datetime.date(2025, 7, 1),
        )
    s2, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    other = s2.candidates.get()
    f.score_all(s2, examiners)
    with pytest.raises(ValidationError, match="尚未发布"):
        services.award_issue(
            actor=SYSTEM, candidate=other, certificate_no="X-2", issued_on=datetime.date(2025, 7, 1)
        )
    assert not LearningOutcome.objects.exists()


def test_a_certificate_number_is_one_persons():
    s, first = published_with(name="许梦琪")
    ct = s.certificate_type
    services.award_issue(
        actor=SYSTEM, candidate=first, certificate_no="N-1", issued_on=datetime.date(2025, 7, 1)
    )
    with pytest.raises(ValidationError, match="已发放证书"):
        services.award_issue(
            actor=SYSTEM, candidate=first, certificate_no="N-2", issued_on=datetime.date(2025, 7, 1)
        )
    _, second = published_with(name="蔡宇航", certificate_type=ct)
    with pytest.raises(ValidationError, match="已发放给他人"):
        services.award_issue(
            actor=SYSTEM,
            candidate=second,
            certificate_no="N-1",
            issued_on=datetime.date(2025, 7, 1),
        )


def test_an_award_calls_the_credit_bank_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(award_services, "on_award_issued", lambda *, award: seen.append(award))
    _, candidate = published_with()
    award = services.award_issue(
        actor=SYSTEM, candidate=candidate, certificate_no="H-1", issued_on=datetime.date(2025, 7, 1)
    )
    assert seen == [award]


# --- Who may act: a person is checked, only the system is let through -------------------------------


def test_a_person_without_the_role_is_refused_where_the_system_is_let_through():
    s, rooms, examiners = f.ready_session(status="draft")
    elsewhere = f.ready_session(status="draft")[0].institution
    refused = {
        # reads the college's assessments but does not run them
        "academic affairs": user_with_role(Role.ACADEMIC_AFFAIRS, institution=s.institution),
        # runs assessments, at another college
        "other college": user_with_role(Role.CONTINUING_ED, institution=elsewhere),
        # an examiner of the session: scores, but does not cancel
        "examiner": examiners[rooms[0].pk][0],
    }
    for who, person in refused.items():
        with pytest.raises(ValidationError) as exc:
            services.session_cancel(actor=person, session=s, reason="x")
        assert exc.value.code == "forbidden", who
        assert exc.value.messages == [services.ERR_NOT_ALLOWED], who
    # A forgotten actor (``None``) no longer stands for the system: it is refused like a person.
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.session_cancel(actor=None, session=s, reason="x")
    s.refresh_from_db()
    assert s.status == Status.DRAFT
    assert not AuditEntry.objects.filter(action="assessment.session.cancelled").exists()

    assert services.session_cancel(actor=SYSTEM, session=s, reason="考点停电").status == (
        Status.CANCELLED
    )
    entry = AuditEntry.objects.get(action="assessment.session.cancelled")
    assert entry.actor is None and entry.actor_name == "系统"


def test_the_staff_who_run_the_college_s_assessments_pass_the_check():
    s = f.ready_session(status="draft")[0]
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    site = services.site_create(actor=staff, institution=s.institution, name="实训楼", address="x")
    assert site.institution == s.institution
    hr = user_with_role(Role.HR, institution=s.institution)
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.site_create(actor=hr, institution=s.institution, name="实训楼二", address="x")


def test_what_only_a_person_does_the_system_cannot():
    s, rooms, examiners = f.ready_session()
    done_at = datetime.datetime.now(datetime.UTC)
    with pytest.raises(ValidationError, match=services.ERR_PERSON_ONLY):
        services.confidentiality_sign(actor=SYSTEM, session=s, step=Step.RECEIVED, done_at=done_at)
    stranger = user_with_role(Role.CONTINUING_ED, institution=f.ready_session()[0].institution)
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.confidentiality_sign(
            actor=stranger, session=s, step=Step.RECEIVED, done_at=done_at
        )
    assert not ConfidentialityStep.objects.filter(session=s).exists()
