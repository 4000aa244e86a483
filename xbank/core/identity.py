"""Identity documents: resident ID numbers (GB 11643) and the other documents learners present.

Office files carry ID numbers typed every way: lower-case x, full-width digits, spaces in groups of
four. ``parse_document`` normalises all of that, then checks the check digit, a real birth date
that is not in the future, and a valid province prefix. An area code that is not in the county
table is only a warning: the table is historical and incomplete (python-stdnum's own lookup rejects
many valid numbers), and refusing a real person's number is worse than a note on the row.
"""

from __future__ import annotations

import datetime
import re
import time
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")


ERR_EMPTY = "不能为空"
ERR_FORMAT = "应为 18 位，前 17 位为数字，最后一位为数字或 X"
ERR_FIFTEEN = "是 15 位的旧身份证号，请填写 18 位的新号码"
ERR_CHECK_DIGIT = "校验位不正确（最后一位应为 {expected}），请核对是否输错"
ERR_BIRTH_DATE = "出生日期 {text} 不是有效日期"
ERR_BIRTH_FUTURE = "出生日期 {text} 晚于今天"
ERR_BIRTH_TOO_OLD = "出生日期 {text} 早于 1900 年"
ERR_PROVINCE = "前两位 {code} 不是有效的省级行政区划代码"
ERR_HMT_PREFIX = "港澳台居民居住证号应以 810000、820000 或 830000 开头"
ERR_PERMIT = "港澳居民来往内地通行证号应为 H 或 M 加 8 位或 10 位数字"
ERR_TW_PERMIT = "台湾居民来往大陆通行证号应为 8 位数字"
ERR_PASSPORT = "护照号应为 5 到 17 位字母或数字"
ERR_EXCEL_NUMBER = (
    "被 Excel 存成了数字（{shown}），末尾几位已经丢失，无法还原；"
    "请把该列设置为“文本”格式后重新输入完整号码"
)
WARN_AREA = "地区代码 {code} 不在行政区划表中，请核对（不影响导入）"

# GB/T 2260 province-level codes (first two digits).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip


def today() -> datetime.date:
    """Today in the project's time zone, re-read at most once a second: an import checks
    100,000 dates against it, and ``timezone.localdate()`` costs a time-zone conversion each."""
    second = int(time.time())
    if _TODAY[0] != second:
        _TODAY[0], _TODAY[1] = second, timezone.localdate()
    return _TODAY[1]


_TODAY: list = [None, None]

_SEPARATORS = re.compile(r"[\s\-_]+")


