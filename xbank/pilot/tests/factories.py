"""Pilot rows for tests, reached through the services (so audit entries and checks happen)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.core.actors import SYSTEM
from xbank.orgs.models import Department
from xbank.pilot import services
from xbank.pilot.models import Budget, BudgetCategory, PilotMajor, WorkTask

if TYPE_CHECKING:  # xbank.testing.world builds on these factories
    from xbank.testing.world import World

AMOUNTS = {
    BudgetCategory.RESEARCH: Decimal("8000.00"),
    BudgetCategory.CURRICULUM: Decimal("12000.00"),
    BudgetCategory.TEACHER_CERTIFICATION: Decimal("30000.00"),
    BudgetCategory.TRAINING_RESOURCES: Decimal("40000.00"),
    BudgetCategory.SHARED_RESOURCES: Decimal("10000.00"),
}


def departments_of(institution) -> dict[str, Department]:
    return {
        kind: Department.objects.get_or_create(
            institution=institution, kind=kind, defaults={"name": str(label)}
        )[0]
        for kind, label in Department.Kind.choices
    }


def pilot_major(major, certificate_types, *, start_year=2019, lead_name="") -> PilotMajor:
    return services.pilot_major_create(
        actor=SYSTEM,
        major=major,
        certificate_types=certificate_types,
        start_year=start_year,
        lead_name=lead_name,
    )


def task(institution, number, *, lead, implementing=(), schools=False, pilots=(), title=None):
    return services.task_create(
        actor=SYSTEM,
        institution=institution,
        number=number,
        title=title or f"工作任务{number}",
        content=f"第 {number} 项工作内容",
        lead_departments=lead,
        implementing_departments=implementing,
        schools_implement=schools,
        pilot_majors=pilots,
    )


def budget(pm, *, year=2019, amounts=None, actor=SYSTEM) -> Budget:
    return services.budget_create(
        actor=actor, pilot_major=pm, year=year, amounts=AMOUNTS if amounts is None else amounts
    )


def approved_budget(pm, *, submitter, reviewer, year=2019, amounts=None) -> Budget:
    b = budget(pm, year=year, amounts=amounts, actor=submitter)
    services.budget_submit(actor=submitter, budget=b)
    services.budget_review(
        actor=reviewer,
        budget=b,
        decision="approved",
        reviewed_on=datetime.date(2019, 6, 1),
        experts="张教授、李教授",
        comment="同意",
    )
    b.refresh_from_db()
    return b


def line(budget: Budget, category: str):
    return budget.lines.get(category=category)


@dataclass
class PilotWorld:
    """College A's departments, two pilot majors (A1, A2), the seed-shaped tasks, college B's
    task, and the second persons needed for four-eyes rules."""

    world: World
    departments: dict[str, Department]
    departments_b: dict[str, Department]
    pm_a1: PilotMajor
    pm_a2: PilotMajor
    pm_b1: PilotMajor
    tasks: dict[str, WorkTask] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build_pilot_world(world: World) -> PilotWorld:
    a, b = world.college_a, world.college_b
    d, db = departments_of(a), departments_of(b)
    K = Department.Kind
    pw = PilotWorld(
        world=world,
        departments=d,
        departments_b=db,
        pm_a1=pilot_major(world.major_a1, [world.certificate_type], lead_name="王老师"),
        pm_a2=pilot_major(world.major_a2, [world.certificate_type]),
        pm_b1=pilot_major(world.major_b1, [world.certificate_type]),
    )
    pw.tasks = {
        "t1": task(a, 1, lead=[d[K.ACADEMIC_AFFAIRS]], schools=True, pilots=[pw.pm_a1]),
        "t2": task(
            a, 2, lead=[d[K.ACADEMIC_AFFAIRS]], implementing=[d[K.CONTINUING_ED]], pilots=[pw.pm_a1]
        ),
        "t3": task(a, 3, lead=[d[K.CONTINUING_ED]]),
        "t4": task(a, 4, lead=[d[K.HR]], pilots=[pw.pm_a2]),
        "t5": task(a, 5, lead=[d[K.INFO_CENTER], d[K.ACADEMIC_AFFAIRS]]),
        "t6": task(a, 6, lead=[d[K.OFFICE], d[K.HR], d[K.FINANCE]]),
        "tb": task(b, 1, lead=[db[K.ACADEMIC_AFFAIRS]], pilots=[pw.pm_b1]),
    }
    pw.users = {
        **world.users,
        "finance_a": user_with_role(Role.FINANCE, institution=a),
        "finance_a2": user_with_role(Role.FINANCE, institution=a),
        "academic_affairs_a2": user_with_role(Role.ACADEMIC_AFFAIRS, institution=a),
        "academic_affairs_b": user_with_role(Role.ACADEMIC_AFFAIRS, institution=b),
        "finance_b": user_with_role(Role.FINANCE, institution=b),
        "teacher_a": user_with_role(Role.TEACHER, institution=a),
    }
    return pw
