"""Identity documents, checked against values from outside the code under test.

Every expected value here comes from one of three places, never from ``xbank.core.identity``:
- the published example of GB 11643-1999 (``11010519491231002X``) and Wikipedia's
  ``440524188001010014``;
- a table worked out by hand in this file (weights and sums written out per row);
- a second implementation written another way in this file (powers of two mod 11 and the
  "12 − r" rule), and python-stdnum used per its contract (the whole 18-character number).
"""

import datetime
import random

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from xbank.core import identity
from xbank.core.identity import DocumentType, check_digit, parse_document
from xbank.core.testing import make_id_number

# GB 11643-1999, 6.2: weights W_i = 2^(i-1) mod 11 for i = 18 … 2, and the check map.
WEIGHTS = "7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2"
CHECK_MAP = "r: 0 1 2 3 4 5 6 7 8 9 10 → 1 0 X 9 8 7 6 5 4 3 2"

# Worked by hand: body, weighted sum Σ a_i·W_i, sum mod 11, check character.
HAND_TABLE = [
    ("11010519491231002", 167, 2, "X"),  # GB 11643's own example
    ("44052418800101001", 195, 8, "4"),  # Wikipedia (zh) example
    ("44010619900101123", 194, 7, "5"),
    ("31010419851231567", 263, 10, "2"),
    ("44030320000229004", 186, 10, "2"),  # a leap day
    ("51010819780615331", 285, 10, "2"),
    ("65010220050704006", 214, 5, "7"),
    ("44180220030909112", 277, 2, "X"),
    ("53010219990101009", 199, 1, "0"),
    ("35020319700707777", 337, 7, "5"),
    ("81000019950101002", 163, 9, "3"),  # 港澳台居民居住证, Hong Kong
    ("82000019880808004", 277, 2, "X"),  # Macao
    ("83000020020202003", 127, 6, "6"),  # Taiwan
]