def normalize_text(value: str) -> str:
    """Full-width letters and digits to half-width, separators removed, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


@dataclass(frozen=True)
class Document:
    type: str
    number: str
    birth_date: datetime.date | None = None
    gender: str = ""  # "M" / "F" / ""
    warnings: list[str] = field(default_factory=list)


# ISO 7064 MOD 11-2 as GB 11643-1999 writes it out: weight i is 2^(17-i) mod 11 for the 17 body
# digits, and the remainder of the weighted sum mod 11 picks the check character.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_digit(body: str) -> str:
    """The GB 11643 check character ("0"–"9" or "X") of a 17-digit body.

    Written out here rather than taken from python-stdnum: ``ric.calc_check_digit`` expects the
    whole 18-character number and drops its last character, so handing it the 17-digit body
    computes from 16 digits, which is the mistake that refused most real numbers before.
    """
    if not re.fullmatch(r"[0-9]{17}", body):
        raise ValueError(f"a GB 11643 body is 17 digits, not {body!r}")
    return _CHECK_CHARS[sum(w * int(d) for w, d in zip(_WEIGHTS, body, strict=True)) % 11]


_AREA_KNOWN: dict[tuple[str, str], bool] = {}


def _area_known(number: str) -> bool:
    """Whether the county table knows the number's area code in its birth year.

    Memoised on (area, year): a roster repeats a few areas, and the table lookup is most of the
    time of parsing a number."""
    key = (number[:6], number[6:10])
    known = _AREA_KNOWN.get(key)
    if known is None:
        try:
            ric.get_birth_place(number)
            known = True
        except Exception:  # the library raises InvalidComponent, and KeyError for some codes
            known = False
        if len(_AREA_KNOWN) < 100_000:
            _AREA_KNOWN[key] = known
    return known


def _check_ric(number: str, *, hmt: bool = False) -> Document:
    if re.fullmatch(r"\d{15}", number) and not hmt:
        raise ValidationError(ERR_FIFTEEN, code="fifteen")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(ERR_FORMAT, code="format")
    text = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(ERR_BIRTH_DATE.format(text=text), code="birth_date") from None
    if birth > today():
        raise ValidationError(ERR_BIRTH_FUTURE.format(text=text), code="birth_future")
    if birth.year < 1900:
        raise ValidationError(ERR_BIRTH_TOO_OLD.format(text=text), code="birth_old")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(ERR_CHECK_DIGIT.format(expected=expected), code="check_digit")
    warnings: list[str] = []
    if hmt:
        if number[:6] not in {"810000", "820000", "830000"}:
            raise ValidationError(ERR_HMT_PREFIX, code="hmt_prefix")
    else:
        if number[:2] in {"81", "82", "83"}:
            # Hong Kong, Macao and Taiwan residents hold residence permits (810000…), and no
            # resident ID is issued with another area code of those regions.
            raise ValidationError(ERR_HMT_PREFIX, code="hmt_prefix")
        if number[:2] not in PROVINCES:
            raise ValidationError(ERR_PROVINCE.format(code=number[:2]), code="province")
        if not _area_known(number):
            warnings.append(WARN_AREA.format(code=number[:6]))
    gender = "M" if int(number[16]) % 2 else "F"
    doc_type = DocumentType.HMT_RESIDENCE if hmt else DocumentType.RESIDENT_ID
    return Document(doc_type, number, birth, gender, warnings)


def parse_document(raw: object, doc_type: str = DocumentType.RESIDENT_ID) -> Document:
    """Normalise and validate one document number; raise ``ValidationError`` in Chinese.

    ``raw`` may be what a spreadsheet cell held: a float or int means Excel stored an 18-digit
    number as a number and has rounded away its last digits, which can never be repaired.
    """
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and raw.is_integer():
            shown = f"{raw:.5E}" if raw >= 1e15 else str(int(raw))
        else:
            shown = str(raw)
        if len(str(int(raw))) >= 15:
            raise ValidationError(ERR_EXCEL_NUMBER.format(shown=shown), code="excel_number")
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    number = normalize_text(str(raw or ""))
    if not number:
        raise ValidationError(ERR_EMPTY, code="empty")
    if doc_type == DocumentType.RESIDENT_ID:
        # An HK/Macao/Taiwan residence permit number is sometimes typed in the ID column.
        if number[:6] in {"810000", "820000", "830000"}:
            return _check_ric(number, hmt=True)
        return _check_ric(number)
    if doc_type == DocumentType.HMT_RESIDENCE:
        return _check_ric(number, hmt=True)
    if doc_type == DocumentType.HK_MACAO_PERMIT:
        if not re.fullmatch(r"[HM]\d{8}(\d{2})?", number):
            raise ValidationError(ERR_PERMIT, code="permit")
    elif doc_type == DocumentType.TAIWAN_PERMIT:
        if not re.fullmatch(r"\d{8}", number):
            raise ValidationError(ERR_TW_PERMIT, code="tw_permit")
    elif doc_type == DocumentType.PASSPORT:
        if not re.fullmatch(r"[A-Z0-9]{5,17}", number):
            raise ValidationError(ERR_PASSPORT, code="passport")
    else:
        raise ValueError(f"Unknown document type {doc_type!r}")
    return Document(doc_type, number)


def document_key(doc_type: str, number: str) -> str:
    """What the keyed hash is computed over: one person, one key, whatever the document.

    A residence permit (港澳台居民居住证) number is a person's national number like a resident ID,
    so both share the ``cn`` namespace; other documents are namespaced by their type.
    """
    if doc_type in (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE):
        return f"cn:{number}"
    return f"{doc_type}:{number}"
