"""Find resident ID numbers in clear: in every column of every table, in files, in log text.

The scanner is written apart from ``xbank.core`` on purpose (its own pattern, its own GB 11643
check), so that a mistake in the application's validator cannot hide a number from it. A match
counts when it has 17 digits and a check character that is right for them, a real birth date and
a province code: random 18-digit strings (certificate numbers, hashes) rarely pass all three.
Office files are zip archives: their members are unpacked and scanned too.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import connection

SHAPE = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])(?![0-9])")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PROVINCES = set("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                "61 62 63 64 65 71 81 82 83".split())  # fmt: skip


def is_valid_id(number: str) -> bool:
    if number[:2] not in PROVINCES:
        return False
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(w * int(d) for w, d in zip(WEIGHTS, number[:17], strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def ids_in_text(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    return [m for m in SHAPE.findall(text) if is_valid_id(m)]


def _texts(value) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        yield value.decode("latin-1")
        yield from _zip_texts(value)
        return
    text = str(value)
    yield text
    # A signed Django session or a base64 blob hides digits from a plain pattern.
    for chunk in re.findall(r"[A-Za-z0-9+/=_-]{24,}", text):
        try:
            decoded = base64.urlsafe_b64decode(chunk + "=" * (-len(chunk) % 4))
        except ValueError:
            continue
        yield decoded.decode("latin-1")
        yield from _zip_texts(decoded)


def _zip_texts(data: bytes) -> Iterator[str]:
    if not data.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield archive.read(name).decode("utf-8", "replace")
    except zipfile.BadZipFile:
        return


def scan_database() -> dict[str, list[str]]:
    """{table: [valid ID numbers found in clear]} over every column of every table."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            hits = [
                number
                for row in cursor.fetchall()
                for value in row
                for text in _texts(value)
                for number in ids_in_text(text)
            ]
            if hits:
                found[table] = hits
    return found


def scan_files(root: Path) -> dict[str, list[str]]:
    """{path: [valid ID numbers found]} over every file under ``root``, zip members unpacked."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [n for text in _texts(data) for n in ids_in_text(text)]
        hits += [n for n in ids_in_text(data.decode("utf-8", "replace"))]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def scan_texts(texts: Iterable[str]) -> list[str]:
    return [n for text in texts for n in ids_in_text(text)]
