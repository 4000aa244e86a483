"""Hostile import files, made here (never downloaded), for the tests of ``xbank.imports.guard``.

Each builder returns ``(file_name, bytes)`` or writes a file and returns its path. The big ones
(the zip bomb, the 1M-row sheet) are written a chunk at a time through ``zipfile`` streaming
writes, so building them never holds the unpacked XML in memory.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from xbank.core.xlsx import encrypt_xlsx

from .helpers import xlsx

HEADER = ["姓名", "身份证号", "学号", "专业代码", "年级"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(HEADER)
    )
    return f'<row r="1">{cells}</row>'


def _write_xlsx(
    target, sheet_chunks: Iterable[str], *, extra: dict[str, bytes] | None = None, level: int = 6
) -> None:
    """A minimal workbook of one sheet whose XML is ``sheet_chunks``, streamed into the zip."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk.encode())
        for name, data in (extra or {}).items():
            book.writestr(name, data)


def _xlsx_bytes(sheet_chunks: Iterable[str], **kwargs) -> bytes:
    buffer = io.BytesIO()
    _write_xlsx(buffer, sheet_chunks, **kwargs)
    return buffer.getvalue()


def empty() -> tuple[str, bytes]:
    return "空文件.xlsx", b""


def truncated() -> tuple[str, bytes]:
    good = xlsx(HEADER, [["张三", "110101199003070011", "S1", "520201", 2024]])
    return "截断.xlsx", good[: len(good) // 2]


def png_named_xlsx() -> tuple[str, bytes]:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    return "照片.xlsx", png


def text_named_xlsx() -> tuple[str, bytes]:
    return "名单.xlsx", "姓名,身份证号\n张三,110101199003070011\n".encode()


def billion_laughs() -> tuple[str, bytes]:
    """A sheet whose DOCTYPE defines entities ten deep, ten wide: 10^9 "lol"s if expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE worksheet [" + "".join(entities) + "]>"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + doctype
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + _header_row()
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        + _SHEET_TAIL
    )
    return "笑声.xlsx", _xlsx_bytes([sheet])


def zip_bomb(
    path: Path, unpacked_bytes: int = 1 << 30, *, declared_bytes: int | None = None
) -> Path:
    """A sheet of about ``unpacked_bytes`` of repeated cells, deflated to a few MB.

    Deflating 1 GB takes a core tens of seconds, so one 1 MiB block is deflated once, ending
    with a full flush (which resets the compressor): its deflated bytes are then the same every
    time, and are written that many times into a zip assembled here by hand. With
    ``declared_bytes`` the zip's headers lie about the sheet's unpacked size."""
    row = "<row>" + '<c t="n"><v>1</v></c>' * 40 + "</row>"
    block = (row * ((1 << 20) // len(row))).encode()
    head = (_SHEET_HEAD + _header_row()).encode()
    tail = _SHEET_TAIL.encode()
    repeat = max(1, unpacked_bytes // len(block))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    pieces = [(deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH), 1)]
    pieces.append((deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH), repeat))
    pieces.append((deflate.compress(tail) + deflate.flush(zlib.Z_FINISH), 1))
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(block) * repeat + len(tail) if declared_bytes is None else declared_bytes
    small = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
    }
    entries = []
    for name, text in small.items():
        data = text.encode()
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        entries.append(
            (name, [(deflate.compress(data) + deflate.flush(), 1)], zlib.crc32(data), len(data))
        )
    entries.append(("xl/worksheets/sheet1.xml", pieces, crc, size))
    with path.open("wb") as out:
        central = b""
        for name, chunks, entry_crc, entry_size in entries:
            offset = out.tell()
            packed = sum(len(chunk) * times for chunk, times in chunks)
            encoded = name.encode()
            fields = (20, 0, 8, 0, 0x21, entry_crc, packed, entry_size, len(encoded), 0)
            out.write(struct.pack("<4s5HL2L2H", b"PK\x03\x04", *fields) + encoded)
            for chunk, times in chunks:
                for _ in range(times):
                    out.write(chunk)
            central += (
                struct.pack("<4s6HL2L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset)
                + encoded
            )
        start = out.tell()
        out.write(central)
        out.write(
            struct.pack(
                "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0
            )
        )
    return path


def million_rows(path: Path, rows: int = 1_000_000) -> Path:
    def chunks():
        yield _SHEET_HEAD + _header_row()
        for start in range(2, rows + 2, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="C{r}"><v>{r}</v></c></row>'
                for r in range(start, min(start + 10_000, rows + 2))
            )
        yield _SHEET_TAIL

    _write_xlsx(path, chunks())
    return path


def wide_columns(columns: int = 16_384) -> tuple[str, bytes]:
    def letters(n: int) -> str:
        out = ""
        while n:
            n, rem = divmod(n - 1, 26)
            out = chr(65 + rem) + out
        return out

    cells = "".join(f'<c r="{letters(c)}2"><v>{c}</v></c>' for c in range(1, columns + 1))
    return "宽表.xlsx", _xlsx_bytes(
        [_SHEET_HEAD, _header_row(), f'<row r="2">{cells}</row>', _SHEET_TAIL]
    )


def far_cell() -> tuple[str, bytes]:
    """Two cells far apart (A1 and Z150000): a few hundred bytes that calamine would lay out as
    a dense range of 3.9 million cells."""
    far = '<row r="150000"><c r="Z150000"><v>1</v></c></row>'
    return "远处的单元格.xlsx", _xlsx_bytes([_SHEET_HEAD, _header_row(), far, _SHEET_TAIL])


@functools.cache
def huge_cell(size: int = 10 * 1024 * 1024) -> tuple[str, bytes]:
    """One cell of about ``size`` bytes of random letters (so that it does not compress away)."""
    text = base64.b64encode(random.Random(20261203).randbytes(size * 3 // 4)).decode()
    cell = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{text}</t></is></c></row>'
    return "大单元格.xlsx", _xlsx_bytes([_SHEET_HEAD, _header_row(), cell, _SHEET_TAIL])


def nested_zip() -> tuple[str, bytes]:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("payload.txt", "x")
    return "套娃.xlsx", _xlsx_bytes(
        [_SHEET_HEAD, _header_row(), _SHEET_TAIL],
        extra={"xl/embeddings/oleObject1.zip": inner.getvalue()},
    )


def with_macros(rows: list[list]) -> tuple[str, bytes]:
    """An .xlsm with a vbaProject.bin (an OLE2 header and a VBA-looking body, never run)."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
            for c, value in enumerate(row)
        )
        + "</row>"
        for r, row in enumerate(rows, start=2)
    )
    vba = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\nShell "calc"\r\nEnd Sub\r\n'
    )
    return "宏.xlsm", _xlsx_bytes(
        [_SHEET_HEAD, _header_row(), body, _SHEET_TAIL], extra={"xl/vbaProject.bin": vba}
    )


def password_protected() -> tuple[str, bytes]:
    good = xlsx(HEADER, [["张三", "110101199003070011", "S1", "520201", 2024]])
    return "加密.xlsx", encrypt_xlsx(good, "secret-123")
