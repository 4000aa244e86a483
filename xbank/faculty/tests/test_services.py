"""Roster, certificate and training services: their rules, each refused in Chinese, and the
audit entry of every change (invariant 10)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xbank.assessment.models import ExaminerQualification
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.faculty.models import Teacher, TeacherCertificate, TeacherTraining, rank_of_title
from xbank.faculty.services import (
    ERR_CERTIFICATE_NO_TAKEN,
    ERR_DATES,
    ERR_EMPLOYER_REQUIRED,
    ERR_HOURS,
    ERR_LEFT_ON_REQUIRED,
    ERR_MAJOR_SCHOOL,
    ERR_NO_LOGIN,
    ERR_SCHOOL_INSTITUTION,
    ERR_STAFF_NO_TAKEN,
    ERR_TRAINING_DATES,
    ERR_USER_TAKEN,
)
from xbank.faculty.tests.factories import teacher

pytestmark = pytest.mark.django_db

D = datetime.date


def errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


def create(fw, **values):
    base = {
        "school": fw.world.school_a1,
        "major": fw.world.major_a1,
        "name": "李明轩",
        "staff_no": "T0001",
    }
    return services.teacher_create(
        actor=fw.users["hr_a"], institution=fw.world.college_a, **(base | values)
    )


def test_a_teacher_is_created_with_sort_key_and_title_rank_and_audited(fw):
    t = create(fw, title="副教授", employer_kind="company")
    assert t.name_pinyin.startswith("li ")
    assert (t.title_rank, t.employer_kind, t.kind, t.status) == (
        "associate",
        "",
        "full_time",
        "active",
    )
    entry = AuditEntry.objects.get(action="faculty.teacher.created", object_id=t.pk)
    assert entry.actor == fw.users["hr_a"]


def test_a_title_rank_given_wins_and_unknown_titles_keep_none():
    assert rank_of_title("讲师") == "intermediate"
    assert rank_of_title("主任护师") == "senior"
    assert rank_of_title("首席技师") == ""


def test_staff_numbers_are_unique_within_a_college_only(fw):
    create(fw)
    with pytest.raises(ValidationError) as exc:
        create(fw, name="王芳")
    assert errors(exc.value) == {
        "staff_no": [ERR_STAFF_NO_TAKEN.format(staff_no="T0001", name="李明轩")]
    }
    services.teacher_create(
        actor=SYSTEM,
        institution=fw.world.college_b,
        school=fw.world.school_b1,
        name="王芳",
        staff_no="T0001",
    )


def test_the_major_must_be_of_the_school_and_the_school_of_the_college(fw):
    with pytest.raises(ValidationError) as exc:
        create(fw, major=fw.world.major_a2)
    assert errors(exc.value) == {
        "major": [ERR_MAJOR_SCHOOL.format(major="软件技术", school="护理学院")]
    }
    with pytest.raises(ValidationError) as exc:
        create(fw, school=fw.world.school_b1, major=None)
    assert errors(exc.value) == {
        "school": [ERR_SCHOOL_INSTITUTION.format(school="健康学院", institution=fw.world.college_a)]
    }


def test_a_part_time_teacher_names_an_employer(fw):
    with pytest.raises(ValidationError) as exc:
        create(fw, kind=Teacher.Kind.PART_TIME)
    assert errors(exc.value) == {"employer": [ERR_EMPLOYER_REQUIRED]}
    t = create(
        fw,
        kind=Teacher.Kind.PART_TIME,
        employer="老年照护培训评价组织",
        employer_kind=Teacher.EmployerKind.EVALUATION_ORG,
    )
    assert t.is_part_time and t.employer_kind == "evaluation_org"


def test_leaving_needs_a_date_and_is_audited_with_the_changed_fields(fw):
    t = create(fw, phone="13912345678")
    with pytest.raises(ValidationError) as exc:
        services.teacher_update(actor=fw.users["hr_a"], teacher=t, status=Teacher.Status.LEFT)
    assert errors(exc.value) == {"left_on": [ERR_LEFT_ON_REQUIRED]}
    services.teacher_update(
        actor=fw.users["hr_a"],
        teacher=t,
        status=Teacher.Status.LEFT,
        left_on=D(2026, 7, 31),
        phone="13912340000",
    )
    t.refresh_from_db()
    assert (t.status, t.left_on) == ("left", D(2026, 7, 31))
    entry = AuditEntry.objects.get(action="faculty.teacher.updated", object_id=t.pk)
    assert entry.data["changed"] == {"status": "left", "left_on": "2026-07-31", "phone": "***"}


def test_an_update_that_changes_nothing_writes_nothing(fw):
    t = create(fw)
    services.teacher_update(actor=SYSTEM, teacher=t, name="李明轩", major=fw.world.major_a1)
    assert not AuditEntry.objects.filter(action="faculty.teacher.updated").exists()


def test_a_login_belongs_to_one_teacher_of_a_college(fw):
    user = fw.teachers["a1"].user
    with pytest.raises(ValidationError) as exc:
        create(fw, user=user)
    assert errors(exc.value) == {
        "user": [ERR_USER_TAKEN.format(username=user.username, name="赵明远")]
    }


def test_the_database_refuses_a_part_time_teacher_without_employer(fw):
    from django.db import IntegrityError, transaction

    t = create(fw)
    with pytest.raises(IntegrityError), transaction.atomic():
        Teacher.objects.filter(pk=t.pk).update(kind=Teacher.Kind.PART_TIME)


def test_an_examiner_qualification_is_the_assessment_record_of_the_login(fw):
    t = fw.teachers["a2"]
    q = services.qualification_register(
        actor=fw.users["hr_a"],
        teacher=t,
        certificate_type=fw.world.certificate_type,
        level="intermediate",
        certificate_no="KPY-2026-0001",
        issuer="北京中福长者文化科技有限公司",
        valid_from=D(2026, 1, 1),
        valid_until=D(2028, 12, 31),
    )
    assert isinstance(q, ExaminerQualification)
    assert (q.user, q.institution) == (t.user, t.institution)
    assert AuditEntry.objects.filter(
        action="assessment.qualification.created", actor=fw.users["hr_a"], object_id=q.pk
    ).exists()


def test_a_teacher_without_login_cannot_hold_a_qualification(fw):
    t = teacher(major=fw.world.major_a1, login=False)
    with pytest.raises(ValidationError) as exc:
        services.qualification_register(
            actor=SYSTEM,
            teacher=t,
            certificate_type=fw.world.certificate_type,
            level="",
            certificate_no="KPY-X",
            issuer="x",
            valid_from=D(2026, 1, 1),
            valid_until=D(2027, 1, 1),
        )
    assert exc.value.messages == [ERR_NO_LOGIN.format(name=t.name)]


def test_certificates_are_recorded_changed_and_deleted_with_audit(fw):
    hr, t = fw.users["hr_a"], fw.teachers["a1"]
    c = services.certificate_create(
        actor=hr,
        teacher=t,
        kind=TeacherCertificate.Kind.TRAINER,
        certificate_type=fw.world.certificate_type,
        name="老年照护职业技能等级证书培训师资证书",
        number="PXS-001",
        issuer="北京中福长者文化科技有限公司",
        valid_from=D(2025, 5, 1),
        valid_until=D(2028, 4, 30),
    )
    assert c.is_valid_on(D(2026, 1, 1)) and not c.is_valid_on(D(2028, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.certificate_update(actor=hr, certificate=c, valid_until=D(2025, 1, 1))
    assert errors(exc.value) == {"valid_until": [ERR_DATES]}
    services.certificate_update(actor=hr, certificate=c, valid_until=None)
    c.refresh_from_db()
    assert c.valid_until is None and c.is_valid_on(D(2040, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.certificate_create(
            actor=hr,
            teacher=fw.teachers["a2"],
            kind="other",
            name="另一张",
            number="PXS-001",
            issuer="北京中福长者文化科技有限公司",
        )
    assert errors(exc.value) == {
        "number": [
            ERR_CERTIFICATE_NO_TAKEN.format(issuer="北京中福长者文化科技有限公司", number="PXS-001")
        ]
    }
    services.certificate_delete(actor=hr, certificate=c)
    assert not TeacherCertificate.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="faculty.certificate.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "faculty.certificate.created",
        "faculty.certificate.updated",
        "faculty.certificate.deleted",
    ]


def test_trainings_check_dates_and_hours(fw):
    hr, t = fw.users["hr_a"], fw.teachers["a1"]
    values = {
        "programme": "1+X 老年照护师资培训",
        "organiser": "北京中福长者文化科技有限公司",
        "start_date": D(2025, 7, 10),
        "end_date": D(2025, 7, 14),
        "hours": Decimal("40"),
    }
    with pytest.raises(ValidationError) as exc:
        services.training_create(actor=hr, teacher=t, **(values | {"end_date": D(2025, 7, 1)}))
    assert errors(exc.value) == {"end_date": [ERR_TRAINING_DATES]}
    with pytest.raises(ValidationError) as exc:
        services.training_create(actor=hr, teacher=t, **(values | {"hours": Decimal(0)}))
    assert errors(exc.value) == {"hours": [ERR_HOURS]}
    tr = services.training_create(actor=hr, teacher=t, **values)
    services.training_update(actor=hr, training=tr, hours=Decimal("42.5"), certificate_no="JY-7")
    tr.refresh_from_db()
    assert (tr.hours, tr.certificate_no) == (Decimal("42.5"), "JY-7")
    entry = AuditEntry.objects.get(action="faculty.training.updated")
    assert entry.data["changed"] == {"hours": "42.5", "certificate_no": "JY-7"}
    services.training_delete(actor=hr, training=tr)
    assert not TeacherTraining.objects.exists()
    assert AuditEntry.objects.filter(action="faculty.training.deleted").exists()


def test_a_known_title_fixes_the_rank_and_an_unknown_one_keeps_the_rank_given(fw):
    t = create(fw, title="讲师")
    assert t.title_rank == "intermediate"
    # A promotion changes the rank even when the form still holds the old one.
    t = services.teacher_update(actor=SYSTEM, teacher=t, title="副教授", title_rank="intermediate")
    assert t.title_rank == "associate"
    t = services.teacher_update(actor=SYSTEM, teacher=t, title="首席照护师", title_rank="senior")
    assert t.title_rank == "senior"
