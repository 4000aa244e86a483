"""A roster as a college office really sends it, with ID numbers checked outside the code.

The numbers below were worked out by hand (GB 11643: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
sum mod 11 → 1 0 X 9 8 7 6 5 4 3 2); the sum of each body is written beside it so a reader can
check it again. None comes from ``xbank.core``. The sheet has two merged title rows, a header
with the office's own words, full-width digits, a lower-case x and spaces inside numbers.
"""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from stdnum.cn import ric

from xbank.imports import services
from xbank.imports.models import ImportBatch
from xbank.learners.models import LearningAccount

from .helpers import fake_name, messages, upload

pytestmark = pytest.mark.django_db

VALID = [
    "44010620050412099X",  # Σ 222, r 2 → X
    "44010420050122079X",  # Σ 189, r 2 → X
    "44030320050810733X",  # Σ 266, r 2 → X
    "44180220050722355X",  # Σ 288, r 2 → X
    "440511200501153633",  # Σ 218, r 9 → 3
    "445102200503201199",  # Σ 223, r 3 → 9
    "11010120050802223X",  # Σ 156, r 2 → X
    "310104200505057564",  # Σ 228, r 8 → 4
    "440106200504134005",  # Σ 205, r 7 → 5
    "44030320050803170X",  # Σ 233, r 2 → X
    "441802200508135623",  # Σ 306, r 9 → 3
    "445102200505058381",  # Σ 308, r 0 → 1
]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_the_hand_worked_numbers_agree_with_python_stdnum():
    """A second, independent check of the table: stdnum, called per its contract."""
    for number in VALID:
        assert ric.calc_check_digit(number) == number[17]
        assert (
            "10X98765432"[sum(w * int(d) for w, d in zip(WEIGHTS, number[:17], strict=True)) % 11]
            == number[17]
        )


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def office_roster(id_cells: list[str]) -> bytes:
    """Two merged title rows, the header, then one student per ID cell, as an office lays it out."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("2025级新生")
    bold = book.add_format({"bold": True, "align": "center"})
    header = ["序号", "姓名", "性别", "身份证号码", "学号", "专业", "年级", "班级", "联系电话"]
    sheet.merge_range(0, 0, 0, len(header) - 1, "广东测试职业技术学院", bold)
    sheet.merge_range(1, 0, 1, len(header) - 1, "2025 级护理专业新生花名册（学生处 制表）", bold)
    sheet.write_row(2, 0, header)
    for i, cell in enumerate(id_cells, start=1):
        sheet.write_row(
            2 + i,
            0,
            [
                str(i),
                fake_name(),
                "",
                cell,
                f"2025520{i:03d}",
                "520201",
                "2025级",
                "护理2501班",
                f"1380013{i:04d}",
            ],
        )
    book.close()
    return buffer.getvalue()


def as_typed() -> list[str]:
    """The valid numbers typed as offices type them."""
    cells = []
    for i, number in enumerate(VALID):
        if i % 4 == 1:
            cells.append(fullwidth(number))
        elif i % 4 == 2:
            cells.append(number.lower())
        elif i % 4 == 3:
            cells.append(f"{number[:6]} {number[6:14]} {number[14:]}")
        else:
            cells.append(number)
    return cells


def test_a_real_roster_imports_every_valid_number(college, nursing, registrar):
    batch = upload("learners", office_roster(as_typed()), institution=college, actor=registrar)
    assert messages(batch) == []
    assert batch.status == ImportBatch.Status.READY
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    stored = sorted(a.id_number for a in LearningAccount.objects.all())
    assert stored == sorted(VALID)


def test_a_roster_with_three_bad_rows_names_exactly_those_rows(college, nursing, registrar):
    cells = as_typed()
    # Excel rows: two title rows and the header come first, so student i is on row 3 + i.
    cells[1] = "440104200501220790"  # student 2, row 5: the right last character is X
    cells[5] = "440511050115363"  # student 6, row 9: a 15-digit legacy number
    cells[9] = "440303200502300011"  # student 10, row 13: 30 February
    batch = upload("learners", office_roster(cells), institution=college, actor=registrar)
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch) == [
        "第 5 行，列「身份证号码」：校验位不正确（最后一位应为 X），请核对是否输错",
        "第 9 行，列「身份证号码」：是 15 位的旧身份证号，请填写 18 位的新号码",
        "第 13 行，列「身份证号码」：出生日期 2005-02-30 不是有效日期",
    ]
    assert LearningAccount.objects.count() == 0
