"""Excel out: one renderer for every list export and template (XlsxWriter, constant memory).

Cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) are written as
text with a leading apostrophe-equivalent, so an exported name like "=HYPERLINK(...)" stays text
(CSV/formula injection; pretix ``ListExporter`` does the same).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_rows(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Sheet1",
    title: str | None = None,
) -> bytes:
    """Render one sheet: optional merged title row, bold header, then the rows."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    text_fmt = book.add_format({"num_format": "@"})
    r = 0
    if title:
        sheet.write(r, 0, title, book.add_format({"bold": True, "font_size": 14}))
        r += 1
    for c, header in enumerate(headers):
        sheet.write_string(r, c, header, bold)
        sheet.set_column(c, c, max(10, min(40, len(header) * 2 + 4)))
    r += 1
    for row in rows:
        for c, value in enumerate(row):
            value = safe_cell(value)
            if value is None or value == "":
                continue
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(r, c, value.replace(tzinfo=None), dt_fmt)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(
                    r, c, datetime.datetime.combine(value, datetime.time()), date_fmt
                )
            elif isinstance(value, str):
                sheet.write_string(r, c, value, text_fmt if value.isdigit() else None)
            else:
                sheet.write(r, c, value)
        r += 1
    book.close()
    return buffer.getvalue()


def encrypt_xlsx(content: bytes, password: str) -> bytes:
    """The workbook protected by ``password`` (ECMA-376 agile encryption, AES-256), the
    "encrypt with password" of Excel, which Excel and WPS open after asking for the password.
    The result is an OLE compound file, no longer a zip."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(content)).encrypt(password, out)
    return out.getvalue()


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def dated_filename(title: str) -> str:
    """``学习者名单-20261129.xlsx``: exports of the same list on different days don't collide."""
    from django.utils import timezone

    return f"{title}-{timezone.localdate():%Y%m%d}.xlsx"


class ListExport:
    """One list's Excel export, in the style of pretix's ``ListExporter``: a subclass names the
    file (``title``, dated when downloaded) and the sheet, and gives the header row and one row
    per object of the (already filtered and scoped) queryset; rendering is shared.

    ::

        class LearnerExport(ListExport):
            title = _("学习者名单")
            sheet_name = _("学习者")

            def headers(self):
                return [_("姓名"), ...]

            def rows(self, learners):
                for learner in learners:
                    yield [learner.name, ...]

    A workbook of several sheets (a report of figures rather than a list) overrides ``render``.
    """

    title: str = ""
    sheet_name: str = ""
    heading: str = ""  # a merged title row above the headers, when the sheet needs one

    def headers(self) -> Sequence[str]:
        raise NotImplementedError

    def rows(self, queryset: Any) -> Iterable[Sequence[Any]]:
        raise NotImplementedError

    def render(self, queryset: Any) -> bytes:
        return write_rows(
            [str(header) for header in self.headers()],
            self.rows(queryset),
            sheet_name=str(self.sheet_name or self.title),
            title=str(self.heading) if self.heading else None,
        )

    def filename(self, queryset: Any) -> str:
        """The download's name: the title and today's date (an export named after its contents,
        such as one year's report, overrides this)."""
        return dated_filename(str(self.title))

    def response(self, queryset: Any) -> HttpResponse:
        return xlsx_response(self.filename(queryset), self.render(queryset))
