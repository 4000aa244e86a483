"""One shared world of named actors for the tests of every app (healthchecks' ``BaseTestCase``).

``build_world()``: two colleges, A with schools A1 and A2, B with school B1. ``alice`` studies in
A1 (the owner's school), ``bob`` in A2 (a colleague school of the same college), ``carol`` in B1
(an outsider college). Each holds one certificate. Users hold one role each, named by what they
are to alice (``ROLES``). Apps that need more rows add them on top of it, here
(``build_assessment_world``, ``build_report_world``) or in their own factories
(``pilot.tests.factories.build_pilot_world``, ``faculty.tests.factories.build_faculty_world``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import UserFactory, user_with_role
from xbank.assessment import services as assessment_services
from xbank.assessment.models import (
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExaminerQualification,
    ExamRoom,
    ExamSession,
    ExamSite,
    SessionExaminer,
    SessionIncident,
    SessionRoom,
)
from xbank.assessment.tests import factories as assessment_f
from xbank.catalog.models import CertificateType, Curriculum
from xbank.catalog.tests.factories import (
    CertificateTypeFactory,
    CurriculumCourseFactory,
    CurriculumFactory,
    StandardModuleFactory,
)
from xbank.core.actors import SYSTEM
from xbank.faculty.tests import factories as faculty
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import new_document, outcome, student
from xbank.orgs.models import Institution, Major, School
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory
from xbank.pilot.tests.factories import departments_of, pilot_major
from xbank.reports.tests import factories as reports_f

# Keys of ``World.users``; None is the anonymous visitor.
ROLES = [
    None,
    "sysadmin",
    "bank_admin",
    "academic_affairs_a",
    "continuing_ed_a",
    "school_staff_a1",  # owner: alice's school
    "school_staff_a2",  # colleague: same college, another school
    "school_staff_b1",  # outsider: another college
    "major_staff_a1",  # school staff scoped to alice's major only
    "hr_a",  # a role that sees no learner records
    "learner",  # alice herself
    "learner_without_account",
]


@dataclass
class World:
    college_a: Institution
    college_b: Institution
    school_a1: School
    school_a2: School
    school_b1: School
    major_a1: Major
    major_a2: Major
    major_b1: Major
    alice: Learner
    bob: Learner
    carol: Learner
    certificate_type: CertificateType
    curriculum_a1: Curriculum
    curriculum_b1: Curriculum
    outcomes: dict[str, LearningOutcome] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build_world() -> World:
    college_a = InstitutionFactory(name="甲职业技术学院")
    college_b = InstitutionFactory(name="乙职业技术学院")
    school_a1 = SchoolFactory(institution=college_a, name="护理学院")
    school_a2 = SchoolFactory(institution=college_a, name="信息工程学院")
    school_b1 = SchoolFactory(institution=college_b, name="健康学院")
    major_a1 = MajorFactory(school=school_a1, name="护理")
    major_a2 = MajorFactory(school=school_a2, name="软件技术")
    major_b1 = MajorFactory(school=school_b1, name="老年保健与管理")
    alice = student(major=major_a1, name="安丽丝")
    bob = student(major=major_a2, name="包博")
    carol = student(major=major_b1, name="蔡可")
    certificate_type = CertificateTypeFactory(name="老年照护职业技能等级证书")
    StandardModuleFactory(certificate_type=certificate_type)
    curriculum_a1 = CurriculumFactory(major=major_a1, cohort_year=2023)
    curriculum_a1.required_certificates.add(certificate_type)
    CurriculumCourseFactory(curriculum=curriculum_a1)
    curriculum_b1 = CurriculumFactory(major=major_b1, cohort_year=2023)
    world = World(
        college_a=college_a,
        college_b=college_b,
        school_a1=school_a1,
        school_a2=school_a2,
        school_b1=school_b1,
        major_a1=major_a1,
        major_a2=major_a2,
        major_b1=major_b1,
        alice=alice,
        bob=bob,
        carol=carol,
        certificate_type=certificate_type,
        curriculum_a1=curriculum_a1,
        curriculum_b1=curriculum_b1,
    )
    for key, learner in [("alice", alice), ("bob", bob), ("carol", carol)]:
        world.outcomes[key] = outcome(
            learner.account,
            kind=OutcomeKind.SKILL_CERTIFICATE,
            title=certificate_type.name,
            certificate_type=certificate_type,
            issued_on=datetime.date(2024, 6, 30),
        )
    world.users = {
        "sysadmin": user_with_role(Role.SYSADMIN),
        "bank_admin": user_with_role(Role.BANK_ADMIN),
        "academic_affairs_a": user_with_role(Role.ACADEMIC_AFFAIRS, institution=college_a),
        "continuing_ed_a": user_with_role(Role.CONTINUING_ED, institution=college_a),
        "school_staff_a1": user_with_role(Role.SCHOOL_STAFF, school=school_a1),
        "school_staff_a2": user_with_role(Role.SCHOOL_STAFF, school=school_a2),
        "school_staff_b1": user_with_role(Role.SCHOOL_STAFF, school=school_b1),
        "major_staff_a1": user_with_role(Role.SCHOOL_STAFF, institution=college_a, major=major_a1),
        "hr_a": user_with_role(Role.HR, institution=college_a),
        "learner": user_with_role(Role.LEARNER, institution=college_a),
        "learner_without_account": user_with_role(Role.LEARNER, institution=college_a),
    }
    link_account(alice.account, world.users["learner"])
    return world


def link_account(account, user) -> None:
    """Give a login to a learning account, as the learner portal's sign-up will."""
    account.user = user
    account.save(update_fields=["user"])


