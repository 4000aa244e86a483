"""Cell cleaners: turn what an office spreadsheet holds into one clean Python value, or refuse.

A cleaner receives a value that is never blank (the pipeline handles blanks and "required") and
is one of what python-calamine or the CSV reader give: ``str`` (already stripped), ``int``,
``float``, ``bool``, ``datetime.date`` or ``datetime.datetime``. It returns the cleaned value or
raises ``ValidationError`` with a Chinese message, which the pipeline prefixes with the row and
column ("第 N 行，列「X」：…").

Cleaners are pure functions of the cell: the pipeline calls each one once per distinct value in
a column and reuses the answer, which is what makes a 100,000-row file cheap (a certificate
roster repeats its dates, names of certificates, levels and issuers thousands of times).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from xbank.core.identity import today

ERR_REQUIRED = "不能为空"
ERR_TOO_LONG = "不能超过 {max} 个字"
ERR_NUMBER_LOST = (
    "被 Excel 存成了数字（{shown}），超过 15 位的部分已经丢失，无法还原；"
    "请把该列设置为“文本”格式后重新输入"
)
ERR_DATE = "「{value}」不是有效日期，请填写如 2024-06-30 的日期"
ERR_DATE_FUTURE = "日期 {value} 晚于今天"
ERR_DATE_RANGE = "日期 {value} 早于 {min} 年"
ERR_INTEGER = "「{value}」应为整数"
ERR_INTEGER_RANGE = "应在 {min} 到 {max} 之间"
ERR_DECIMAL = "「{value}」应为数字"
ERR_DECIMAL_PLACES = "「{value}」最多保留 {places} 位小数"
ERR_YEAR = "「{value}」不是有效年份，请填写如 2024 的四位年份"
ERR_CHOICE = "「{value}」不是可选的值，可填：{choices}"
ERR_PHONE = "「{value}」不是有效的手机号码（应为 11 位，以 1 开头）"
ERR_BOOL_CELL = "「{value}」不是有效的值"

Cleaner = Callable[[object], object]

_SPACES = re.compile(r"\s+")
# Full-width letters, digits and the ideographic space to half-width; Chinese punctuation such as
# （）and ，stays, because it is part of names and titles as people write them.
_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
}


def nfkc(value: str) -> str:
    """Full-width forms to ASCII (ＡＢ１２ → AB12, ／ → /); cheap for ASCII text."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def squash(value: str) -> str:
    """The form used to compare labels and headers: NFKC, no whitespace, upper case."""
    return _SPACES.sub("", nfkc(value)).upper()


def _number_text(value: int | float) -> str:
    """A number typed into a text column (a student number, a class "2301")."""
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= 1e15:
                raise ValidationError(ERR_NUMBER_LOST.format(shown=f"{value:.5E}"))
            return str(int(value))
        return repr(value)
    return str(value)


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        raise ValidationError(ERR_BOOL_CELL.format(value=value))
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def text(max_length: int) -> Cleaner:
    """Free text (titles, employers, class names): full-width letters and digits to half-width,
    runs of whitespace to one space, Chinese punctuation kept."""

    def clean(value: object) -> str:
        result = _SPACES.sub(" ", _as_text(value).translate(_FULLWIDTH_ALNUM)).strip()
        if len(result) > max_length:
            raise ValidationError(ERR_TOO_LONG.format(max=max_length))
        return result

    return clean


_CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(value: object) -> str:
    """A person's name: Chinese names lose the spaces offices pad them with ("王  明" → "王明");
    other names keep single spaces."""
    result = _SPACES.sub(" ", _as_text(value).translate(_FULLWIDTH_ALNUM)).strip()
    if _CJK.search(result):
        result = result.replace(" ", "")
    if len(result) > 50:
        raise ValidationError(ERR_TOO_LONG.format(max=50))
    return result


def code(max_length: int) -> Cleaner:
    """An identifier (student number, course code, certificate number): NFKC, no whitespace.

    A number stored as a number is accepted while Excel has kept all of its digits."""

    def clean(value: object) -> str:
        result = _SPACES.sub("", nfkc(_as_text(value)))
        if len(result) > max_length:
            raise ValidationError(ERR_TOO_LONG.format(max=max_length))
        return result

    return clean


def raw(value: object) -> object:
    """Keep the cell as read: the ID-number cleaner needs to know it was a number (see
    ``xbank.core.identity.parse_document``). Scientific notation typed as text ("4.40106E+17", as
    Excel writes it into a CSV) is turned back into the number it stands for."""
    if isinstance(value, str):
        value = nfkc(value)
        if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", value.strip()):
            return float(value)
    return value


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _to_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            number = int(value)
            if 19000101 <= number <= 29991231:  # 20240630 typed as a number
                return _to_date(str(number))
            if 1 <= number <= 2958465:  # an Excel serial date that lost its date format
                return _EXCEL_EPOCH + datetime.timedelta(days=number)
        return None
    text_value = nfkc(str(value)).strip()
    if re.fullmatch(r"\d{8}", text_value):
        y, m, d = text_value[:4], text_value[4:6], text_value[6:]
    else:
        match = _DATE_TEXT.fullmatch(text_value)
        if match is None:
            return None
        y, m, d = match.groups()
    try:
        return datetime.date(int(y), int(m), int(d))
    except ValueError:
        return None


