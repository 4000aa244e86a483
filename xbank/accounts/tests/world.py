"""One shared owner / colleague / outsider set-up for view tests of every role.

Two colleges: A with schools A1 and A2, B with school B1. ``alice`` studies in A1 (the owner's
school), ``bob`` in A2 (a colleague school of the same college), ``carol`` in B1 (an outsider
college). Each holds one certificate. Users hold one role each, named by what they are to alice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import UserFactory, user_with_role
from xbank.catalog.models import CertificateType, Curriculum
from xbank.catalog.tests.factories import (
    CertificateTypeFactory,
    CurriculumCourseFactory,
    CurriculumFactory,
    StandardModuleFactory,
)
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome, student
from xbank.orgs.models import Institution, Major, School
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory

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