def second_check_digit(body: str) -> str:
    """Another way to the same digit: W_i = 2^(17-i) mod 11, check value (12 − S mod 11) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def test_the_hand_table_is_consistent_with_itself():
    weights = [int(w) for w in WEIGHTS.split()]
    mapping = dict(zip(range(11), "10X98765432", strict=True))
    assert CHECK_MAP.endswith("1 0 X 9 8 7 6 5 4 3 2")
    for body, total, remainder, char in HAND_TABLE:
        assert sum(w * int(d) for w, d in zip(weights, body, strict=True)) == total
        assert total % 11 == remainder and mapping[remainder] == char


@pytest.mark.parametrize(("body", "total", "remainder", "char"), HAND_TABLE)
def test_the_check_digit_matches_the_hand_table(body, total, remainder, char):
    assert check_digit(body) == char
    assert second_check_digit(body) == char
    assert ric.calc_check_digit(body + "?") == char  # stdnum wants all 18 characters


def test_the_published_example_is_accepted_with_its_birth_date_and_gender():
    doc = parse_document("11010519491231002X")
    assert doc.type == DocumentType.RESIDENT_ID
    assert doc.birth_date == datetime.date(1949, 12, 31)
    assert doc.gender == "F"  # 17th digit 2 is even
    assert doc.number == "11010519491231002X"


def test_wikipedias_example_has_a_right_check_digit_but_a_birth_year_before_1900():
    with pytest.raises(ValidationError) as exc:
        parse_document("440524188001010014")
    assert exc.value.messages == ["出生日期 1880-01-01 早于 1900 年"]


@pytest.mark.parametrize(
    "number",
    [body + char for body, *_, char in HAND_TABLE if body[:6] not in {"440524"}],
)
def test_every_hand_worked_number_is_accepted(number):
    assert parse_document(number).number == number


@pytest.mark.parametrize(("body", "total", "remainder", "char"), HAND_TABLE[2:4])
def test_each_wrong_last_character_is_refused_with_the_right_one_named(
    body, total, remainder, char
):
    for wrong in "0123456789X":
        if wrong == char:
            continue
        with pytest.raises(ValidationError) as exc:
            parse_document(body + wrong)
        assert exc.value.messages == [f"校验位不正确（最后一位应为 {char}），请核对是否输错"]


PROVINCES = ["11", "31", "44", "51", "65"]


@st.composite
def bodies(draw):
    province = draw(st.sampled_from(PROVINCES))
    area = province + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    birth = draw(st.dates(datetime.date(1930, 1, 1), datetime.date(2010, 12, 31)))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return f"{area}{birth:%Y%m%d}{seq}"


@settings(max_examples=300, deadline=None)
@given(bodies())
def test_a_body_with_its_correct_digit_is_accepted_and_every_other_last_character_refused(body):
    right = second_check_digit(body)
    assert parse_document(body + right).number == body + right
    for wrong in set("0123456789X") - {right}:
        with pytest.raises(ValidationError) as exc:
            parse_document(body + wrong)
        assert exc.value.error_list[0].code == "check_digit"


def test_the_test_helper_makes_numbers_that_an_independent_implementation_accepts():
    rng = random.Random(20261203)
    for _ in range(500):
        number = make_id_number(rng)
        assert number[17] == second_check_digit(number[:17])
        assert ric.calc_check_digit(number) == number[17]


def test_it_accepts_lower_x_full_width_digits_and_spaces():
    messy = "１１０１０５ １９４９１２３１ ００２x"
    assert parse_document(messy).number == "11010519491231002X"


def test_a_fifteen_digit_legacy_number_is_refused_with_its_own_message():
    with pytest.raises(ValidationError) as exc:
        parse_document("110105491231002")  # the 15-digit form of the published example
    assert exc.value.messages == ["是 15 位的旧身份证号，请填写 18 位的新号码"]


def test_it_rejects_an_impossible_birth_date():
    with pytest.raises(ValidationError) as exc:
        parse_document("440106199002301235")
    assert exc.value.messages == ["出生日期 1990-02-30 不是有效日期"]


def test_it_rejects_the_29th_of_february_of_a_common_year():
    with pytest.raises(ValidationError) as exc:
        parse_document("44030320010229004X")
    assert exc.value.messages == ["出生日期 2001-02-29 不是有效日期"]


@time_machine.travel(datetime.date(2026, 11, 29))
def test_it_rejects_a_future_birth_date():
    # body 44010620270101001: sum 146, r 3 → "9"
    with pytest.raises(ValidationError) as exc:
        parse_document("440106202701010019")
    assert exc.value.messages == ["出生日期 2027-01-01 晚于今天"]


def test_an_unknown_province_is_refused():
    # 99 is no province; body 99010619900101123: sum 274, r 10 → "2"
    with pytest.raises(ValidationError) as exc:
        parse_document("990106199001011232")
    assert exc.value.messages == ["前两位 99 不是有效的省级行政区划代码"]


def test_an_unknown_area_code_is_a_warning_not_a_rejection():
    doc = parse_document("449999199003071237")  # body sum 456, r 5 → "7"
    assert doc.warnings == ["地区代码 449999 不在行政区划表中，请核对（不影响导入）"]
    assert doc.birth_date == datetime.date(1990, 3, 7)


def test_a_number_excel_has_rounded_is_rejected_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        parse_document(float("440106199001011235"))
    assert "被 Excel 存成了数字（4.40106E+17）" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("number", "prefix"),
    [("81000019950101002" + "3", "810000"), ("82000019880808004X", "820000")],
)
def test_residence_permits_are_recognised_in_the_resident_id_column(number, prefix):
    doc = parse_document(number)
    assert doc.type == DocumentType.HMT_RESIDENCE
    assert doc.number.startswith(prefix)
    assert identity.document_key(doc.type, doc.number) == f"cn:{number}"


def test_a_residence_permit_with_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as exc:
        parse_document("830000200202020030", DocumentType.HMT_RESIDENCE)
    assert exc.value.messages == ["校验位不正确（最后一位应为 6），请核对是否输错"]


def test_a_residence_permit_needs_its_six_digit_prefix():
    # 810001…: right check digit (sum 167, r 2 → X), but no permit starts 810001
    with pytest.raises(ValidationError) as exc:
        parse_document("81000119950101002X", DocumentType.HMT_RESIDENCE)
    assert exc.value.messages == ["港澳台居民居住证号应以 810000、820000 或 830000 开头"]


def test_a_resident_id_cannot_start_with_a_permit_region():
    # Hong Kong, Macao and Taiwan residents hold residence permits (810000…), never a resident ID
    # with another 81/82/83 area.
    with pytest.raises(ValidationError) as exc:
        parse_document("81000119950101002X")
    assert exc.value.messages == ["港澳台居民居住证号应以 810000、820000 或 830000 开头"]


@pytest.mark.parametrize(
    ("doc_type", "raw", "number"),
    [
        (DocumentType.HK_MACAO_PERMIT, "h12345678", "H12345678"),
        (DocumentType.HK_MACAO_PERMIT, "M1234567801", "M1234567801"),
        (DocumentType.TAIWAN_PERMIT, "12345678", "12345678"),
        (DocumentType.PASSPORT, "e1234567 8", "E12345678"),
    ],
)
def test_other_documents_are_accepted(doc_type, raw, number):
    assert parse_document(raw, doc_type).number == number


@pytest.mark.parametrize(
    ("doc_type", "raw", "message"),
    [
        (
            DocumentType.HK_MACAO_PERMIT,
            "X12345678",
            "港澳居民来往内地通行证号应为 H 或 M 加 8 位或 10 位数字",
        ),
        (DocumentType.TAIWAN_PERMIT, "1234567", "台湾居民来往大陆通行证号应为 8 位数字"),
        (DocumentType.PASSPORT, "E12", "护照号应为 5 到 17 位字母或数字"),
    ],
)
def test_other_documents_are_refused_with_their_own_message(doc_type, raw, message):
    with pytest.raises(ValidationError) as exc:
        parse_document(raw, doc_type)
    assert exc.value.messages == [message]


def test_every_area_code_the_test_helper_draws_is_in_python_stdnums_region_table():
    """A drawn number must not raise the area warning, or a test's expected warnings depend on
    which code it drew (440511 was not in the table)."""
    from stdnum.cn import ric

    from xbank.core.testing import AREA_CODES

    for area in AREA_CODES:
        body = f"{area}19950101001"
        assert ric.get_birth_place(body + ric.calc_check_digit(body)), area
