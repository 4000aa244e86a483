"""The teachers' import (教师名册, kind ``teachers``): real .xlsx files through the shared
pipeline, every bad cell reported as "第 N 行，列「X」：…", written whole or not at all
(invariant 8), and only by the college's HR office."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.accounts.models import Role, RoleAssignment
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.faculty.imports import ERR_ROLE, ERR_UNKNOWN_MAJOR, ERR_UNKNOWN_USER
from xbank.faculty.models import Teacher
from xbank.faculty.services import ERR_EMPLOYER_REQUIRED, ERR_MAJOR_SCHOOL
from xbank.imports import services as import_services
from xbank.imports.cleaners import ERR_REQUIRED
from xbank.imports.models import ImportBatch
from xbank.imports.pipeline import ERR_DUPLICATE_ROW
from xbank.imports.services import ERR_SCOPE
from xbank.imports.tests.helpers import messages, upload, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["工号", "姓名", "二级学院", "专业", "教师类别", "工作单位", "职称", "双师型", "手机号"]


def rows(fw):
    a1, a2 = fw.world.major_a1, fw.world.major_a2
    return [
        ["T2019001", "林  嘉怡", "护理学院", a1.code, "专任教师", None, "副教授", "是", "13800138001"],
        ["T2019002", "黄志远", None, a2.name, "专任", None, "讲师", "否", None],
        ["W2024001", "程美玲", "护理学院", a1.code, "兼职", "安心母婴护理会所（演示）", "主管护师", None, None],
    ]  # fmt: skip


def commit(batch):
    return import_services.batch_commit(actor=SYSTEM, batch=batch)


def by_staff_no(institution):
    return {t.staff_no: t for t in Teacher.objects.filter(institution=institution)}


def test_a_clean_roster_is_imported_whole(fw):
    a = fw.world.college_a
    batch = upload("teachers", xlsx(HEADER, rows(fw)), institution=a)
    assert batch.status == ImportBatch.Status.READY, messages(batch)
    assert (batch.created_count, batch.updated_count) == (3, 0)
    batch = commit(batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    teachers = by_staff_no(a)
    lin, huang, cheng = teachers["T2019001"], teachers["T2019002"], teachers["W2024001"]
    assert lin.name == "林嘉怡"  # padding spaces of a Chinese name dropped
    assert (lin.school, lin.major, lin.kind) == (fw.world.school_a1, fw.world.major_a1, "full_time")
    assert (lin.title, lin.title_rank, lin.dual_qualified) == ("副教授", "associate", True)
    assert lin.name_pinyin.startswith("lin")
    # The school is taken from the major when the cell is blank.
    assert (huang.school, huang.major, huang.title_rank) == (
        fw.world.school_a2,
        fw.world.major_a2,
        "intermediate",
    )
    assert (cheng.kind, cheng.employer) == ("part_time", "安心母婴护理会所（演示）")
    # The phone number is stored encrypted, shown masked.
    assert lin.phone == "13800138001" and lin.phone_masked == "138****8001"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM faculty_teacher WHERE id = %s", [lin.pk])
        (stored,) = cursor.fetchone()
    assert "13800138001" not in stored
    assert AuditEntry.objects.filter(action="imports.batch.committed", object_id=batch.pk).exists()


def test_importing_the_same_file_again_changes_nothing_and_an_edit_updates(fw):
    a = fw.world.college_a
    commit(upload("teachers", xlsx(HEADER, rows(fw)), institution=a))
    again = upload("teachers", xlsx(HEADER, rows(fw)), institution=a)
    assert again.status == ImportBatch.Status.UNCHANGED, messages(again)
    edited = rows(fw)
    edited[1][6] = "副教授"
    edited[0] = ["T2019001", "林嘉怡", None, None, None, None, None, None, None]  # blanks keep
    batch = upload("teachers", xlsx(HEADER, edited), institution=a)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 2)
    commit(batch)
    teachers = by_staff_no(a)
    assert teachers["T2019002"].title_rank == "associate"
    assert teachers["T2019001"].phone == "13800138001"
    assert teachers["T2019001"].major == fw.world.major_a1


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(fw):
    a = fw.world.college_a
    bad = rows(fw) + [
        ["T2019001", "重复人", "护理学院", None, None, None, None, None, None],  # row 6
        [None, "无工号", "护理学院", None, None, None, None, None, None],  # row 7
        ["W2024002", "钱兼职", "护理学院", None, "兼职教师", None, None, None, None],  # row 8
        ["T2019009", "错专业", "护理学院", "999999", None, None, None, None, None],  # row 9
        ["T2019010", "错学院", "护理学院", fw.world.major_a2.code, None, None, None, None, None],
    ]  # fmt: skip
    batch = upload("teachers", xlsx(HEADER, bad), institution=a)
    assert batch.status == ImportBatch.Status.INVALID
    # Title row 1, header row 2: the first data row is row 3.
    assert messages(batch) == [
        "第 6 行，列「工号」：" + ERR_DUPLICATE_ROW.format(other=3),
        "第 7 行，列「工号」：" + ERR_REQUIRED,
        "第 8 行，列「工作单位」：" + ERR_EMPLOYER_REQUIRED,
        "第 9 行，列「专业」：" + ERR_UNKNOWN_MAJOR.format(value="999999"),
        "第 10 行，列「专业」：" + ERR_MAJOR_SCHOOL.format(major="软件技术", school="护理学院"),
    ]
    # Committing in one pass, as the command line does, writes nothing either.
    one_pass = import_services.batch_create(
        actor=SYSTEM, kind="teachers", institution=a, file_name="x.xlsx", content=xlsx(HEADER, bad)
    )
    assert commit(one_pass).status == ImportBatch.Status.INVALID
    assert not Teacher.objects.filter(institution=a, staff_no__startswith="T2019").exists()


def test_headers_are_found_by_their_other_names(fw):
    header = [
        "教工号",
        "教师姓名",
        "所在学院",
        "任教专业",
        "专兼职",
        "兼职单位",
        "职称",
        "是否双师型",
        "手机",
    ]
    content = xlsx(header, [["X1", "吴思远", "护理学院", None, "外聘", None, None, None, None]])
    batch = upload("teachers", content, institution=fw.world.college_a)
    # Messages name the column as written in the file.
    assert messages(batch) == ["第 3 行，列「兼职单位」：" + ERR_EMPLOYER_REQUIRED]


def test_a_login_is_linked_by_username_and_unknown_names_are_refused(fw):
    a = fw.world.college_a
    header = ["工号", "姓名", "二级学院", "登录账号"]
    user = fw.users["hr_a"]
    batch = upload(
        "teachers",
        xlsx(header, [["T1", "周立新", "护理学院", user.username], ["T2", "郑雪", "护理学院", "nobody"]]),
        institution=a,
    )  # fmt: skip
    assert messages(batch) == [
        "第 4 行，列「登录账号」：" + ERR_UNKNOWN_USER.format(value="nobody")
    ]
    batch = upload(
        "teachers", xlsx(header, [["T1", "周立新", "护理学院", user.username]]), institution=a
    )
    commit(batch)
    assert Teacher.objects.get(institution=a, staff_no="T1").user == user
    # The same login on another teacher of the college is refused.
    batch = upload(
        "teachers", xlsx(header, [["T3", "冯晓", "护理学院", user.username]]), institution=a
    )
    assert "已关联本校教师（工号 T1）" in messages(batch)[0]


def test_only_the_hr_office_imports_the_roster(fw):
    # Another office may not even store a roster file (the kind's roles: HR only).
    with pytest.raises(ValidationError) as refused:
        import_services.batch_create(
            actor=fw.users["academic_affairs_a"],
            kind="teachers",
            institution=fw.world.college_a,
            file_name="教师.xlsx",
            content=xlsx(HEADER, rows(fw)),
        )
    assert refused.value.messages == [ERR_SCOPE.format(institution=fw.world.college_a)]
    # An uploader who no longer keeps the roster when the file is checked is refused then.
    hr = user_with_role(Role.HR, institution=fw.world.college_a)
    batch = import_services.batch_create(
        actor=hr,
        kind="teachers",
        institution=fw.world.college_a,
        file_name="教师.xlsx",
        content=xlsx(HEADER, rows(fw)),
    )
    RoleAssignment.objects.filter(user=hr).delete()
    batch = import_services.batch_validate(batch=ImportBatch.objects.get(pk=batch.pk))
    assert messages(batch) == [ERR_ROLE]


def test_hr_uploads_checks_and_commits_on_the_shared_page(client, fw):
    hr = fw.users["hr_a"]
    client.force_login(hr)
    # The faculty app's old address (a bookmark) leads to the shared page of the roster.
    new = reverse("imports:batch-new", args=["teachers"])
    assert client.get(reverse("faculty:import"))["Location"] == new
    content = xlsx(HEADER, rows(fw))
    response = client.post(new, {"institution": fw.world.college_a.pk, "file": _file(content)})
    batch = ImportBatch.objects.get(kind="teachers")
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:batch-detail", args=[batch.code])
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and batch.status == "ready"
    client.post(reverse("imports:batch-commit", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Teacher.objects.filter(institution=fw.world.college_a).count() == 3 + 2
    # HR is the uploader of the batch and the audited actor of its import.
    assert batch.created_by == hr
    actions = set(
        AuditEntry.objects.filter(actor=hr, object_id=batch.pk).values_list("action", flat=True)
    )
    assert actions == {"imports.batch.committed"}
    # HR of another college sees neither the batch nor its page, at either address.
    client.force_login(fw.users["hr_b"])
    assert client.get(reverse("imports:batch-detail", args=[batch.code])).status_code == 404
    assert client.get(reverse("faculty:import-detail", args=[batch.code])).status_code == 404


def test_a_bad_file_shows_each_error_on_the_page(client, fw):
    client.force_login(fw.users["hr_a"])
    content = xlsx(HEADER, [[None, "无工号", "护理学院", None, None, None, None, None, None]])
    response = client.post(
        reverse("imports:batch-new", args=["teachers"]),
        {"institution": fw.world.college_a.pk, "file": _file(content)},
    )
    page = client.get(response["Location"]).content.decode()
    # The shared page lists each problem as a row: 第 3 行 | 工号 | 不能为空.
    assert re.search(r">第 3 行</td>\s*<td[^>]*>工号</td>\s*<td[^>]*>不能为空</td>", page)
    assert "确认导入" not in page


def test_the_template_reopens_with_the_chinese_headers(client, fw):
    client.force_login(fw.users["hr_a"])
    url = reverse("imports:template", args=["teachers"])
    assert client.get(reverse("faculty:import-template"))["Location"] == url
    response = client.get(url)
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    header = book.get_sheet_by_index(0).to_python()[1]
    assert header[:4] == ["工号", "姓名", "二级学院", "专业"]


def test_other_offices_are_not_offered_the_roster_import(client, fw):
    client.force_login(fw.users["academic_affairs_a"])
    assert client.get(reverse("imports:batch-new", args=["teachers"])).status_code == 403
    assert client.get(reverse("imports:template", args=["teachers"])).status_code == 403
    page = client.get(reverse("imports:batch-list")).content.decode()
    assert reverse("imports:batch-new", args=["teachers"]) not in page


def test_the_template_example_row_is_skipped(fw):
    from xbank.faculty.imports import TeacherImport
    from xbank.imports.pipeline import spec_for

    spec = spec_for("teachers")
    assert isinstance(spec, TeacherImport)
    example = [c.example for c in spec.columns]
    header = [c.label for c in spec.columns]
    batch = upload("teachers", xlsx(header, [example]), institution=fw.world.college_a)
    assert batch.status == ImportBatch.Status.INVALID  # no data rows left
    assert not Teacher.objects.filter(staff_no="T2019001").exists()


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "教师名册.xlsx",
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
