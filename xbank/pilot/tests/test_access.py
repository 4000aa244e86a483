"""Every pilot URL, for every role: the expected status code (403 wrong role, 404 out of scope).

The test walks the resolver, so a pilot page added without a row here fails until someone
decides who may open it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xbank.core.actors import SYSTEM
from xbank.pilot import services
from xbank.pilot.models import BudgetCategory
from xbank.pilot.tests.factories import approved_budget, line
from xbank.testing.matrix import statuses, url_names

pytestmark = pytest.mark.django_db

ROLES = [
    None,
    "sysadmin",
    "bank_admin",
    "academic_affairs_a",
    "academic_affairs_b",
    "continuing_ed_a",
    "hr_a",
    "finance_a",
    "finance_b",
    "school_staff_a1",
    "school_staff_a2",
    "school_staff_b1",
    "major_staff_a1",
    "learner",
    "teacher_a",
]
NO_PILOT = {"bank_admin": 403, "learner": 403, "teacher_a": 403}
TASK_ROLES = [r for r in ROLES if r is not None and r not in NO_PILOT]
BUDGET_ROLES = [
    "academic_affairs_a",
    "academic_affairs_b",
    "finance_a",
    "finance_b",
    "school_staff_a1",
    "school_staff_a2",
    "school_staff_b1",
    "major_staff_a1",
]

TASK_LIST = {None: 302, **NO_PILOT, **dict.fromkeys(TASK_ROLES, 200)}
# Task 1 of college A: led by 教务处, carried out by every school and pilot major A1.
T1 = {
    None: 302,
    **NO_PILOT,
    **dict.fromkeys(TASK_ROLES, 404),
    "academic_affairs_a": 200,
    "school_staff_a1": 200,
    "school_staff_a2": 200,
    "major_staff_a1": 200,
}
T1_MANAGE = {**T1, "school_staff_a1": 403, "school_staff_a2": 403, "major_staff_a1": 403}
BUDGET_LIST = {
    None: 302,
    **dict.fromkeys(ROLES[1:], 403),
    **dict.fromkeys(BUDGET_ROLES, 200),
}
# The approved budget of pilot major A1 (school A1 of college A).
B1 = {
    **BUDGET_LIST,
    **dict.fromkeys(BUDGET_ROLES, 404),
    "academic_affairs_a": 200,
    "finance_a": 200,
    "school_staff_a1": 200,
    "major_staff_a1": 200,
}
B1_FINANCE = {**B1, "academic_affairs_a": 403, "school_staff_a1": 403, "major_staff_a1": 403}
# Approved: editing and reviewing redirect back with a message.
B1_PREPARE = {
    **B1,
    "academic_affairs_a": 302,
    "school_staff_a1": 302,
    "major_staff_a1": 302,
    "finance_a": 403,
}
B1_REVIEW = {
    **B1,
    "academic_affairs_a": 302,
    "school_staff_a1": 403,
    "major_staff_a1": 403,
    "finance_a": 403,
}
B1_DECIDE = {
    **B1,
    "academic_affairs_a": 302,
    "finance_a": 302,
    "school_staff_a1": 403,
    "major_staff_a1": 403,
}

EXPECTED = {
    "pilot:index": ("get", lambda o: {}, dict.fromkeys(ROLES, 302)),
    "pilot:major-list": ("get", lambda o: {}, TASK_LIST),
    "pilot:task-list": ("get", lambda o: {}, TASK_LIST),
    "pilot:task-create": (
        "get",
        lambda o: {},
        {
            **{k: (403 if v == 200 else v) for k, v in TASK_LIST.items()},
            "academic_affairs_a": 200,
            "academic_affairs_b": 200,
        },
    ),
    "pilot:task-detail": ("get", lambda o: {"pk": o["task"].pk}, T1),
    "pilot:milestone-create": ("get", lambda o: {"pk": o["task"].pk}, T1_MANAGE),
    "pilot:milestone-list": ("get", lambda o: {}, TASK_LIST),
    "pilot:milestone-report": ("get", lambda o: {"pk": o["milestone"].pk}, T1),
    "pilot:milestone-reopen": (
        "post",
        lambda o: {"pk": o["milestone"].pk},
        {**T1_MANAGE, "academic_affairs_a": 302},
    ),
    "pilot:evidence-download": ("get", lambda o: {"pk": o["evidence"].pk}, T1),
    "pilot:budget-list": ("get", lambda o: {}, BUDGET_LIST),
    "pilot:budget-create": (
        "get",
        lambda o: {},
        {**BUDGET_LIST, "finance_a": 403, "finance_b": 403},
    ),
    "pilot:budget-detail": ("get", lambda o: {"pk": o["budget"].pk}, B1),
    "pilot:budget-edit": ("get", lambda o: {"pk": o["budget"].pk}, B1_PREPARE),
    "pilot:budget-submit": ("post", lambda o: {"pk": o["budget"].pk}, B1_PREPARE),
    "pilot:budget-review": ("get", lambda o: {"pk": o["budget"].pk}, B1_REVIEW),
    "pilot:funding-create": ("get", lambda o: {"pk": o["budget"].pk}, B1_FINANCE),
    "pilot:expenditure-create": ("get", lambda o: {"pk": o["budget"].pk}, B1_FINANCE),
    "pilot:adjustment-create": ("get", lambda o: {"pk": o["budget"].pk}, B1),
    "pilot:adjustment-decide": ("post", lambda o: {"pk": o["adjustment"].pk}, B1_DECIDE),
    "pilot:expenditure-list": ("get", lambda o: {}, BUDGET_LIST),
    # The readers of the teacher team (faculty.access): HR, academic affairs and school staff.
    "pilot:examiner-compliance": (
        "get",
        lambda o: {},
        {
            None: 302,
            **dict.fromkeys(ROLES[1:], 403),
            **dict.fromkeys(
                [
                    "academic_affairs_a",
                    "academic_affairs_b",
                    "hr_a",
                    "school_staff_a1",
                    "school_staff_a2",
                    "school_staff_b1",
                    "major_staff_a1",
                ],
                200,
            ),
        },
    ),
}


def _url_names() -> list[str]:
    return url_names("pilot")


def test_every_pilot_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names
    assert [n for n in names if n not in EXPECTED] == []
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def objects(pw):
    milestone = services.milestone_create(
        actor=SYSTEM,
        task=pw.tasks["t1"],
        title="修订人才培养方案",
        due_on=datetime.date(2019, 10, 31),
    )
    services.milestone_report(actor=SYSTEM, milestone=milestone, progress=100)
    evidence = services.evidence_add(
        actor=pw.users["school_staff_a1"],
        milestone=milestone,
        file=SimpleUploadedFile("方案.pdf", b"%PDF-1.4", "application/pdf"),
    )
    budget = approved_budget(
        pw.pm_a1, submitter=pw.users["school_staff_a1"], reviewer=pw.users["academic_affairs_a"]
    )
    adjustment = services.adjustment_request(
        actor=pw.users["finance_a2"],
        line=line(budget, BudgetCategory.RESEARCH),
        amount="100",
        reason="追加",
    )
    return {
        "task": pw.tasks["t1"],
        "milestone": milestone,
        "evidence": evidence,
        "budget": budget,
        "adjustment": adjustment,
    }


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, pw, objects, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(objects))
    got = statuses(client, pw.users, ROLES, lambda c: getattr(c, method)(url))
    assert got == expected
