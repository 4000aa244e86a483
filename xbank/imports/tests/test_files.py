"""Files as they arrive: CSV in GBK or UTF-8 with a BOM, a header below empty rows and a title,
headers that are not found, the wrong kind of file, and the downloadable template itself."""

import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from xbank.core.identity import ERR_EXCEL_NUMBER
from xbank.imports import services
from xbank.imports.models import ImportBatch
from xbank.imports.pipeline import (
    ERR_MISSING_COLUMN,
    ERR_NO_HEADER,
    ERR_NO_ROWS,
    WARN_DUPLICATE_HEADER,
    WARN_EXAMPLE_ROW,
    spec_for,
)
from xbank.imports.reader import ERR_FILE_TYPE, ERR_FILE_UNREADABLE
from xbank.imports.workbook import template_workbook
from xbank.learners.models import Learner, LearningAccount

from .helpers import csv_bytes, fake_name, messages, new_id, upload, warnings, xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_files_in_gbk_and_utf8_with_or_without_bom(college, nursing, registrar, encoding):
    names = [fake_name(), fake_name()]
    content = csv_bytes(
        ["姓名", "身份证号", "学号", "专业名称", "年级", "班级"],
        [
            [names[0], new_id(), "2024001", "护理", "2024", "护理2401班"],
            [names[1], new_id(), "2024002", "护理", "2024级", "护理2401班"],
            ["", "", "", "", "", ""],
            [" ", "  ", "　", "", " ", ""],  # only spaces: blank to the eye
        ],
        encoding=encoding,
    )
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    batch = upload("learners", content, institution=college, actor=registrar, file_name="名单.csv")
    assert messages(batch) == []
    services.batch_commit(actor=registrar, batch=batch)
    assert sorted(LearningAccount.objects.values_list("name", flat=True)) == sorted(names)
    assert set(Learner.objects.values_list("major__name", flat=True)) == {"护理"}


def test_a_csv_that_excel_wrote_with_a_rounded_id_number_is_refused(college, nursing, registrar):
    content = csv_bytes(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [[fake_name(), "4.40106E+17", "1", "520201", "2024"]],
        encoding="gbk",
    )
    batch = upload("learners", content, institution=college, actor=registrar, file_name="a.csv")
    assert messages(batch) == [
        "第 2 行，列「身份证号」：" + ERR_EXCEL_NUMBER.format(shown="4.40106E+17")
    ]


def test_row_numbers_match_excel_below_empty_rows_and_a_title(college, nursing, registrar):
    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [[fake_name(), new_id(), "1", "520201", 2024], [fake_name(), "123", "2", "520201", 2024]],
        empty_rows_above=3,
    )
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    assert rows.to_python(skip_empty_area=False)[6][1] == "123"  # Excel row 7
    batch = upload("learners", content, institution=college, actor=registrar)
    assert [m.split("：")[0] for m in messages(batch)] == ["第 7 行，列「身份证号」"]


def test_a_file_without_a_recognisable_header_is_refused(college, registrar):
    content = xlsx(["甲", "乙", "丙"], [["1", "2", "3"]])
    batch = upload("learners", content, institution=college, actor=registrar)
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch) == [
        ERR_NO_HEADER.format(rows=10, examples="姓名」「证件类型」「证件号码")
    ]


def test_a_missing_required_column_is_named(college, registrar):
    content = xlsx(["学生姓名", "学号"], [[fake_name(), "1"]])
    batch = upload("learners", content, institution=college, actor=registrar)
    synonyms = "、".join(spec_for("learners").by_key["id_number"].synonyms)
    assert messages(batch) == [ERR_MISSING_COLUMN.format(label="证件号码", synonyms=synonyms)]


def test_two_columns_of_the_same_meaning_use_the_first(college, nursing, registrar):
    number = new_id()
    content = xlsx(
        ["姓名", "身份证号", "证件号码", "学号", "专业代码", "年级"],
        [[fake_name(), number, "something else", "1", "520201", 2024]],
    )
    batch = upload("learners", content, institution=college, actor=registrar)
    assert messages(batch) == []
    assert warnings(batch) == [
        "第 2 行：列「证件号码」" + WARN_DUPLICATE_HEADER.format(other="身份证号")
    ]


def test_files_that_are_not_spreadsheets_are_refused(college, registrar):
    with pytest.raises(Exception) as exc:
        services.batch_create(
            actor=registrar, kind="learners", institution=college, file_name="a.pdf", content=b"x"
        )
    assert ERR_FILE_TYPE.format(suffix=".pdf") in str(exc.value)
    batch = upload("learners", b"not a zip file", institution=college, actor=registrar)
    assert messages(batch)[0].startswith(ERR_FILE_UNREADABLE.split("（")[0])


@pytest.mark.parametrize("kind", ["learners", "courses", "curricula", "outcomes"])
def test_the_template_has_chinese_headers_dropdowns_text_ids_and_an_example(kind, college):
    content = template_workbook(spec_for(kind))
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names[:2] == ["导入数据", "填写说明"]
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert rows[0][0].startswith(f"{spec_for(kind).title}导入模板")
    assert rows[1] == [column.label for column in spec_for(kind).columns]
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    styles = zipfile.ZipFile(io.BytesIO(content)).read("xl/styles.xml").decode()
    assert 'formatCode="@"' in styles  # text
    for position, column in enumerate(spec_for(kind).columns, start=1):
        if column.text_format:  # ID numbers and codes stay text: whole column styled "@"
            assert re.search(rf'<col min="{position}" max="{position}" [^>]*style="1"', sheet_xml)
    if any(column.choices for column in spec_for(kind).columns):
        assert "<dataValidation" in sheet_xml
    if kind == "learners":
        assert "&quot;在校生,社会学员&quot;" in sheet_xml or '"在校生,社会学员"' in sheet_xml
    if kind == "curricula":
        assert "必修,选修" in sheet_xml


def test_the_untouched_template_imports_nothing_and_its_example_row_is_skipped(
    college, nursing, registrar
):
    content = template_workbook(spec_for("learners"))
    batch = upload("learners", content, institution=college, actor=registrar)
    assert messages(batch) == [ERR_NO_ROWS]
    assert warnings(batch) == ["第 3 行：" + WARN_EXAMPLE_ROW]


def test_progress_is_reported_every_500_rows(college, nursing):
    from xbank.imports.pipeline import Report, load_table

    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [[fake_name(), new_id(), f"S{i}", "520201", 2024] for i in range(1100)],
    )
    calls = []
    table = load_table(
        spec_for("learners"), content, "a.xlsx", Report(), lambda *a: calls.append(a)
    )
    assert len(table) == 1100
    assert [done for done, _ in calls] == [500, 1000]
    assert all(total >= 1100 for _, total in calls)


def test_the_first_sheet_with_a_header_is_read(college, nursing, registrar):
    buffer = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("说明").write(0, 0, "本表由教务处汇总，请勿修改表头")
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, ["姓名", "身份证号", "学号", "专业代码", "年级"])
    sheet.write_row(1, 0, [fake_name(), new_id(), "S1", "520201", "2024"])
    book.close()
    batch = upload("learners", buffer.getvalue(), institution=college, actor=registrar)
    assert messages(batch) == [] and batch.created_count == 1
