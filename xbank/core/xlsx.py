"""Excel out: one renderer for every list export and template (XlsxWriter, constant memory).

Cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) are written as
text with a leading apostrophe-equivalent, so an exported name like "=HYPERLINK(...)" stays text
(CSV/formula injection; pretix ``ListExporter`` does the same).
"""

from __future__ import annotations

import datetime
import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a cell holds it: a formula-looking string as text, a Decimal as a number, and
    an aware datetime in the local time zone (Asia/Shanghai, as the pages show it; Excel has no
    time zones, so a UTC time would read eight hours early)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
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
                sheet.write_datetime(r, c, value, dt_fmt)
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
    return f"{title}-{timezone.localdate():%Y%m%d}.xlsx"


class Export(ABC):
    """One download as an Excel file: a subclass says what the file holds (``render``) and may
    rename it (``filename``, by default the ``title`` and today's date); the response is shared.
    Two kinds: ``ListExport`` (one sheet, a header and a row per object) and ``WorkbookExport``
    (a report of several sheets)."""

    title: str = ""

    @abstractmethod
    def render(self, source: Any) -> bytes:
        """The workbook's bytes for ``source`` (a queryset, or a report's figures)."""

    def filename(self, source: Any) -> str:
        """The download's name: the title and today's date (an export named after its contents,
        such as one year's report, overrides this)."""
        return dated_filename(str(self.title))

    def response(self, source: Any) -> HttpResponse:
        return xlsx_response(self.filename(source), self.render(source))


class ListExport(Export):
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
    """

    sheet_name: str = ""
    heading: str = ""  # a merged title row above the headers, when the sheet needs one

    @abstractmethod
    def headers(self) -> Sequence[str]:
        """The header row."""

    @abstractmethod
    def rows(self, queryset: Any) -> Iterable[Sequence[Any]]:
        """One row per object, in the order of ``headers``."""

    def render(self, queryset: Any) -> bytes:
        return write_rows(
            [str(header) for header in self.headers()],
            self.rows(queryset),
            sheet_name=str(self.sheet_name or self.title),
            title=str(self.heading) if self.heading else None,
        )


class Book:
    """A small XlsxWriter workbook with the project's header and cell formats, for exports of
    several sheets (``WorkbookExport``): ``table`` adds a sheet of one table; ``book`` is the
    XlsxWriter workbook itself, for a sheet laid out by hand."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.bold = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.cell = self.book.add_format({"border": 1})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.text = self.book.add_format({"num_format": "@"})

    def write(self, sheet: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        value = safe_cell(value)
        if value is None or value == "":
            if fmt is not None:
                sheet.write_blank(r, c, None, fmt)
            return
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), self.date)
        elif isinstance(value, str):
            sheet.write_string(r, c, value, fmt or (self.text if value.isdigit() else None))
        else:
            sheet.write(r, c, value, fmt)

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        title: str | None = None,
    ) -> None:
        sheet = self.book.add_worksheet(name[:31])
        r = 0
        if title:
            sheet.write_string(r, 0, title, self.title)
            r += 1
        for c, header in enumerate(headers):
            sheet.write_string(r, c, header, self.bold)
            sheet.set_column(c, c, max(10, min(40, len(header) * 2 + 4)))
        r += 1
        for row in rows:
            for c, value in enumerate(row):
                self.write(sheet, r, c, value)
            r += 1

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


class WorkbookExport(Export):
    """A report of several sheets (the dashboard, the evidence, the annual summary): a subclass
    fills a ``Book`` from the report's figures; opening and closing it is shared."""

    @abstractmethod
    def fill(self, book: Book, source: Any) -> None:
        """Add the report's sheets to ``book``."""

    def render(self, source: Any) -> bytes:
        book = Book()
        self.fill(book, source)
        return book.close()
