"""Workbooks as offices make them, written with XlsxWriter for the tests.

Cells are written by their Python type: ``str`` as text (also digits: "numbers stored as text"),
``int``/``float`` as numbers (an ID number typed as a number), ``datetime.date`` as an Excel date
cell, ``None`` as nothing, and ``Blank`` as a formatted empty cell (what the trailing rows of a
real sheet hold).
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Sequence

import xlsxwriter
from faker import Faker

from xbank.core.actors import SYSTEM
from xbank.core.testing import make_id_number
from xbank.imports import pipeline, services
from xbank.imports.models import ImportBatch

BLANK = object()

_fake = Faker("zh_CN")
_fake.seed_instance(20261129)
_rng = random.Random(20261129)


def fake_name() -> str:
    """A synthetic Chinese name (never a real person's)."""
    return _fake.name()


def new_id() -> str:
    return make_id_number(_rng)


def new_numeric_id() -> str:
    """A valid number whose check digit is a digit, not X: one that Excel can hold as a number.

    About one number in eleven ends in X; which one a test draws depends on the tests run before
    it in the same process (the random generator is shared), so a test that types a number into
    a cell as a number asks for this one."""
    while not (number := new_id())[-1].isdigit():
        pass
    return number


def xlsx(
    header: Sequence[str],
    rows: Sequence[Sequence],
    *,
    title: str | None = "2024 年名单（教务处制表）",
    empty_rows_above: int = 0,
    trailing_blank_rows: int = 3,
    sheet_name: str = "Sheet1",
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(sheet_name)
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    border = book.add_format({"border": 1})
    r = empty_rows_above
    if title:
        sheet.merge_range(r, 0, r, len(header) - 1, title, book.add_format({"bold": True}))
        r += 1
    sheet.write_row(r, 0, list(header))
    r += 1
    for row in rows:
        for c, value in enumerate(row):
            if value is None:
                continue
            if value is BLANK:
                sheet.write_blank(r, c, None, border)
            elif isinstance(value, datetime.datetime):
                sheet.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(
                    r, c, datetime.datetime.combine(value, datetime.time()), date_fmt
                )
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
        r += 1
    for _ in range(trailing_blank_rows):
        for c in range(len(header)):
            sheet.write_blank(r, c, None, border)
        r += 1
    book.close()
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence], *, encoding: str) -> bytes:
    lines = [",".join(header)] + [
        ",".join("" if v is None else str(v) for v in row) for row in rows
    ]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(
    kind: str, content: bytes, *, institution, actor=SYSTEM, file_name: str = "名单.xlsx"
) -> ImportBatch:
    """Create and validate a batch as the upload page does (inline)."""
    batch = services.batch_create(
        actor=actor, kind=kind, institution=institution, file_name=file_name, content=content
    )
    return services.batch_validate(batch=batch)


def messages(batch_or_issues) -> list[str]:
    issues = batch_or_issues.errors if hasattr(batch_or_issues, "errors") else batch_or_issues
    return [pipeline.format_issue(issue) for issue in issues]


def warnings(batch: ImportBatch) -> list[str]:
    return [pipeline.format_issue(issue) for issue in batch.warnings]
