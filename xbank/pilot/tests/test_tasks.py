"""Work tasks (工作任务) and milestones: who sees which task, progress rules, overdue."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.orgs.models import Department
from xbank.pilot import selectors, services
from xbank.pilot.models import Milestone
from xbank.pilot.scoping import pilot_scope
from xbank.pilot.services import (
    ERR_EVIDENCE_TYPE,
    ERR_MILESTONE_DONE,
    ERR_NO_LEAD,
    ERR_OTHER_INSTITUTION,
    ERR_PROGRESS_BACKWARDS,
    ERR_TASK_NUMBER_TAKEN,
)
from xbank.pilot.tests.factories import task

pytestmark = pytest.mark.django_db


def visible(pw, role) -> set[str]:
    shown = set(selectors.task_list(user=pw.users[role]).values_list("pk", flat=True))
    return {name for name, t in pw.tasks.items() if t.pk in shown}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # 教务处 hosts the leading group's office: every task of its college.
        ("academic_affairs_a", {"t1", "t2", "t3", "t4", "t5", "t6"}),
        ("continuing_ed_a", {"t2", "t3"}),  # implements 2, leads 3
        ("hr_a", {"t4", "t6"}),
        ("finance_a", {"t6"}),
        ("sysadmin", {"t5"}),  # 信息中心
        ("school_staff_a1", {"t1", "t2"}),  # 各二级学院; its pilot major
        ("school_staff_a2", {"t1", "t4"}),
        ("major_staff_a1", {"t1", "t2"}),
        ("school_staff_b1", {"tb"}),  # its pilot major, in the other college
        ("academic_affairs_b", {"tb"}),
        ("bank_admin", set()),
        ("learner", set()),
    ],
)
def test_each_department_sees_its_own_tasks(pw, role, expected):
    assert visible(pw, role) == expected


def test_who_manages_and_who_reports(pw):
    t1, t2, t3 = pw.tasks["t1"], pw.tasks["t2"], pw.tasks["t3"]
    scope = lambda role: pilot_scope(pw.users[role])  # noqa: E731
    assert scope("academic_affairs_a").manages_task(t3)
    assert scope("continuing_ed_a").manages_task(t3)
    assert not scope("continuing_ed_a").manages_task(t2)
    assert scope("continuing_ed_a").reports_on_task(t2)  # implementing department
    assert scope("school_staff_a1").reports_on_task(t1) and scope(
        "school_staff_a1"
    ).reports_on_task(t2)
    assert not scope("school_staff_a1").manages_task(t1)
    assert scope("school_staff_a2").reports_on_task(t1)
    assert not scope("school_staff_a2").reports_on_task(t2)
    assert not scope("hr_a").reports_on_task(t2)
    assert not scope("academic_affairs_b").manages_task(t1)


def test_task_creation_checks_departments_and_number(pw):
    a = pw.world.college_a
    with pytest.raises(ValidationError) as exc:
        task(a, 9, lead=[])
    assert exc.value.messages == [ERR_NO_LEAD]
    foreign = pw.departments_b[Department.Kind.HR]
    with pytest.raises(ValidationError) as exc:
        task(a, 9, lead=[foreign])
    assert exc.value.messages == [ERR_OTHER_INSTITUTION.format(name=foreign, institution=a.name)]
    with pytest.raises(ValidationError) as exc:
        task(a, 1, lead=[pw.departments[Department.Kind.HR]])
    assert exc.value.messages == [ERR_TASK_NUMBER_TAKEN.format(number=1)]


def milestone(pw, name="t1", due=datetime.date(2019, 10, 31), title="节点"):
    return services.milestone_create(actor=SYSTEM, task=pw.tasks[name], title=title, due_on=due)


@time_machine.travel(datetime.date(2019, 11, 15))
def test_progress_moves_forward_to_done_and_is_audited(pw):
    actor = pw.users["school_staff_a1"]
    m = milestone(pw)
    services.milestone_report(actor=actor, milestone=m, progress=40, note="已完成调研")
    assert (m.status, m.progress, m.completed_on) == ("in_progress", 40, None)
    with pytest.raises(ValidationError) as exc:
        services.milestone_report(actor=actor, milestone=m, progress=30)
    assert exc.value.messages == [ERR_PROGRESS_BACKWARDS.format(current=40)]
    services.milestone_report(actor=actor, milestone=m, progress=100)
    m.refresh_from_db()
    assert (m.status, m.completed_on) == ("done", datetime.date(2019, 11, 15))
    with pytest.raises(ValidationError) as exc:
        services.milestone_report(actor=actor, milestone=m, progress=100)
    assert exc.value.messages == [ERR_MILESTONE_DONE]
    actions = list(
        AuditEntry.objects.filter(object_type="pilot.milestone").values_list("action", flat=True)
    )
    assert actions.count("pilot.milestone.progress_reported") == 1
    assert actions.count("pilot.milestone.completed") == 1
    entry = AuditEntry.objects.get(action="pilot.milestone.completed")
    assert entry.actor == actor
    assert entry.data["from"] == {"status": "in_progress", "progress": 40}


@time_machine.travel(datetime.date(2019, 11, 15))
def test_reopening_a_done_milestone(pw):
    m = milestone(pw)
    services.milestone_report(actor=SYSTEM, milestone=m, progress=100)
    services.milestone_reopen(actor=SYSTEM, milestone=m, reason="佐证材料不全")
    m.refresh_from_db()
    assert (m.status, m.progress, m.completed_on) == ("in_progress", 99, None)
    assert AuditEntry.objects.filter(action="pilot.milestone.reopened").exists()


def test_a_completion_date_in_the_future_is_refused(pw):
    m = milestone(pw)
    with pytest.raises(ValidationError):
        services.milestone_report(
            actor=SYSTEM, milestone=m, progress=100, completed_on=datetime.date(2999, 1, 1)
        )


def test_the_database_refuses_a_done_milestone_without_a_date(pw):
    from django.db import IntegrityError, transaction

    m = milestone(pw)
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=m.pk).update(status="done", progress=100)


def test_evidence_is_stored_under_a_random_name_and_type_checked(pw):
    m = milestone(pw)
    evidence = services.evidence_add(
        actor=pw.users["school_staff_a1"],
        milestone=m,
        file=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 minutes", "application/pdf"),
    )
    assert evidence.name == "会议纪要.pdf"
    assert "会议纪要" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            actor=pw.users["school_staff_a1"],
            milestone=m,
            file=SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream"),
        )
    assert exc.value.messages[0].startswith(ERR_EVIDENCE_TYPE.split("{")[0])


def test_overdue_is_due_date_passed_and_not_done(pw):
    m1 = milestone(pw, due=datetime.date(2019, 10, 31), title="十月节点")
    m2 = milestone(pw, due=datetime.date(2019, 12, 31), title="年底节点")
    user = pw.users["academic_affairs_a"]

    def overdue_titles(today):
        return {m.title for m in selectors.milestone_list(user=user, today=today) if m.overdue}

    with time_machine.travel(datetime.date(2019, 10, 31)):
        assert overdue_titles(datetime.date(2019, 10, 31)) == set()  # due today is not late
    with time_machine.travel(datetime.date(2019, 11, 1)):
        assert overdue_titles(datetime.date(2019, 11, 1)) == {"十月节点"}
        assert m1.is_overdue(datetime.date(2019, 11, 1)) and not m2.is_overdue(
            datetime.date(2019, 11, 1)
        )
        services.milestone_report(actor=SYSTEM, milestone=m1, progress=100)
        assert overdue_titles(datetime.date(2019, 11, 1)) == set()
    with time_machine.travel(datetime.date(2020, 1, 2)):
        assert overdue_titles(datetime.date(2020, 1, 2)) == {"年底节点"}


@time_machine.travel(datetime.date(2019, 11, 15))
def test_task_figures_status_and_overdue_count(pw):
    user = pw.users["academic_affairs_a"]
    done = milestone(pw, "t1", due=datetime.date(2019, 5, 1), title="已完成")
    services.milestone_report(actor=SYSTEM, milestone=done, progress=100)
    late = milestone(pw, "t1", due=datetime.date(2019, 10, 1), title="逾期")
    services.milestone_report(actor=SYSTEM, milestone=late, progress=50)
    milestone(pw, "t1", due=datetime.date(2020, 1, 1), title="未到期")
    all_done = milestone(pw, "t2", due=datetime.date(2019, 6, 1))
    services.milestone_report(actor=SYSTEM, milestone=all_done, progress=100)
    tasks = {t.number: t for t in selectors.task_list(user=user)}
    t1 = tasks[1]
    assert (t1.milestone_count, t1.done_count, t1.overdue_count) == (3, 1, 1)
    assert str(t1.average_progress) == "50.0"
    assert t1.task_status == "in_progress"
    assert t1.next_due == datetime.date(2019, 10, 1)
    assert tasks[2].task_status == "done" and tasks[2].overdue_count == 0
    assert tasks[3].task_status == "not_started" and tasks[3].average_progress == 0
