"""The faculty pages: what each shows, the HR forms (with their audit), filters, Excel exports
that reopen, and query counts that stay flat as rows are added."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.assessment.models import ExaminerQualification
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.faculty.models import Teacher, TeacherCertificate, TeacherTraining
from xbank.faculty.services import ERR_EMPLOYER_REQUIRED
from xbank.faculty.tests.factories import qualify, teacher

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, fw, role):
    client.force_login(fw.users[role])


def sheet(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def training(t, **values):
    base = {
        "programme": "1+X 老年照护职业技能等级证书师资培训",
        "organiser": "北京中福长者文化科技有限公司",
        "start_date": datetime.date(2025, 7, 10),
        "end_date": datetime.date(2025, 7, 14),
        "hours": Decimal("40"),
    }
    return services.training_create(actor=SYSTEM, teacher=t, **(base | values))


# --- Teacher list -------------------------------------------------------------------------------


def test_each_reader_sees_the_teachers_of_their_scope(client, fw):
    def names(role):
        login(client, fw, role)
        page = client.get(reverse("faculty:teacher-list")).content.decode()
        return set(re.findall(r'data-teacher="(\d+)"', page))

    a1, a2, b1 = (str(fw.teachers[k].pk) for k in ("a1", "a2", "b1"))
    assert names("hr_a") == {a1, a2}
    assert names("academic_affairs_a") == {a1, a2}
    assert names("school_staff_a1") == {a1}
    assert names("major_staff_a1") == {a1}
    assert names("school_staff_b1") == {b1}
    assert names("hr_b") == {b1}


def test_the_teacher_list_filters(client, fw):
    a1 = fw.teachers["a1"]
    services.teacher_update(actor=SYSTEM, teacher=a1, dual_qualified=True, title="副教授")
    external = teacher(
        major=fw.world.major_a1, kind=Teacher.Kind.PART_TIME, name="吴海峰", title="高级工程师"
    )
    login(client, fw, "hr_a")

    def found(**params):
        page = client.get(reverse("faculty:teacher-list"), params).content.decode()
        return {int(pk) for pk in re.findall(r'data-teacher="(\d+)"', page)}

    a2 = fw.teachers["a2"]
    assert found(school=fw.world.school_a1.pk) == {a1.pk, external.pk}
    assert found(major=fw.world.major_a2.pk) == {a2.pk}
    assert found(dual="yes") == {a1.pk}
    assert found(dual="no") == {a2.pk, external.pk}
    assert found(kind="part_time") == {external.pk}
    assert found(title_rank="associate") == {a1.pk, external.pk}
    assert found(examiner="yes") == {a1.pk}
    assert found(examiner="no") == {a2.pk, external.pk}
    assert found(certificate_type=fw.world.certificate_type.pk) == {a1.pk}
    assert found(certificate_type=fw.other_type.pk) == set()
    assert found(q="吴海") == {external.pk}
    assert found(q=a2.staff_no) == {a2.pk}
    # A school outside the user's scope is not a choice: the filter fails and matches nothing.
    assert found(school=fw.world.school_b1.pk) == set()


def test_the_teacher_list_exports_to_excel_with_masked_phones(client, fw):
    services.teacher_update(actor=SYSTEM, teacher=fw.teachers["a1"], phone="13812345678")
    login(client, fw, "academic_affairs_a")
    rows = sheet(client.get(reverse("faculty:teacher-list"), {"export": "xlsx"}))
    header, data = rows[0], rows[1:]
    assert header[:3] == ["院校", "工号", "姓名"]
    assert len(data) == 2
    a1 = next(r for r in data if r[2] == "赵明远")
    assert a1[header.index("手机号")] == "138****5678"
    assert fw.world.certificate_type.name in a1[header.index("有效考评员资格")]
    assert "13812345678" not in json.dumps(rows, ensure_ascii=False)


# --- Teacher page and HR forms ----------------------------------------------------------------------


def test_the_teacher_page_shows_qualifications_certificates_and_trainings(client, fw):
    a1 = fw.teachers["a1"]
    services.teacher_update(actor=SYSTEM, teacher=a1, phone="13812345678")
    qualify(a1, fw.other_type, valid_until=datetime.date(2025, 12, 31))  # expired
    services.certificate_create(
        actor=SYSTEM, teacher=a1, kind="trainer", name="培训师资证书", number="PX-1", issuer="组织"
    )
    training(a1)
    login(client, fw, "school_staff_a1")
    page = client.get(reverse("faculty:teacher-detail", args=[a1.pk])).content.decode()
    assert page.count("data-qualification=") == 2
    assert "已过期" in page and "今天有效 1 项" in page
    assert "培训师资证书" in page and "PX-1" in page
    assert "1+X 老年照护职业技能等级证书师资培训" in page and "40.0" in page
    assert "138****5678" in page and "13812345678" not in page
    assert "计入试点专业「护理」" in page
    # Readers see no buttons that change anything.
    assert reverse("faculty:teacher-edit", args=[a1.pk]) not in page
    login(client, fw, "hr_a")
    page = client.get(reverse("faculty:teacher-detail", args=[a1.pk])).content.decode()
    assert reverse("faculty:teacher-edit", args=[a1.pk]) in page
    assert reverse("faculty:qualification-create", args=[a1.pk]) in page


def test_hr_adds_a_teacher_with_a_normalised_form(client, fw):
    login(client, fw, "hr_a")
    data = {
        "institution": fw.world.college_a.pk,
        "school": fw.world.school_a1.pk,
        "major": fw.world.major_a1.pk,
        "name": "陈  晓岚",
        "staff_no": "Ｔ２０２６０１",
        "kind": "part_time",
        "employer": "",
        "title": "主管护师",
        "status": "active",
        "phone": "139 1234 5678",
    }
    response = client.post(reverse("faculty:teacher-create"), data)
    assert response.status_code == 200
    assert ERR_EMPLOYER_REQUIRED in response.content.decode()
    data["employer"] = "岭南颐康养老服务中心（演示）"
    data["employer_kind"] = "company"
    response = client.post(reverse("faculty:teacher-create"), data)
    t = Teacher.objects.get(staff_no="T202601")
    assert response.status_code == 302
    assert response["Location"] == reverse("faculty:teacher-detail", args=[t.pk])
    assert (t.name, t.phone, t.title_rank, t.kind) == (
        "陈晓岚",
        "13912345678",
        "intermediate",
        "part_time",
    )
    assert AuditEntry.objects.filter(
        action="faculty.teacher.created", actor=fw.users["hr_a"], object_id=t.pk
    ).exists()


def test_hr_edits_a_teacher_and_links_a_login(client, fw):
    a2 = fw.teachers["a2"]
    login(client, fw, "hr_a")
    url = reverse("faculty:teacher-edit", args=[a2.pk])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(title="教授", dual_qualified="on", dual_basis="企业实践 6 个月", status="active")
    data.pop("dual_recognized_on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    a2.refresh_from_db()
    assert (a2.title_rank, a2.dual_qualified, a2.dual_basis) == ("senior", True, "企业实践 6 个月")
    entry = AuditEntry.objects.get(action="faculty.teacher.updated", object_id=a2.pk)
    assert set(entry.data["changed"]) == {"title", "title_rank", "dual_qualified", "dual_basis"}


def test_hr_registers_an_examiner_qualification_from_the_teacher_page(client, fw):
    a2 = fw.teachers["a2"]
    login(client, fw, "hr_a")
    response = client.post(
        reverse("faculty:qualification-create", args=[a2.pk]),
        {
            "certificate_type": fw.world.certificate_type.pk,
            "level": "junior",
            "certificate_no": "ＫＰＹ－２０２６－９",
            "issuer": "北京中福长者文化科技有限公司",
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
        },
    )
    assert response.status_code == 302
    q = ExaminerQualification.objects.get(user=a2.user)
    assert (q.certificate_no, q.institution) == ("KPY-2026-9", fw.world.college_a)
    # The assessment pipeline's own list shows it: one record for both apps.
    page = client.get(reverse("assessment:qualification-list")).content.decode()
    assert f'data-qualification="{q.pk}"' in page


def test_a_qualification_with_dates_reversed_is_refused_on_the_form(client, fw):
    login(client, fw, "hr_a")
    response = client.post(
        reverse("faculty:qualification-create", args=[fw.teachers["a2"].pk]),
        {
            "certificate_type": fw.world.certificate_type.pk,
            "certificate_no": "KPY-1",
            "issuer": "x",
            "valid_from": "2026-01-01",
            "valid_until": "2025-12-31",
        },
    )
    assert response.status_code == 200
    assert "有效期至不能早于有效期自" in response.content.decode()


def test_hr_records_a_certificate_and_a_training_then_changes_and_deletes_them(client, fw):
    a1 = fw.teachers["a1"]
    login(client, fw, "hr_a")
    response = client.post(
        reverse("faculty:certificate-create", args=[a1.pk]),
        {"kind": "trainer", "name": "培训师资证书", "number": "PX 9", "issuer": "中福长者"},
    )
    assert response.status_code == 302
    c = TeacherCertificate.objects.get(teacher=a1)
    assert c.number == "PX9"
    client.post(
        reverse("faculty:certificate-edit", args=[c.pk]),
        {"kind": "other", "name": "培训师资证书", "number": "PX9", "issuer": "中福长者"},
    )
    c.refresh_from_db()
    assert c.kind == "other"
    response = client.post(
        reverse("faculty:training-create", args=[a1.pk]),
        {
            "programme": "师资培训",
            "organiser": "中福长者",
            "start_date": "2025-07-10",
            "end_date": "2025-07-01",
            "hours": "40",
        },
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    client.post(
        reverse("faculty:training-create", args=[a1.pk]),
        {
            "programme": "师资培训",
            "organiser": "中福长者",
            "start_date": "2025-07-10",
            "end_date": "2025-07-12",
            "hours": "24",
        },
    )
    tr = TeacherTraining.objects.get(teacher=a1)
    client.post(
        reverse("faculty:training-edit", args=[tr.pk]),
        {
            "programme": "师资培训（第二期）",
            "organiser": "中福长者",
            "start_date": "2025-07-10",
            "end_date": "2025-07-12",
            "hours": "24",
        },
    )
    tr.refresh_from_db()
    assert tr.programme == "师资培训（第二期）"
    client.post(reverse("faculty:certificate-delete", args=[c.pk]))
    client.post(reverse("faculty:training-delete", args=[tr.pk]))
    assert not TeacherCertificate.objects.exists() and not TeacherTraining.objects.exists()
    actions = set(
        AuditEntry.objects.filter(actor=fw.users["hr_a"]).values_list("action", flat=True)
    )
    assert {
        "faculty.certificate.created",
        "faculty.certificate.updated",
        "faculty.certificate.deleted",
        "faculty.training.created",
        "faculty.training.updated",
        "faculty.training.deleted",
    } <= actions


# --- Teacher training list --------------------------------------------------------------------------


def test_the_training_list_filters_and_exports(client, fw):
    training(fw.teachers["a1"], certificate_type=fw.world.certificate_type)
    training(fw.teachers["a2"], programme="信息化教学能力提升", start_date=datetime.date(2024, 3, 1),
             end_date=datetime.date(2024, 3, 2), hours=Decimal("16"))  # fmt: skip
    training(fw.teachers["b1"])
    login(client, fw, "academic_affairs_a")
    url = reverse("faculty:training-list")

    def found(**params):
        return len(re.findall(r"data-training=", client.get(url, params).content.decode()))

    assert found() == 2
    assert found(year=2024) == 1
    assert found(school=fw.world.school_a1.pk) == 1
    assert found(certificate_type=fw.world.certificate_type.pk) == 1
    assert found(q="信息化") == 1
    rows = sheet(client.get(url, {"export": "xlsx", "year": 2025}))
    assert rows[0][:4] == ["开始日期", "结束日期", "工号", "姓名"]
    assert [r[3] for r in rows[1:]] == ["赵明远"]
    assert rows[1][rows[0].index("学时")] == 40


# --- Query counts -------------------------------------------------------------------------------------
# 3 common to every page (session, user, the role assignments, read once for the faculty access
# and the navigation's menu); then each page's own queries, named per test.


def _flat(client, fw, role, url, expected, grow, django_assert_num_queries):
    login(client, fw, role)
    client.get(url)
    for extra in (1, 6):
        grow(extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_teacher_list_queries_do_not_grow(client, fw, django_assert_num_queries):
    # common + count, page of teachers (school, major, user joined; has_examiner), their valid
    # qualifications (certificate joined), school, major and certificate choices of the filters.
    def grow(n):
        for _ in range(n):
            t = teacher(major=fw.world.major_a1, kind=Teacher.Kind.PART_TIME)
            qualify(t, fw.world.certificate_type)
            qualify(t, fw.other_type)

    _flat(client, fw, "hr_a", reverse("faculty:teacher-list"), 9, grow, django_assert_num_queries)


def test_teacher_detail_queries_do_not_grow(client, fw, django_assert_num_queries):
    # common + the teacher (institution, school, major, user joined), qualifications
    # (certificate, institution joined), the pilot major and its certificates, certificates,
    # trainings (certificate joined).
    a1 = fw.teachers["a1"]

    def grow(n):
        for i in range(n):
            qualify(a1, fw.other_type)
            services.certificate_create(
                actor=SYSTEM, teacher=a1, kind="other", name="证书", number=f"N{n}-{i}", issuer="x",
                certificate_type=fw.world.certificate_type,
            )  # fmt: skip
            training(a1, certificate_type=fw.world.certificate_type)

    url = reverse("faculty:teacher-detail", args=[a1.pk])
    _flat(client, fw, "hr_a", url, 9, grow, django_assert_num_queries)


def test_training_list_queries_do_not_grow(client, fw, django_assert_num_queries):
    # common + count, page of trainings (teacher, school, major, certificate joined), school,
    # major and certificate choices of the filters.
    def grow(n):
        for _ in range(n):
            training(teacher(major=fw.world.major_a1), certificate_type=fw.other_type)

    url = reverse("faculty:training-list")
    _flat(client, fw, "academic_affairs_a", url, 8, grow, django_assert_num_queries)
