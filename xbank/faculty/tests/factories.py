"""Teacher-team test data, reached through the services (so checks and audit entries happen)."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services as assessment_services
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.faculty.models import Teacher
from xbank.pilot import services as pilot_services
from xbank.pilot.models import PilotMajor

if TYPE_CHECKING:  # xbank.testing.world builds on these factories
    from xbank.testing.world import World

_counter = itertools.count(1)
FAR = datetime.date(2029, 12, 31)  # the end of a qualification that outlasts every test
# Synthetic names (never a name of the seed document's roster).
NAMES = itertools.cycle(
    ["赵明远", "钱书颖", "孙立群", "周慧琳", "吴志刚", "郑雅文", "冯建国", "陈思源"]
)


def teacher(
    *,
    major=None,
    school=None,
    kind: str = Teacher.Kind.FULL_TIME,
    login: bool = True,
    actor=SYSTEM,
    **values,
) -> Teacher:
    """A teacher of ``major`` (or of ``school`` without a major), with a teacher login."""
    school = school or major.school
    institution = school.institution
    user = user_with_role(Role.TEACHER, institution=institution) if login else None
    if kind == Teacher.Kind.PART_TIME:
        values.setdefault("employer", "岭南颐康养老服务中心（演示）")
        values.setdefault("employer_kind", Teacher.EmployerKind.COMPANY)
    return services.teacher_create(
        actor=actor,
        institution=institution,
        school=school,
        major=major,
        name=values.pop("name", next(NAMES)),
        staff_no=values.pop("staff_no", f"T{next(_counter):05d}"),
        user=user,
        kind=kind,
        **values,
    )


def qualify(
    t: Teacher,
    certificate_type,
    *,
    valid_from=datetime.date(2024, 1, 1),
    valid_until=datetime.date(2027, 12, 31),
    level: str = "junior",
):
    """An examiner qualification of the teacher's login (the assessment record)."""
    return assessment_services.qualification_create(
        actor=SYSTEM,
        user=t.user,
        institution=t.institution,
        certificate_type=certificate_type,
        level=level,
        certificate_no=f"KPY-{next(_counter):06d}",
        issuer=certificate_type.issuer or "培训评价组织",
        valid_from=valid_from,
        valid_until=valid_until,
    )


def examiners(fw, n, *, major=None, until=FAR, certificate_type=None, **kwargs):
    """``n`` more full-time teachers of major A1 qualified for the pilot's certificate."""
    made = []
    for _ in range(n):
        t = teacher(major=major or fw.world.major_a1, **kwargs)
        qualify(t, certificate_type or fw.world.certificate_type, valid_until=until)
        made.append(t)
    return made


def pilot(major, certificate_types) -> PilotMajor:
    return pilot_services.pilot_major_create(
        actor=SYSTEM, major=major, certificate_types=certificate_types, start_year=2019
    )


@dataclass
class FacultyWorld:
    """College A: pilot major A1 (school A1) and A2 (school A2); college B: pilot major B1.
    Teachers ``a1`` (major A1, examiner of the world's certificate), ``a2`` (major A2),
    ``b1`` (college B); ``other_type`` is a second certificate."""

    world: World
    pm_a1: PilotMajor
    pm_a2: PilotMajor
    pm_b1: PilotMajor
    other_type: object
    teachers: dict[str, Teacher] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build_faculty_world(world: World) -> FacultyWorld:
    ct = world.certificate_type
    fw = FacultyWorld(
        world=world,
        pm_a1=pilot(world.major_a1, [ct]),
        pm_a2=pilot(world.major_a2, [ct]),
        pm_b1=pilot(world.major_b1, [ct]),
        other_type=CertificateTypeFactory(name="幼儿照护职业技能等级证书"),
    )
    fw.teachers = {
        "a1": teacher(major=world.major_a1, name="赵明远"),
        "a2": teacher(major=world.major_a2, name="钱书颖"),
        "b1": teacher(major=world.major_b1, name="孙立群"),
    }
    qualify(fw.teachers["a1"], ct)
    fw.users = {
        **world.users,
        "hr_b": user_with_role(Role.HR, institution=world.college_b),
        "teacher_a": fw.teachers["a1"].user,
        "finance_a": user_with_role(Role.FINANCE, institution=world.college_a),
    }
    return fw