def plain_user(**kwargs):
    """A user with no role at all."""
    return UserFactory(**kwargs)


# --- Assessments ----------------------------------------------------------------------------------

ASSESSMENT_ROLES = [*ROLES, "continuing_ed_b", "examiner_assigned", "examiner_other"]


@dataclass
class AssessmentWorld:
    base: World
    site: ExamSite
    room: ExamRoom
    published: ExamSession
    scheduled: ExamSession
    alice_candidate: Candidate
    bob_candidate: Candidate
    award: CertificateAward
    qualification: ExaminerQualification
    session_room: SessionRoom
    assignment: SessionExaminer
    step: ConfidentialityStep
    incident: SessionIncident

    @property
    def users(self):
        return self.base.users


def build_assessment_world() -> AssessmentWorld:
    """The shared world with assessments added.

    College A runs two sessions of the world's certificate type: ``published`` (alice passed and
    holds the certificate; ``examiner_assigned`` examined her room) and ``scheduled`` (bob is
    signed up). ``continuing_ed_b`` runs assessments of college B and sees none of A's;
    ``examiner_other`` is qualified but assigned to nothing.
    """
    base = build_world()
    college_a, ct = base.college_a, base.certificate_type
    users = base.users
    users["continuing_ed_b"] = user_with_role(Role.CONTINUING_ED, institution=base.college_b)
    staff = users["continuing_ed_a"]
    assigned = assessment_f.examiner(certificate_type=ct, institution=college_a, name="郭考评")
    colleague = assessment_f.examiner(certificate_type=ct, institution=college_a, name="沈考评")
    users["examiner_assigned"] = assigned
    users["examiner_other"] = assessment_f.examiner(
        certificate_type=ct, institution=college_a, name="闲考评"
    )

    site = assessment_f.site(institution=college_a, name="甲学院实训楼考点")
    room = assessment_f.room(site_=site, name="301 考场", capacity=30)
    published = assessment_f.session(
        institution=college_a, certificate_type=ct, actor=staff, title="2025 年第一批"
    )
    session_room = assessment_services.session_room_add(actor=staff, session=published, room=room)
    for examiner in (assigned, colleague):
        assessment_services.session_examiner_add(
            actor=staff, session_room=session_room, examiner=examiner
        )
    published = assessment_services.session_schedule(actor=staff, session=published)
    alice_candidate = assessment_services.candidate_add(
        actor=staff, session=published, account=base.alice.account
    )
    published = assessment_services.session_start(actor=staff, session=published)
    assessment_services.result_enter(
        actor=assigned,
        candidate=alice_candidate,
        theory_score=Decimal(88),
        practical_score=Decimal(82),
    )
    published = assessment_services.session_finish_scoring(actor=staff, session=published)
    assessment_f.complete_confidentiality(published, assigned, colleague)
    step = published.confidentiality_steps.first()
    incident = assessment_services.incident_report(
        actor=assigned,
        session=published,
        occurred_at=datetime.datetime(2025, 6, 20, 9, 10, tzinfo=datetime.UTC),
        description="监控一路短暂中断",
    )
    assessment_services.incident_resolve(
        actor=colleague, incident=incident, handling="已切换备用录像"
    )
    published = assessment_services.session_publish(actor=staff, session=published)
    alice_candidate.refresh_from_db()
    award = assessment_services.award_issue(
        actor=staff,
        candidate=alice_candidate,
        certificate_no="W-2025-0001",
        issued_on=datetime.date(2025, 7, 15),
    )

    scheduled = assessment_f.session(
        institution=college_a,
        certificate_type=ct,
        actor=staff,
        title="2025 年第二批",
        date=datetime.date(2025, 6, 21),
    )
    other_room = assessment_f.room(site_=site, name="302 考场", capacity=30)
    scheduled_room = assessment_services.session_room_add(
        actor=staff, session=scheduled, room=other_room
    )
    for _ in range(2):
        assessment_services.session_examiner_add(
            actor=staff,
            session_room=scheduled_room,
            examiner=assessment_f.examiner(certificate_type=ct, institution=college_a),
        )
    scheduled = assessment_services.session_schedule(actor=staff, session=scheduled)
    bob_candidate = assessment_services.candidate_add(
        actor=staff, session=scheduled, account=base.bob.account
    )
    return AssessmentWorld(
        base=base,
        site=site,
        room=room,
        published=published,
        scheduled=scheduled,
        alice_candidate=alice_candidate,
        bob_candidate=bob_candidate,
        award=award,
        qualification=assigned.examiner_qualifications.get(),
        session_room=scheduled_room,
        assignment=scheduled_room.examiners.first(),
        step=step,
        incident=incident,
    )


