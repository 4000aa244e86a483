import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from xbank.core import identity
from xbank.core.identity import DocumentType, parse_document
from xbank.core.testing import make_id_number


def valid_number(area="440106", birth=datetime.date(1990, 3, 7)):
    return make_id_number(area=area, birth=birth)


def test_it_accepts_lower_x_full_width_digits_and_spaces():
    number = None
    while number is None or not number.endswith("X"):
        number = make_id_number(birth=datetime.date(1999, 12, 1))
    messy = " ".join([number[:6], number[6:14], number[14:]]).replace("X", "x")
    messy = messy.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_document(messy).number == number


def test_it_reports_the_right_check_digit():
    number = valid_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_document(wrong)
    assert f"最后一位应为 {number[17]}" in exc.value.messages[0]


def test_it_rejects_an_impossible_birth_date():
    with pytest.raises(ValidationError) as exc:
        parse_document("440106199002301235")
    assert "1990-02-30 不是有效日期" in exc.value.messages[0]


@time_machine.travel(datetime.date(2026, 11, 29))
def test_it_rejects_a_future_birth_date():
    number = valid_number(birth=datetime.date(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        parse_document(number)
    assert "晚于今天" in exc.value.messages[0]


def test_an_unknown_area_code_is_a_warning_not_a_rejection():
    doc = parse_document(valid_number(area="449999"))
    assert doc.warnings and "449999" in doc.warnings[0]
    assert doc.birth_date == datetime.date(1990, 3, 7)


def test_a_number_excel_has_rounded_is_rejected_with_a_clear_message():
    number = valid_number()
    while number.endswith("X"):  # a number typed as a number cannot end in X
        number = valid_number()
    lost = float(number)  # what Excel keeps of an 18-digit number typed as a number
    with pytest.raises(ValidationError) as exc:
        parse_document(lost)
    assert "被 Excel 存成了数字" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (DocumentType.HK_MACAO_PERMIT, "h12345678"),
        (DocumentType.TAIWAN_PERMIT, "12345678"),
        (DocumentType.PASSPORT, "e1234567 8"),
    ],
)
def test_other_documents_are_accepted(doc_type, number):
    assert parse_document(number, doc_type).number == identity.normalize_text(number)


def test_residence_permit_numbers_share_the_resident_key():
    doc = parse_document("810000199501010023")  # check digit worked by hand: sum 163, r 9 → 3
    assert doc.type == DocumentType.HMT_RESIDENCE
    assert identity.document_key(doc.type, doc.number).startswith("cn:")
