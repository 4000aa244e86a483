"""Read an uploaded spreadsheet into rows numbered as Excel numbers them.

.xlsx/.xlsm/.xls/.xlsb/.ods go through python-calamine (about ten times faster than openpyxl on
large files, see LIBRARIES.md); .csv is decoded as UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text") or else GB18030, the superset of the GBK that Chinese Excel and WPS save by default.

Every file is bounded before it is read (``guard``: file size, unpacked size, entries,
compression ratio, nested archives, rows, columns, cells, cell length, sheets searched, password
protection); the web upload, its background task and ``manage.py import_excel`` all come
through ``open_sheets``, the one way in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from . import guard

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + CSV_SUFFIXES

ERR_FILE_TYPE = "不支持「{suffix}」文件，请上传 Excel（.xlsx、.xls）或 CSV 文件"
ERR_FILE_EMPTY = "文件是空的"
ERR_FILE_UNREADABLE = "无法读取文件，请确认它是有效的 Excel 文件（{detail}）"
ERR_ENCODING = "无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码"


@dataclass
class Sheet:
    name: str
    rows: Iterator[list]  # the n-th row yielded (from 1) is row n as Excel shows it
    height: int  # rows in the sheet, for the progress bar


def file_suffix(file_name: str) -> str:
    return PurePath(file_name).suffix.lower()


def check_file_name(file_name: str) -> None:
    suffix = file_suffix(file_name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValidationError(ERR_FILE_TYPE.format(suffix=suffix or file_name), code="file_type")


def open_sheets(content: bytes, file_name: str) -> Iterator[Sheet]:
    """Every sheet of the file, in order; raise ``ValidationError`` for an unreadable file."""
    check_file_name(file_name)
    if not content:
        raise ValidationError(ERR_FILE_EMPTY, code="empty")
    lim = guard.limits()
    if file_suffix(file_name) in CSV_SUFFIXES:
        if len(content) > lim.max_file_bytes:
            raise guard.refuse(
                guard.ERR_FILE_TOO_LARGE.format(mb=lim.max_file_bytes // guard.MB), "too_large"
            )
        yield _csv_sheet(content, lim)
        return
    guard.check_spreadsheet(content, lim)  # before calamine unpacks anything
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except PasswordError:  # an encrypted .xls
        raise guard.refuse(guard.ERR_PASSWORD, "password") from None
    except (CalamineError, ValueError, OSError) as exc:  # zip, XML or format errors
        raise ValidationError(
            ERR_FILE_UNREADABLE.format(detail=type(exc).__name__), code="unreadable"
        ) from None
    for name in book.sheet_names[: lim.max_sheets_read]:  # the header is on one of the first
        try:
            sheet = book.get_sheet_by_name(name)
        except PasswordError:
            raise guard.refuse(guard.ERR_PASSWORD, "password") from None
        except (CalamineError, ValueError) as exc:
            raise ValidationError(
                ERR_FILE_UNREADABLE.format(detail=type(exc).__name__), code="unreadable"
            ) from None
        height = (sheet.end or (0, 0))[0] + 1
        guard.check_sheet_size(height, (sheet.end or (0, 0))[1] + 1, lim)
        yield Sheet(name=name, rows=_excel_rows(sheet), height=height)


def _excel_rows(sheet) -> Iterator[list]:
    """Rows from row 1 of the sheet, whatever the first non-empty row is, with merged cells
    filled in.

    python-calamine 0.9 yields the empty rows above the data too, so the n-th row is Excel row n.
    Earlier releases started at the first non-empty row; pad if so, so that row numbers in
    messages always match what the user sees.

    Offices merge cells that repeat down a table (the 专业 and 年级 of a curriculum, the course
    of its modules); a merged range holds its value in its top-left cell only, so every cell of
    the range is given that value, as the user sees it.
    """
    rows = sheet.iter_rows()
    start = sheet.start[0] if sheet.start else 0
    col_offset = sheet.start[1] if sheet.start else 0
    first = next(rows, None)
    if first is None:
        return
    skipped = start if start and any(cell not in ("", None) for cell in first) else 0
    yield from ([] for _ in range(skipped))
    merged = _merged_ranges(sheet)
    if not merged:
        yield first
        yield from rows
        return
    # iter_rows starts at the first used column: shift it back so cells line up with columns.
    active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
    for index, row in enumerate(_chain(first, rows), start=skipped):
        row = [*([""] * col_offset), *row] if col_offset else list(row)
        for _top, left, bottom, right in merged.get(index, ()):
            value = row[left] if left < len(row) else ""
            active.append((bottom, left, right, value))
        if active:
            active = [entry for entry in active if entry[0] >= index]
            for _, left, right, value in active:
                if len(row) <= right:
                    row.extend([""] * (right + 1 - len(row)))
                row[left : right + 1] = [value] * (right + 1 - left)
        yield row


def _chain(first: list, rows: Iterator[list]) -> Iterator[list]:
    yield first
    yield from rows


def _merged_ranges(sheet) -> dict[int, list[tuple[int, int, int, int]]]:
    """Merged ranges spanning more than one row, by their top row (0-based)."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except (AttributeError, CalamineError):  # not every format or release reports them
        return {}
    by_top: dict[int, list[tuple[int, int, int, int]]] = {}
    for (top, left), (bottom, right) in ranges:
        if bottom > top:
            by_top.setdefault(top, []).append((top, left, bottom, right))
    return by_top


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationError(ERR_ENCODING, code="encoding") from None


def _csv_sheet(content: bytes, lim: guard.Limits) -> Sheet:
    text = _decode(content)
    height = text.count("\n") + 1
    guard.check_sheet_size(min(height, lim.max_rows + 1), 0, lim)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    return Sheet(
        name="CSV",
        rows=csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
        height=height,
    )
