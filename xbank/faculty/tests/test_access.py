"""Every faculty URL, for every role: the expected status code (403 wrong role, 404 out of scope).

The test walks the resolver, so a page added without a row here fails until someone decides who
may open it.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.imports import services as import_services
from xbank.imports.tests.helpers import xlsx
from xbank.testing.matrix import statuses, url_names

pytestmark = pytest.mark.django_db

ROLES = [
    None,
    "sysadmin",
    "bank_admin",
    "academic_affairs_a",
    "continuing_ed_a",
    "finance_a",
    "hr_a",
    "hr_b",
    "school_staff_a1",
    "school_staff_a2",
    "school_staff_b1",
    "major_staff_a1",
    "learner",
    "teacher_a",
]
NO_ACCESS = dict.fromkeys(
    ["sysadmin", "bank_admin", "continuing_ed_a", "finance_a", "learner", "teacher_a"], 403
)
READERS = [r for r in ROLES if r is not None and r not in NO_ACCESS]
HR = ["hr_a", "hr_b"]

LIST = {None: 302, **NO_ACCESS, **dict.fromkeys(READERS, 200)}
# Teacher a1: college A, school A1, major A1.
A1 = {
    **LIST,
    "hr_b": 404,
    "school_staff_a2": 404,
    "school_staff_b1": 404,
}
# Keeping the roster: HR only (readers 403); HR of college B does not see college A's rows.
MANAGE = {**{k: (403 if v == 200 else v) for k, v in LIST.items()}, "hr_a": 200, "hr_b": 200}
A1_MANAGE = {**MANAGE, "hr_b": 404}
A1_MANAGE_POST = {**A1_MANAGE, "hr_a": 302}
# The roster import moved to the shared import pages; its old addresses, guarded as before,
# send HR there (302) and refuse everyone else as before.
MANAGE_REDIRECT = {**MANAGE, "hr_a": 302, "hr_b": 302}
A1_MANAGE_REDIRECT = {**A1_MANAGE, "hr_a": 302}

EXPECTED = {
    "faculty:index": ("get", lambda o: {}, {**LIST, **dict.fromkeys(READERS, 302)}),
    "faculty:teacher-list": ("get", lambda o: {}, LIST),
    "faculty:teacher-create": ("get", lambda o: {}, MANAGE),
    "faculty:teacher-detail": ("get", lambda o: {"pk": o["teacher"].pk}, A1),
    "faculty:teacher-edit": ("get", lambda o: {"pk": o["teacher"].pk}, A1_MANAGE),
    "faculty:qualification-create": ("get", lambda o: {"pk": o["teacher"].pk}, A1_MANAGE),
    "faculty:certificate-create": ("get", lambda o: {"pk": o["teacher"].pk}, A1_MANAGE),
    "faculty:certificate-edit": ("get", lambda o: {"pk": o["certificate"].pk}, A1_MANAGE),
    "faculty:certificate-delete": ("post", lambda o: {"pk": o["certificate"].pk}, A1_MANAGE_POST),
    "faculty:training-create": ("get", lambda o: {"pk": o["teacher"].pk}, A1_MANAGE),
    "faculty:training-list": ("get", lambda o: {}, LIST),
    "faculty:training-edit": ("get", lambda o: {"pk": o["training"].pk}, A1_MANAGE),
    "faculty:training-delete": ("post", lambda o: {"pk": o["training"].pk}, A1_MANAGE_POST),
    "faculty:import": ("get", lambda o: {}, MANAGE_REDIRECT),
    "faculty:import-template": ("get", lambda o: {}, MANAGE_REDIRECT),
    "faculty:import-detail": ("get", lambda o: {"code": o["batch"].code}, A1_MANAGE_REDIRECT),
    "faculty:import-commit": ("post", lambda o: {"code": o["batch"].code}, A1_MANAGE_POST),
}


def _url_names() -> list[str]:
    return url_names("faculty")


def test_every_faculty_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names
    assert [n for n in names if n not in EXPECTED] == []
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def objects(fw):
    t = fw.teachers["a1"]
    certificate = services.certificate_create(
        actor=SYSTEM, teacher=t, kind="trainer", name="培训师资证书", issuer="评价组织"
    )
    training = services.training_create(
        actor=SYSTEM,
        teacher=t,
        programme="师资培训",
        organiser="评价组织",
        start_date=datetime.date(2025, 7, 1),
        end_date=datetime.date(2025, 7, 3),
        hours=24,
    )
    batch = import_services.batch_create(
        actor=fw.users["hr_a"],
        kind="teachers",
        institution=fw.world.college_a,
        file_name="教师.xlsx",
        content=xlsx(["工号", "姓名", "二级学院"], [["N001", "新教师", "护理学院"]]),
    )
    batch = import_services.batch_validate(batch=batch)
    assert batch.status == "ready"
    return {"teacher": t, "certificate": certificate, "training": training, "batch": batch}


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, fw, objects, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(objects))
    got = statuses(client, fw.users, ROLES, lambda c: getattr(c, method)(url))
    assert got == expected
