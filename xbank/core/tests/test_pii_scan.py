"""The scanner of clear ID numbers finds what it must, so that "0 found" means something."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.db import connection

from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners.services import account_get_or_create

from .pii_scan import ids_in_text, is_valid_id, scan_database, scan_files

PUBLISHED = "11010519491231002X"  # GB 11643's example


def test_it_tells_a_valid_number_from_look_alikes():
    assert is_valid_id(PUBLISHED)
    assert not is_valid_id("110105194912310021")  # wrong check character
    assert not is_valid_id("990105194912310026")  # no province 99
    assert ids_in_text(f"x{PUBLISHED.lower()}y，１１０１０５１９４９１２３１００２Ｘ") == [
        PUBLISHED.lower(),
        PUBLISHED,
    ]
    assert ids_in_text("1" + PUBLISHED) == []  # part of a longer number


@pytest.mark.django_db
def test_it_finds_a_clear_number_in_a_column_but_not_an_encrypted_one():
    account_get_or_create(actor=SYSTEM, document=parse_document(PUBLISHED), name="甲")
    assert scan_database() == {}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE learners_learningaccount SET name = %s", [f"甲 {PUBLISHED}"])
    assert scan_database() == {"learners_learningaccount": [PUBLISHED]}


def test_it_finds_a_number_inside_an_office_file(tmp_path):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_string(0, 0, PUBLISHED)
    book.close()
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "roster.xlsx").write_bytes(buffer.getvalue())
    (tmp_path / "other.bin").write_bytes(b"nothing here")
    assert scan_files(tmp_path) == {"imports/roster.xlsx": [PUBLISHED]}
