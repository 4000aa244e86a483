"""Who the pilot services let act (issue 13): a person only with the role and scope that the
pages ask for (``scoping.PilotScope``, checked again in the service, so no caller skips it), and
the system (``core.actors.SYSTEM``: the demo loader, the tests' worlds) whatever it holds, except
where a row must name the person who signed it (an expert review, money, evidence, an
adjustment and its decision: non-null columns, and four eyes need two persons)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.orgs.models import Department
from xbank.orgs.tests.factories import MajorFactory
from xbank.pilot import services
from xbank.pilot.models import BudgetCategory
from xbank.pilot.tests.factories import AMOUNTS, approved_budget, budget, line

R = BudgetCategory.RESEARCH
DAY = datetime.date(2019, 6, 10)

# People of another college, or of no pilot role: refused by every pilot service on college A.
OUTSIDERS = ("teacher_a", "school_staff_b1", "academic_affairs_b", "finance_b")

# Per service: a person of college A with a pilot role, but not the one this change needs
# (the pages answer them 403 too), and whether the system may do it.
CASES = {
    "pilot_major_create": ("school_staff_a1", True),  # academic affairs decides pilots
    "task_create": ("hr_a", True),  # the leading group's office: academic affairs
    "milestone_create": ("hr_a", True),  # task 1 is led by academic affairs alone
    "milestone_report": ("hr_a", True),  # …and carried out by the schools, not 人事处
    "evidence_add": ("hr_a", False),
    "milestone_reopen": ("school_staff_a1", True),  # reports on task 1, does not manage it
    "budget_create": ("school_staff_a2", True),  # A1's budget belongs to school A1
    "budget_update": ("school_staff_a2", True),
    "budget_submit": ("finance_a", True),  # finance keeps the accounts, does not prepare
    "budget_review": ("finance_a", False),  # academic affairs records the experts' review
    "funding_record": ("academic_affairs_a", False),  # only the finance office records money
    "expenditure_record": ("academic_affairs_a", False),
    "adjustment_request": ("school_staff_a1", False),  # the budget is school A2's
    "adjustment_approve": ("school_staff_a2", False),  # school staff ask, never decide
    "adjustment_reject": ("school_staff_a2", False),
}


@pytest.fixture
def calls(pw) -> dict[str, Callable[[object], object]]:
    a = pw.world.college_a
    new_major = MajorFactory(school=pw.world.school_a1, name="助产")
    draft = budget(pw.pm_a1)
    under_review = budget(pw.pm_a1, year=2020)
    services.budget_submit(actor=SYSTEM, budget=under_review)
    approved = approved_budget(
        pw.pm_a2, submitter=pw.users["school_staff_a2"], reviewer=pw.users["academic_affairs_a"]
    )
    adjustment = services.adjustment_request(
        actor=pw.users["finance_a"], line=line(approved, R), amount="100", reason="追加"
    )
    t1 = pw.tasks["t1"]
    open_ = services.milestone_create(actor=SYSTEM, task=t1, title="调研", due_on=DAY)
    done = services.milestone_create(actor=SYSTEM, task=t1, title="方案", due_on=DAY)
    services.milestone_report(actor=SYSTEM, milestone=done, progress=100, completed_on=DAY)
    return {
        "pilot_major_create": lambda actor: services.pilot_major_create(
            actor=actor, major=new_major, certificate_types=[pw.world.certificate_type],
            start_year=2020,
        ),
        "task_create": lambda actor: services.task_create(
            actor=actor, institution=a, number=7, title="试点总结", content="总结试点工作",
            lead_departments=[pw.departments[Department.Kind.ACADEMIC_AFFAIRS]],
        ),
        "milestone_create": lambda actor: services.milestone_create(
            actor=actor, task=t1, title="验收", due_on=DAY
        ),
        "milestone_report": lambda actor: services.milestone_report(
            actor=actor, milestone=open_, progress=50
        ),
        "evidence_add": lambda actor: services.evidence_add(
            actor=actor, milestone=open_,
            file=SimpleUploadedFile("方案.pdf", b"%PDF-1.4", "application/pdf"),
        ),
        "milestone_reopen": lambda actor: services.milestone_reopen(
            actor=actor, milestone=done, reason="佐证材料不全"
        ),
        "budget_create": lambda actor: services.budget_create(
            actor=actor, pilot_major=pw.pm_a1, year=2021, amounts=AMOUNTS
        ),
        "budget_update": lambda actor: services.budget_update(
            actor=actor, budget=draft, amounts={**AMOUNTS, R: "9000"}
        ),
        "budget_submit": lambda actor: services.budget_submit(actor=actor, budget=draft),
        "budget_review": lambda actor: services.budget_review(
            actor=actor, budget=under_review, decision="approved", reviewed_on=DAY
        ),
        "funding_record": lambda actor: services.funding_record(
            actor=actor, budget=approved, kind="startup", amount="1000", received_on=DAY
        ),
        "expenditure_record": lambda actor: services.expenditure_record(
            actor=actor, line=line(approved, R), amount="100", spent_on=DAY,
            voucher_no="记-2019-06-001", description="调研",
        ),
        "adjustment_request": lambda actor: services.adjustment_request(
            actor=actor, line=line(approved, R), amount="100", reason="追加"
        ),
        "adjustment_approve": lambda actor: services.adjustment_approve(
            actor=actor, adjustment=adjustment
        ),
        "adjustment_reject": lambda actor: services.adjustment_reject(
            actor=actor, adjustment=adjustment
        ),
    }  # fmt: skip


def test_every_service_has_a_case(calls):
    public = {
        name
        for name in dir(services)
        if not name.startswith("_") and callable(getattr(services, name))
        and getattr(services, name).__module__.startswith(f"{services.__name__}.")
        and name != "money"
    }  # fmt: skip
    assert set(CASES) == set(calls) == public


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_person_without_the_role_is_refused_where_the_system_is_let_through(pw, calls, name):
    wrong_party, system_may = CASES[name]
    entries = AuditEntry.objects.count()
    for username in (*OUTSIDERS, wrong_party):
        with pytest.raises(PermissionDenied):
            calls[name](pw.users[username])
    assert AuditEntry.objects.count() == entries  # refused before anything was written

    if system_may:
        calls[name](SYSTEM)
        entry = AuditEntry.objects.latest("pk")
        assert entry.action.startswith("pilot.")
        assert entry.actor_id is None  # shown as 系统
    else:
        # The row names the person who signed it (a non-null column): the system signs nothing.
        with pytest.raises(ValueError):
            calls[name](SYSTEM)
        assert AuditEntry.objects.count() == entries
