"""The consent (同意书) a member of the public gives to the processing of their ID number.

Each version's Chinese text is kept here for ever: a consent record stores the version and the
SHA-256 of the text the person agreed to, so the exact words can be shown again later. A new
wording is a new version; the form always offers the current one, and a form filled in against
an older version is refused (the person must read the new text). The Chinese text governs; the
English page shows a translation beside it for reference.
"""

from __future__ import annotations

import hashlib

CURRENT_VERSION = "2024.1"

TEXTS = {
    "2024.1": (
        "本人同意{institution}为办理培训报名、考勤、结业及职业技能等级考核，"
        "收集和使用本人的证件号码，并将培训结业记录存入本人的个人学习账户。"
        "证件号码加密存储，仅经授权的工作人员可查看完整号码，每次查看均留有记录。"
        "本人可随时联系继续教育学院查询、更正或撤回同意；撤回不影响撤回前已进行的处理。"
    ),
}


# Reference translations for the English page; the Chinese text is what is agreed to and hashed.
TEXTS_EN = {
    "2024.1": (
        "I agree that {institution} collects and uses my identity document number to handle my "
        "registration, attendance, completion and skill assessment, and stores my training "
        "completion in my personal learning account. The number is stored encrypted; only "
        "authorised staff can see it in full, and each view is logged. I may contact the "
        "College of Continuing Education at any time to see, correct or withdraw this consent; "
        "withdrawal does not affect processing before it."
    ),
}


def consent_text_en(version: str = CURRENT_VERSION, *, institution: str = "the institution") -> str:
    return TEXTS_EN[version].format(institution=institution)


def consent_text(version: str = CURRENT_VERSION, *, institution: str = "本院校") -> str:
    return TEXTS[version].format(institution=institution)


def consent_hash(version: str, *, institution: str) -> str:
    return hashlib.sha256(consent_text(version, institution=institution).encode()).hexdigest()
