"""Who may write the teacher team (issue 13): the HR office (人事处) of the teacher's college,
and the system (``SYSTEM``: the import command, the demo). Every other person is refused, and a
forgotten actor (``None``) is a person holding nothing, not the system."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.faculty.models import Teacher, TeacherCertificate, TeacherTraining
from xbank.faculty.services import ERR_NOT_HR

pytestmark = pytest.mark.django_db

# Roles that read the roster or keep learner records, but do not keep the roster.
NOT_HR = ["academic_affairs_a", "continuing_ed_a", "school_staff_a1", "learner"]


def roster_row(fw) -> dict[str, object]:
    return {
        "school": fw.world.school_a1,
        "major": fw.world.major_a1,
        "name": "周志远",
        "staff_no": "T0900",
    }


@pytest.mark.parametrize("who", NOT_HR)
def test_a_person_without_the_hr_role_is_refused_where_the_system_is_let_through(fw, who):
    with pytest.raises(PermissionDenied) as exc:
        services.teacher_create(
            actor=fw.world.users[who], institution=fw.world.college_a, **roster_row(fw)
        )
    assert str(exc.value) == "只有本院校人事处可以维护教师名册"
    assert not Teacher.objects.filter(staff_no="T0900").exists()

    created = services.teacher_create(
        actor=SYSTEM, institution=fw.world.college_a, **roster_row(fw)
    )
    entry = AuditEntry.objects.get(action="faculty.teacher.created", object_id=created.pk)
    assert entry.actor is None  # the system: an entry without a user (系统)


def test_the_hr_office_of_one_college_is_refused_the_roster_of_another(fw):
    hr_a, b1 = fw.world.users["hr_a"], fw.teachers["b1"]
    with pytest.raises(PermissionDenied, match=ERR_NOT_HR):
        services.teacher_update(actor=hr_a, teacher=b1, title="教授")
    with pytest.raises(PermissionDenied, match=ERR_NOT_HR):
        services.certificate_create(
            actor=hr_a,
            teacher=b1,
            kind="trainer",
            name="培训师资证书",
            number="PX-1",
            issuer="某机构",
        )
    with pytest.raises(PermissionDenied, match=ERR_NOT_HR):
        services.training_create(
            actor=hr_a,
            teacher=b1,
            programme="1+X 师资培训",
            organiser="某评价组织",
            start_date=datetime.date(2024, 7, 1),
            end_date=datetime.date(2024, 7, 5),
            hours=Decimal("40"),
        )
    b1.refresh_from_db()
    assert b1.title != "教授"
    assert not TeacherCertificate.objects.filter(teacher=b1).exists()
    assert not TeacherTraining.objects.filter(teacher=b1).exists()
    # Its own college's teacher: let through.
    services.teacher_update(actor=hr_a, teacher=fw.teachers["a1"], title="教授")
    assert Teacher.objects.get(pk=fw.teachers["a1"].pk).title == "教授"


def test_a_forgotten_actor_is_not_the_system(fw):
    with pytest.raises(PermissionDenied):
        services.teacher_update(actor=None, teacher=fw.teachers["a1"], title="教授")
