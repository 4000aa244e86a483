"""Bounded reading of untrusted import files (不可信文件的有界读取).

python-calamine loads a whole sheet into memory before the first row can be read (it has no lazy
reader: ``iter_rows`` walks a range already built), and builds it *dense*: a sheet with one cell
in A1 and one in Z200000 costs 5.2 million cells. Measured with 0.9.1: about 70 bytes of memory
per cell of the sheet's range, some 3.4 times the sheet's unpacked XML for small cells. So a
file is inspected here, before calamine sees it, and refused with a message naming the limit:

================================  ==========  ==================================================
limit (``Limits`` field)          default     what it bounds
================================  ==========  ==================================================
``max_file_bytes``                50 MB       the file as uploaded (the upload form says the same)
``max_unpacked_bytes``            200 MB      sum of the unpacked sizes of the zip's entries
``max_entry_bytes``               100 MB      unpacked size of any one entry
``max_entries``                   1,000       entries in the zip
``max_ratio`` / ``ratio_from``    100 : 1     unpacked : packed, for an entry over 1 MB unpacked
(nested archives)                 refused     an entry that is itself a zip, gzip, 7z or rar
``max_ole_bytes``                 30 MB       an .xls (OLE2 compound file): bounded by size only
``max_rows``                      200,000     rows of a sheet (row tags or the highest row number)
``max_columns``                   1,000       columns of a sheet (the highest column, or the most
                                              cells in a row when cells carry no address)
``max_cells``                     2,000,000   rows × columns of a sheet's range (calamine's
                                              memory: about 140 MB)
``max_cell_chars``                32,767      text of one cell (Excel's own limit)
``max_sheets_read``               5           sheets searched for a header row
================================  ==========  ==================================================

Every entry of a zip (.xlsx/.xlsm/.xlsb/.ods) is then read once, streamed, without extracting:
``zipfile`` stops at the declared size and checks the CRC, so an entry that lies about its size
is refused as damaged. Worksheet XML is scanned on the way for rows, columns, cells and long
text, and shared strings for long text, stopping at the first limit passed (a 1M-row sheet is
refused after its first 200,000 rows). Row and column limits of .xlsb and .ods sheets and of .xls
files are checked once calamine has read them (their size limits bound that read).

XML entities are never expanded: calamine's XML parser (quick-xml) refuses a DOCTYPE's entities
("unrecognized entity"), so a "billion laughs" sheet is an unreadable file. Macros (an .xlsm's
``vbaProject.bin``, an .xls's VBA storage) are just bytes here: calamine reads cell values and
never runs anything, so such a file is read as data. A password-protected workbook (an OLE2 file
holding an ``EncryptedPackage`` stream, or an .xls that calamine finds encrypted) is refused
with a message asking for the password to be removed.

Override any default with ``XBANK_IMPORT_LIMITS = {"max_rows": 300_000, …}`` in settings
(see docs/operations.md, "Import file limits").
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError

MB = 1024 * 1024

ERR_FILE_TOO_LARGE = "文件超过 {mb} MB，请拆分后再导入"
ERR_UNPACKED_TOO_LARGE = "文件解压后超过 {mb} MB，请拆分后再导入"
ERR_ENTRY_TOO_LARGE = "文件中有一个部分解压后超过 {mb} MB，请拆分后再导入"
ERR_TOO_MANY_ENTRIES = "文件包含超过 {count} 个内部文件，不像是正常的 Excel 文件，请另存后再导入"
ERR_RATIO = "文件的压缩比超过 {ratio}:1（疑似压缩炸弹），请另存后再导入"
ERR_NESTED = "文件中嵌有压缩包，请删除嵌入的对象或另存后再导入"
ERR_DAMAGED = "无法读取文件，请确认它是有效的 Excel 文件（文件已损坏或不完整，请重新保存后再导入）"
ERR_NOT_SPREADSHEET = (
    "无法读取文件，请确认它是有效的 Excel 文件（文件内容不是 Excel 表格，可能只是改了扩展名）"
)
ERR_PASSWORD = "文件有密码保护，请去掉密码后再导入"
ERR_XLS_TOO_LARGE = ".xls 文件超过 {mb} MB，请另存为 .xlsx 或拆分后再导入"
ERR_TOO_MANY_ROWS = "工作表超过 {rows} 行，请拆分后再导入"
ERR_TOO_MANY_COLUMNS = "工作表超过 {columns} 列，请删除多余的列后再导入"
ERR_TOO_MANY_CELLS = (
    "工作表的单元格区域超过 {cells} 个单元格（行数 × 列数），请删除多余的行列或拆分后再导入"
)
ERR_CELL_TOO_LONG = "有单元格的内容超过 {chars} 个字符，请检查后再导入"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MB
    max_unpacked_bytes: int = 200 * MB
    max_entry_bytes: int = 100 * MB
    max_entries: int = 1000
    max_ratio: int = 100
    ratio_from: int = 1 * MB
    max_ole_bytes: int = 30 * MB
    max_rows: int = 200_000
    max_columns: int = 1000
    max_cells: int = 2_000_000
    max_cell_chars: int = 32_767
    max_sheets_read: int = 5


def limits() -> Limits:
    """The defaults, with whatever ``settings.XBANK_IMPORT_LIMITS`` overrides."""
    return replace(Limits(), **getattr(settings, "XBANK_IMPORT_LIMITS", {}))


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!")
_CHUNK = MB


def refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_spreadsheet(content: bytes, lim: Limits | None = None) -> None:
    """Refuse a spreadsheet file that is too big, too deep or not a spreadsheet at all, without
    unpacking it into memory. Raises ``ValidationError`` with a message naming the limit."""
    lim = lim or limits()
    if len(content) > lim.max_file_bytes:
        raise refuse(ERR_FILE_TOO_LARGE.format(mb=lim.max_file_bytes // MB), "too_large")
    if content.startswith(OLE_MAGIC):
        _check_ole(content, lim)
    elif content.startswith(ZIP_MAGIC):
        _check_zip(content, lim)
    else:
        raise refuse(ERR_NOT_SPREADSHEET, "not_spreadsheet")


def _check_ole(content: bytes, lim: Limits) -> None:
    try:
        ole = olefile.OleFileIO(io.BytesIO(content))
    except (OSError, ValueError):
        raise refuse(ERR_DAMAGED, "damaged") from None
    with ole:
        if ole.exists("EncryptedPackage"):  # an encrypted .xlsx (ECMA-376 agile or standard)
            raise refuse(ERR_PASSWORD, "password")
    if len(content) > lim.max_ole_bytes:
        raise refuse(ERR_XLS_TOO_LARGE.format(mb=lim.max_ole_bytes // MB), "too_large")


def _check_zip(content: bytes, lim: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse(ERR_DAMAGED, "damaged") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > lim.max_entries:
            raise refuse(ERR_TOO_MANY_ENTRIES.format(count=lim.max_entries), "entries")
        total = 0
        for entry in entries:
            if entry.file_size > lim.max_entry_bytes:
                raise refuse(ERR_ENTRY_TOO_LARGE.format(mb=lim.max_entry_bytes // MB), "entry")
            total += entry.file_size
            if total > lim.max_unpacked_bytes:
                raise refuse(
                    ERR_UNPACKED_TOO_LARGE.format(mb=lim.max_unpacked_bytes // MB), "unpacked"
                )
            if entry.file_size > lim.ratio_from and entry.file_size > lim.max_ratio * max(
                entry.compress_size, 1
            ):
                raise refuse(ERR_RATIO.format(ratio=lim.max_ratio), "ratio")
        for entry in entries:
            _read_entry(archive, entry, lim)


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, lim: Limits) -> None:
    name = entry.filename.lower()
    scanner: _Scanner | None = None
    if (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "content.xml":
        scanner = _SheetScanner(lim, ods=name == "content.xml")
    elif name.endswith("sharedstrings.xml"):
        scanner = _Scanner(lim)
    try:
        with archive.open(entry) as stream:
            first = True
            while chunk := stream.read(_CHUNK):
                if first and chunk.startswith(_ARCHIVE_MAGIC):
                    raise refuse(ERR_NESTED, "nested")
                first = False
                if scanner is not None:
                    scanner.feed(chunk)
        if scanner is not None:
            scanner.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        # a damaged stream, a CRC or size that does not match, an unknown compression method,
        # or zip encryption (a workbook protected by password is OLE2, not this)
        raise refuse(ERR_DAMAGED, "damaged") from None
    except RuntimeError:  # zipfile: "File … is encrypted, password required"
        raise refuse(ERR_PASSWORD, "password") from None


class _Scanner:
    """Refuse a run of text (between ``>`` and ``<``) longer than a cell may be.

    Lengths are counted in bytes against four bytes per character (UTF-8's longest), so a
    refusal always means more than ``max_cell_chars`` characters."""

    def __init__(self, lim: Limits):
        self.lim = lim
        self.max_run = lim.max_cell_chars * 4
        self.long_text = re.compile(rb">[^<]{%d,}" % (self.max_run + 1))
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        end = data.rfind(b">") + 1
        # Process up to the last complete tag; keep the rest (at most a cell's text) for later.
        piece, self.carry = data[:end], data[end:]
        if len(self.carry) > self.max_run + 64:
            raise refuse(ERR_CELL_TOO_LONG.format(chars=self.lim.max_cell_chars), "cell")
        if piece:
            if self.long_text.search(piece):
                raise refuse(ERR_CELL_TOO_LONG.format(chars=self.lim.max_cell_chars), "cell")
            self.scan(piece)

    def scan(self, piece: bytes) -> None:
        pass

    def close(self) -> None:
        pass


# Plain byte counts and patterns that begin with a literal: a regex that starts with an optional
# namespace prefix tries every "<" and takes seconds on a large sheet.
# (Most writers use no namespace prefix; the prefixed forms are counted only when one is seen.)
_ROW_TAGS = (b"<row ", b"<row>")
_CELL_TAGS = (b"<c ", b"<c>")
_CELL_WITH_REF = (b'<c r="',)
_PREFIXED_ROW_TAGS = (b":row ", b":row>")
_PREFIXED_CELL_TAGS = (b":c ", b":c>")
_PREFIXED_CELL_WITH_REF = (b':c r="',)
_ROW_NUMBER = re.compile(rb' r="(\d+)"')  # only a row's address is digits alone
_REF_ROW = re.compile(rb' r="[A-Za-z]{1,3}(\d+)"')  # a cell's row
_REF_WIDE = re.compile(rb' r="([A-Za-z]{2,})\d')  # a cell's column, from AA on
_ODS_ROW = b"<table:table-row"


def _greater_than(number: int) -> bytes:
    """A pattern for the decimal numbers (without leading zeros) greater than ``number``."""
    digits = str(number).encode()
    options = [rb"[1-9]\d{%d,}" % len(digits)]  # more digits
    for index, digit in enumerate(digits):
        if digit < ord("9"):
            rest = len(digits) - index - 1
            options.append(digits[:index] + b"[%c-9]" % (digit + 1) + rb"\d" * rest)
    return b"|".join(options)


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class _SheetScanner(_Scanner):
    """Rows, columns and cells of one worksheet's XML, as calamine will lay them out."""

    def __init__(self, lim: Limits, *, ods: bool = False):
        super().__init__(lim)
        self.ods = ods
        self.rows = 0  # row tags seen
        self.last_row = 0  # highest row number, from row tags or cell addresses
        self.width = 0  # highest column, or most cells in one row without addresses
        self.open_row_cells = 0  # cells without address in the row still open at a chunk's end

    def scan(self, piece: bytes) -> None:
        lim = self.lim
        if self.ods:  # rows repeated by attribute are checked after calamine reads the sheet
            self.rows += piece.count(_ODS_ROW)
            self._check_rows(self.rows)
            return
        prefixed = b":row" in piece
        row_tags = _ROW_TAGS + _PREFIXED_ROW_TAGS if prefixed else _ROW_TAGS
        cell_tags = _CELL_TAGS + _PREFIXED_CELL_TAGS if prefixed else _CELL_TAGS
        with_ref = _CELL_WITH_REF + _PREFIXED_CELL_WITH_REF if prefixed else _CELL_WITH_REF
        self.rows += sum(map(piece.count, row_tags))
        self._check_rows(self.rows)
        self._raise_last_row(piece)
        for letters in set(_REF_WIDE.findall(piece)):
            self.width = max(self.width, column_number(letters))
        while self.width < 26:  # the highest one-letter column, one pass per step up
            found = re.search(rb' r="([%c-Z])\d' % (65 + self.width), piece)
            if found is None:
                break
            self.width = column_number(found.group(1))
        cells = sum(map(piece.count, cell_tags))
        if cells != sum(map(piece.count, with_ref)):
            # Cells without an address sit one after another: count them row by row.
            starts = sorted(match.start() for match in re.finditer(rb"[<:]row[\s>/]", piece))
            bounds = [0, *starts, len(piece)]
            count = 0
            for index, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False)):
                count = sum(piece.count(tag, start, stop) for tag in cell_tags)
                if index == 0:
                    count += self.open_row_cells
                self.width = max(self.width, count)
            self.open_row_cells = count
        if self.width > lim.max_columns:
            raise refuse(ERR_TOO_MANY_COLUMNS.format(columns=lim.max_columns), "columns")
        if max(self.rows, self.last_row) * self.width > lim.max_cells:
            raise refuse(ERR_TOO_MANY_CELLS.format(cells=f"{lim.max_cells:,}"), "cells")

    def _raise_last_row(self, piece: bytes) -> None:
        """The highest row number in ``piece``, by row tag or cell address.

        Rows come in order, so the last row tag usually holds the highest number; then one
        search for any address above it confirms it (a findall of every address took longer than
        calamine's own read). Out-of-order numbers take a few searches, then one findall."""
        tail = piece.rfind(b'row r="')
        if tail != -1:
            digits = re.match(rb'row r="(\d+)"', piece[tail : tail + 24])
            if digits:
                self.last_row = max(self.last_row, int(digits.group(1)))
        for _ in range(8):
            found = re.search(rb' r="[A-Za-z]{0,3}(%s)"' % _greater_than(self.last_row), piece)
            if found is None:
                break
            self.last_row = int(found.group(1))
            self._check_rows(self.last_row)
        else:
            numbers = _ROW_NUMBER.findall(piece) + _REF_ROW.findall(piece)
            self.last_row = max(self.last_row, *map(int, numbers))
        self._check_rows(self.last_row)

    def _check_rows(self, rows: int) -> None:
        if rows > self.lim.max_rows:
            raise refuse(ERR_TOO_MANY_ROWS.format(rows=f"{self.lim.max_rows:,}"), "rows")


def check_sheet_size(height: int, width: int, lim: Limits | None = None) -> None:
    """The same row, column and cell limits, on a sheet calamine has read (.xls, .xlsb, .ods)."""
    lim = lim or limits()
    if height > lim.max_rows:
        raise refuse(ERR_TOO_MANY_ROWS.format(rows=f"{lim.max_rows:,}"), "rows")
    if width > lim.max_columns:
        raise refuse(ERR_TOO_MANY_COLUMNS.format(columns=lim.max_columns), "columns")
    if height * width > lim.max_cells:
        raise refuse(ERR_TOO_MANY_CELLS.format(cells=f"{lim.max_cells:,}"), "cells")