# --- Reports --------------------------------------------------------------------------------------


@dataclass
class ReportWorld:
    base: World
    x: CertificateType
    qualification: CertificateType
    a1: list[Learner]
    public_a: Learner
    departments: dict = field(default_factory=dict)
    pilot: object = None

    @property
    def users(self):
        return self.base.users


def social_learner(institution, name: str) -> Learner:
    return learner_services.learner_register(
        actor=SYSTEM,
        document=new_document(),
        name=name,
        kind=Learner.Kind.SOCIAL,
        institution=institution,
    )


def build_report_world() -> ReportWorld:
    """The shared world with the records the reports count.

    College A (schools A1, A2) and college B (school B1), as in ``build_world``. Added:

    - four more students of alice's major (``a1``, alice first), a member of the public registered
      with college A (``public_a``);
    - a 2024 exam of the world's 1+X certificate at college A: the five of A1, bob and the member of
      the public sit it, one of A1 fails, the six others pass and are awarded the certificate;
      a 2024 exam at college B that carol passes;
    - a 2024 training class of college A: two of A1 and two members of the public complete it;
    - bob holds a qualification certificate (养老护理员) issued in 2023;
    - college A's roster: two full-time teachers and one part-time teacher of alice's major hold
      examiner qualifications for the 1+X certificate, a teacher of bob's major one for 养老护理员;
      college B's roster, one teacher qualified for the 1+X certificate. The examiners of the two
      sessions are not on any roster (external examiners): they do not count as teachers.
    """
    base = build_world()
    x = base.certificate_type
    qualification = CertificateTypeFactory(
        name="养老护理员", kind=CertificateType.Kind.QUALIFICATION, evaluation_org=None,
        issuer_name="广东省人力资源和社会保障厅", levels=["grade5", "grade4"],
    )  # fmt: skip
    a1 = [base.alice] + [
        student(major=base.major_a1, name=name) for name in ("甘雨", "韩露", "江月", "孔雪")
    ]
    public_a = social_learner(base.college_a, "龙社会")
    reports_f.exam(
        institution=base.college_a,
        certificate_type=x,
        people=[*a1, base.bob, public_a],
        fail=1,
    )
    reports_f.exam(institution=base.college_b, certificate_type=x, people=[base.carol])
    reports_f.training_class(
        institution=base.college_a, certificate_type=x, people=a1[:2], public=2
    )
    reports_f.held(base.bob, qualification, on=datetime.date(2023, 11, 15))
    world = ReportWorld(base=base, x=x, qualification=qualification, a1=a1, public_a=public_a)
    world.departments = departments_of(base.college_a)
    world.pilot = pilot_major(base.major_a1, [x])
    for kind in ("full_time", "full_time", "part_time"):
        reports_f.qualify(faculty.teacher(major=base.major_a1, kind=kind), x)
    reports_f.qualify(faculty.teacher(major=base.major_a2), qualification, level="grade4")
    reports_f.qualify(faculty.teacher(major=base.major_b1), x)
    return world
