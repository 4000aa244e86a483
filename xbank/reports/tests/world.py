"""The accounts app's owner / colleague / outsider world, with the records the reports count.

College A (schools A1, A2) and college B (school B1), as in ``accounts.tests.world``. Added:

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

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from xbank.accounts.tests.world import World, build_world
from xbank.catalog.models import CertificateType
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.faculty.tests import factories as faculty
from xbank.learners import services as learner_services
from xbank.learners.models import Learner
from xbank.learners.tests.factories import new_document, student
from xbank.pilot.tests.factories import departments_of, pilot_major

from . import factories as f


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
        actor=None,
        document=new_document(),
        name=name,
        kind=Learner.Kind.SOCIAL,
        institution=institution,
    )


def build_report_world() -> ReportWorld:
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
    f.exam(
        institution=base.college_a,
        certificate_type=x,
        people=[*a1, base.bob, public_a],
        fail=1,
    )
    f.exam(institution=base.college_b, certificate_type=x, people=[base.carol])
    f.training_class(institution=base.college_a, certificate_type=x, people=a1[:2], public=2)
    f.held(base.bob, qualification, on=datetime.date(2023, 11, 15))
    world = ReportWorld(base=base, x=x, qualification=qualification, a1=a1, public_a=public_a)
    world.departments = departments_of(base.college_a)
    world.pilot = pilot_major(base.major_a1, [x])
    for kind in ("full_time", "full_time", "part_time"):
        f.qualify(faculty.teacher(major=base.major_a1, kind=kind), x)
    f.qualify(faculty.teacher(major=base.major_a2), qualification, level="grade4")
    f.qualify(faculty.teacher(major=base.major_b1), x)
    return world
