"""Courses (with modules) and curricula: one row per module / per course of a plan, the shared
cells often merged down the rows as offices lay them out."""

import io
from decimal import Decimal

import pytest
import xlsxwriter

from xbank.catalog.imports import (
    ERR_CONFLICT,
    ERR_NEW_CURRICULUM_NEEDS,
    ERR_UNKNOWN_CERTIFICATE,
    ERR_UNKNOWN_COURSE,
)
from xbank.catalog.models import Course, CourseModule, Curriculum, CurriculumCourse
from xbank.catalog.services import ERR_CANCELLED, certificate_type_cancel
from xbank.core.actors import SYSTEM
from xbank.imports import services
from xbank.imports.models import ImportBatch
from xbank.imports.pipeline import ERR_DUPLICATE_ROW

from .helpers import messages, upload, xlsx

pytestmark = pytest.mark.django_db


def merged_course_sheet() -> bytes:
    """A course list whose course cells are merged over its module rows."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("课程")
    sheet.merge_range("A1:G1", "2024 级专业课程及教学模块一览表")
    sheet.write_row(
        1, 0, ["课程编码", "课程名称", "学分", "总学时", "模块代码", "模块名称", "模块学时"]
    )
    # HL201 spans rows 3-5 (three modules); HL202 is a single row without modules.
    for col, value in enumerate(["HL201", "老年照护技术", "4", 64]):
        sheet.merge_range(2, col, 4, col, value)
    modules = [("M1", "生活照护", 20), ("M2", "基础照护", 24), ("M3", "康复照护", 20)]
    for r, module in enumerate(modules, start=2):
        sheet.write_row(r, 4, module)
    sheet.write_row(5, 0, ["HL202", "护理伦理", 1.5, 24])
    book.close()
    return buffer.getvalue()


def test_courses_and_their_modules_are_imported_from_merged_cells(college, registrar):
    batch = upload("courses", merged_course_sheet(), institution=college, actor=registrar)
    assert messages(batch) == []
    assert (batch.total_rows, batch.created_count) == (4, 5)  # two courses, three modules
    services.batch_commit(actor=registrar, batch=batch)
    course = Course.objects.get(code="HL201")
    assert (course.name, course.credits, course.hours) == ("老年照护技术", Decimal("4.0"), 64)
    assert list(course.modules.values_list("code", "name", "hours")) == [
        ("M1", "生活照护", 20),
        ("M2", "基础照护", 24),
        ("M3", "康复照护", 20),
    ]
    assert Course.objects.get(code="HL202").credits == Decimal("1.5")
    again = upload("courses", merged_course_sheet(), institution=college, actor=registrar)
    assert again.status == ImportBatch.Status.UNCHANGED
    assert again.unchanged_count == 5


def test_rows_of_one_course_must_agree(college, registrar):
    header = ["课程代码", "课程名称", "学分", "模块编号", "模块名称"]
    rows = [
        ["C1", "护理学基础", 4, "M1", "甲"],
        ["C1", "护理学基础", 3, "M2", "乙"],
        ["C1", "护理学基础", 4, "M1", "丙"],
    ]
    batch = upload("courses", xlsx(header, rows), institution=college, actor=registrar)
    assert messages(batch) == [
        "第 4 行，列「学分」："
        + ERR_CONFLICT.format(other=3, what="课程", given="3.0", first="4.0"),
        "第 5 行，列「模块编号」：" + ERR_DUPLICATE_ROW.format(other=3),
    ]
    assert Course.objects.count() == 0 and CourseModule.objects.count() == 0


CURRICULUM_HEADER = [
    "专业",
    "年级",
    "方案名称",
    "毕业总学分",
    "课程编码",
    "学期",
    "学分",
    "课程性质",
    "课程类别",
    "毕业须持证书",
]


def test_a_curriculum_with_its_courses_and_required_certificates(
    college, nursing, care_course, elderly_cert, registrar
):
    other = Course.objects.create(institution=college, code="HL102", name="健康评估", credits=3)
    rows = [
        ["520201", "2024级", "护理专业2024级人才培养方案", 140, "HL101", "第一学期", None, "必修", "专业核心课", "老年照护"],
        ["520201", 2024, None, None, "HL102", "3", 2.5, "选修", "选修课", None],
    ]  # fmt: skip
    batch = upload("curricula", xlsx(CURRICULUM_HEADER, rows), institution=college, actor=registrar)
    assert messages(batch) == []
    assert batch.created_count == 3  # the plan and its two courses
    services.batch_commit(actor=registrar, batch=batch)
    plan = Curriculum.objects.get(major=nursing, cohort_year=2024)
    assert (plan.name, plan.total_credits) == ("护理专业2024级人才培养方案", Decimal("140.0"))
    assert list(plan.required_certificates.all()) == [elderly_cert]
    first = CurriculumCourse.objects.get(curriculum=plan, course=care_course)
    assert (first.semester, first.credits, first.required, first.category) == (
        1,
        Decimal("4.0"),  # blank: the course's own credits
        True,
        "core",
    )
    second = CurriculumCourse.objects.get(curriculum=plan, course=other)
    assert (second.semester, second.credits, second.required, second.category) == (
        3,
        Decimal("2.5"),
        False,
        "elective",
    )
    again = upload("curricula", xlsx(CURRICULUM_HEADER, rows), institution=college, actor=registrar)
    assert again.status == ImportBatch.Status.UNCHANGED


def test_curriculum_problems_are_reported(college, nursing, care_course, elderly_cert, registrar):
    certificate_type_cancel(actor=SYSTEM, certificate_type=elderly_cert)
    rows = [
        ["护理", 2025, None, None, "HL101", 1, None, "必修", None, "老年照护、不存在的证书"],
        ["护理", 2025, None, None, "HL999", 2, None, "必修", None, None],
        ["护理", 2025, None, None, "HL101", 3, None, "必修", None, None],
    ]
    batch = upload("curricula", xlsx(CURRICULUM_HEADER, rows), institution=college, actor=registrar)
    assert messages(batch) == [
        "第 3 行，列「毕业总学分」：" + ERR_NEW_CURRICULUM_NEEDS,
        "第 3 行，列「毕业须持证书」：" + ERR_CANCELLED.format(name="老年照护职业技能等级证书"),
        "第 3 行，列「毕业须持证书」：" + ERR_UNKNOWN_CERTIFICATE.format(name="不存在的证书"),
        "第 4 行，列「课程编码」：" + ERR_UNKNOWN_COURSE.format(code="HL999"),
        "第 5 行，列「课程编码」：" + ERR_DUPLICATE_ROW.format(other=3),
    ]
    assert Curriculum.objects.count() == 0