def date(*, past_only: bool = False, min_year: int = 1900) -> Cleaner:
    """A date as an Excel date cell, a serial number, or text in any common form:
    2024-06-30, 2024/6/30, 2024.06.30, 2024年6月30日, 20240630."""

    def clean(value: object) -> datetime.date:
        result = _to_date(value)
        if result is None:
            raise ValidationError(ERR_DATE.format(value=_as_text(value)))
        if result.year < min_year:
            raise ValidationError(ERR_DATE_RANGE.format(value=result.isoformat(), min=min_year))
        if past_only and result > today():
            raise ValidationError(ERR_DATE_FUTURE.format(value=result.isoformat()))
        return result

    return clean


def integer(*, min_value: int = 0, max_value: int = 10**9) -> Cleaner:
    def clean(value: object) -> int:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not float(value).is_integer():
                raise ValidationError(ERR_INTEGER.format(value=value))
            result = int(value)
        else:
            digits = _SPACES.sub("", nfkc(_as_text(value)))
            if digits.endswith(".0"):
                digits = digits[:-2]
            if not re.fullmatch(r"[-+]?\d+", digits):
                raise ValidationError(ERR_INTEGER.format(value=_as_text(value)))
            result = int(digits)
        if not min_value <= result <= max_value:
            raise ValidationError(ERR_INTEGER_RANGE.format(min=min_value, max=max_value))
        return result

    return clean


def decimal(
    *, places: int = 1, min_value: Decimal = Decimal(0), max_value: Decimal = Decimal(999)
) -> Cleaner:
    """A number such as credits or a score; float noise from Excel (85.50000000001) is removed
    before the number of decimal places is checked."""
    step = Decimal(1).scaleb(-places)

    def clean(value: object) -> Decimal:
        try:
            if isinstance(value, float):
                result = Decimal(repr(round(value, 9)))
            elif isinstance(value, int) and not isinstance(value, bool):
                result = Decimal(value)
            else:
                result = Decimal(_SPACES.sub("", nfkc(_as_text(value))))
        except InvalidOperation:
            raise ValidationError(ERR_DECIMAL.format(value=_as_text(value))) from None
        if not result.is_finite():
            raise ValidationError(ERR_DECIMAL.format(value=_as_text(value)))
        if result != result.quantize(step):
            raise ValidationError(ERR_DECIMAL_PLACES.format(value=_as_text(value), places=places))
        if not min_value <= result <= max_value:
            raise ValidationError(ERR_INTEGER_RANGE.format(min=min_value, max=max_value))
        return result.quantize(step)

    return clean


def year(value: object) -> int:
    """A cohort year (年级): 2023, "2023", "2023级", "2023 级"."""
    digits = _SPACES.sub("", nfkc(_as_text(value))).removesuffix("级").removesuffix("年")
    if digits.endswith(".0"):
        digits = digits[:-2]
    this_year = timezone.localdate().year
    if not re.fullmatch(r"\d{4}", digits) or not 1980 <= int(digits) <= this_year + 1:
        raise ValidationError(ERR_YEAR.format(value=_as_text(value)))
    return int(digits)


def choice(options: dict[str, object], *, shown: Iterable[str] = ()) -> Cleaner:
    """One value out of a list: ``options`` maps each accepted label (and its synonyms) to the
    stored value; ``shown`` are the labels listed in the error message and the template."""
    table = {squash(label): stored for label, stored in options.items()}
    listed = "、".join(shown or options)

    def clean(value: object) -> object:
        key = squash(_as_text(value))
        if key not in table:
            raise ValidationError(ERR_CHOICE.format(value=_as_text(value), choices=listed))
        return table[key]

    return clean


_MOBILE = re.compile(r"1[3-9]\d{9}")


def phone(value: object) -> str:
    """A mainland mobile number; "+86", spaces and dashes are dropped."""
    digits = re.sub(r"[\s\-()]", "", nfkc(_as_text(value)))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise ValidationError(ERR_PHONE.format(value=_as_text(value)))
    return digits


_LIST_SEPARATORS = re.compile(r"[、，,;；/\n]+")


def name_list(value: object) -> tuple[str, ...]:
    """Several names in one cell ("老年照护、幼儿照护"), in order, without repeats."""
    parts = (part.strip() for part in _LIST_SEPARATORS.split(_as_text(value)))
    return tuple(dict.fromkeys(part for part in parts if part))
