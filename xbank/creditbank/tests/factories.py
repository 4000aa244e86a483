"""A small credit-bank world, reached through the services as production reaches it.

One college with a nursing school and major, the 2023 nursing curriculum (140 credits, so the
default cap is 70) with 老年护理 (4), 护理学基础 (8), 老年照护实训 (2, elective) and 岗位实习
(40); the 老年照护 certificate type; and the people of a review: the learner (with a login), the
school's staff, two people of academic affairs, continuing education and the bank's admin.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import UserFactory, user_with_role
from xbank.catalog.models import CertificateType, Course, Curriculum, CurriculumCourse
from xbank.catalog.tests.factories import (
    CertificateTypeFactory,
    CourseFactory,
    CurriculumCourseFactory,
    CurriculumFactory,
)
from xbank.creditbank import services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome, student
from xbank.orgs.models import Institution, Major, School
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory

TODAY = datetime.date(2025, 3, 1)
_numbers = itertools.count(1)


@dataclass
class CreditWorld:
    college: Institution
    school: School
    major: Major
    curriculum: Curriculum
    courses: dict[str, Course]
    elderly_care: CertificateType
    users: dict[str, object] = field(default_factory=dict)

    def row(self, name: str) -> CurriculumCourse:
        return self.curriculum.curriculum_courses.get(course=self.courses[name])

    def learner(self, *, cohort_year: int = 2023, with_login: bool = True, name=None) -> Learner:
        lr = student(major=self.major, cohort_year=cohort_year, name=name)
        if with_login:
            user = user_with_role(Role.LEARNER, institution=self.college)
            lr.account.user = user
            lr.account.save(update_fields=["user"])
        return lr

    def certificate(
        self,
        learner: Learner,
        level: str = "intermediate",
        *,
        certificate_type: CertificateType | None = None,
        issued_on: datetime.date = datetime.date(2024, 6, 21),
        score=None,
        issuer: str = "北京中福长者文化科技有限公司",
    ) -> LearningOutcome:
        ct = certificate_type or self.elderly_care
        return outcome(
            learner.account,
            kind=OutcomeKind.SKILL_CERTIFICATE
            if ct.kind == CertificateType.Kind.SKILL_LEVEL
            else OutcomeKind.QUALIFICATION,
            title=f"{ct.name}（{level}）",
            certificate_type=ct,
            level=level,
            issued_on=issued_on,
            score=score,
            issuer=issuer,
            number=f"CB-{next(_numbers):08d}",
        )

    def course_result(self, learner: Learner, name: str, *, score=Decimal("80")):
        course = self.courses[name]
        return outcome(
            learner.account,
            kind=OutcomeKind.COURSE_RESULT,
            title=course.name,
            course=course,
            score=score,
            credits=course.credits,
            issuer=self.college.name,
            number=f"CR-{next(_numbers):08d}",
            issued_on=datetime.date(2024, 7, 5),
        )

    def rule(self, *, publish: bool = True, courses=("老年护理",), **kwargs):
        """A rule of the college: by default 老年照护 中级 → 免修 老年护理, published."""
        params = {
            "name": "老年照护中级免修老年护理",
            "outcome_kind": OutcomeKind.SKILL_CERTIFICATE,
            "certificate_type": self.elderly_care,
            "min_level": "intermediate",
            "effective_from": datetime.date(2020, 9, 1),
            "institution": self.college,
            "courses": [self.courses[c] for c in courses],
        }
        params.update(kwargs)
        actor = self.users["academic_affairs"]
        if params["institution"] is None:
            actor = self.users["bank_admin"]
        rule = services.rule_create(actor=actor, **params)
        if publish:
            rule = services.rule_publish(actor=actor, rule=rule)
        return rule

    def submit(self, learner: Learner, outcomes, **kwargs):
        return services.recognition_submit(
            actor=learner.account.user, learner=learner, outcomes=outcomes, on=TODAY, **kwargs
        )

    def school_approve(self, request, **kwargs):
        return services.recognition_school_approve(
            actor=self.users["school_staff"], request=request, on=TODAY, **kwargs
        )

    def approve(self, request, *, by: str = "academic_affairs"):
        return services.recognition_approve(actor=self.users[by], request=request, on=TODAY)

    def decide(self, learner, outcomes):
        """Submit, review and approve: the whole path."""
        request = self.submit(learner, outcomes)
        self.school_approve(request)
        return self.approve(request)


COURSES = [
    # name, credits, semester, category
    ("老年护理", 4, 4, CurriculumCourse.Category.CORE),
    ("护理学基础", 8, 2, CurriculumCourse.Category.CORE),
    ("老年照护实训", 2, 4, CurriculumCourse.Category.ELECTIVE),
    ("岗位实习", 40, 5, CurriculumCourse.Category.PRACTICE),
]


def build_credit_world(*, total_credits: int = 140) -> CreditWorld:
    college = InstitutionFactory()
    school = SchoolFactory(institution=college, name="护理学院")
    major = MajorFactory(school=school, name="护理")
    curriculum = CurriculumFactory(major=major, cohort_year=2023, total_credits=total_credits)
    courses = {}
    for i, (name, credits, semester, category) in enumerate(COURSES):
        course = CourseFactory(institution=college, name=name, code=f"HL{i:02d}", credits=credits)
        CurriculumCourseFactory(
            curriculum=curriculum,
            course=course,
            credits=credits,
            semester=semester,
            category=category,
        )
        courses[name] = course
    name = "老年照护职业技能等级证书"  # one type, shared by every world of a test
    elderly_care = CertificateType.objects.filter(name=name).first() or CertificateTypeFactory(
        name=name
    )
    curriculum.required_certificates.add(elderly_care)
    world = CreditWorld(college, school, major, curriculum, courses, elderly_care)
    world.users = {
        "school_staff": user_with_role(Role.SCHOOL_STAFF, school=school, full_name="初审人"),
        "academic_affairs": user_with_role(
            Role.ACADEMIC_AFFAIRS, institution=college, full_name="终审人"
        ),
        "academic_affairs_2": user_with_role(Role.ACADEMIC_AFFAIRS, institution=college),
        "continuing_ed": user_with_role(Role.CONTINUING_ED, institution=college),
        "bank_admin": user_with_role(Role.BANK_ADMIN),
        "outsider": UserFactory(),
    }
    return world


def curriculum_for_cohort(world: CreditWorld, cohort_year: int) -> Curriculum:
    """Another cohort's plan of the same major, with the same courses."""
    curriculum = CurriculumFactory(
        major=world.major, cohort_year=cohort_year, total_credits=world.curriculum.total_credits
    )
    for name, credits, semester, category in COURSES:
        CurriculumCourseFactory(
            curriculum=curriculum,
            course=world.courses[name],
            credits=credits,
            semester=semester,
            category=category,
        )
    return curriculum


def other_college_course(name: str = "老年护理") -> Course:
    return CourseFactory(institution=InstitutionFactory(), name=name, credits=4)
