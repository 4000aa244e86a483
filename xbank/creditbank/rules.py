"""Pure rules of the credit bank: no queries of their own (related rows come fetched by the
caller), so the engine, the services and the selectors apply one definition each — what a
condition requires and how it reads, which outcomes count as the same certificate, when a
course result earns credits, how credits are written.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.utils import translation

from xbank.catalog.models import LEVEL_RANK, CertificateType, Curriculum, Level
from xbank.learners.models import LearningOutcome, OutcomeKind

from .models import ConversionRule, CreditCategory

ZERO = Decimal("0")
TENTH = Decimal("0.1")
ENROLMENT_MONTH_DAY = (9, 1)

PASS_SCORE = Decimal("60")
FAIL_GRADES = {"不及格", "不合格", "F", "E"}


def enrolled_on(curriculum: Curriculum) -> datetime.date:
    """The day a cohort enrolled: 1 September of its cohort year (秋季入学)."""
    return datetime.date(curriculum.cohort_year, *ENROLMENT_MONTH_DAY)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    """Chinese labels of the choices the explanations name, computed once.

    Explanations are records kept with decisions, so they are Chinese whatever the language of
    the request; and ``get_FOO_display`` on lazy choices costs a translation lookup per call,
    which dominated the engine's time over a cohort.
    """
    with translation.override("zh-hans"):
        return {
            "level": {k: str(v) for k, v in Level.choices},
            "kind": {k: str(v) for k, v in OutcomeKind.choices},
            "category": {k: str(v) for k, v in CreditCategory.choices},
            "status": {k: str(v) for k, v in LearningOutcome.Status.choices},
        }


def fmt(value: Decimal) -> str:
    return f"{Decimal(value).quantize(TENTH)}"


def equivalence_key(outcome: LearningOutcome) -> tuple[str, int]:
    """Outcomes that count as the same: every certificate of one type; otherwise the outcome."""
    if outcome.certificate_type_id is not None:
        return ("type", outcome.certificate_type_id)
    return ("outcome", outcome.pk or id(outcome))


def group_key(rule: ConversionRule) -> tuple[int | None, str] | None:
    return (rule.institution_id, rule.exclusive_group) if rule.exclusive_group else None


def outcome_label(outcome: LearningOutcome) -> str:
    """「老年照护职业技能等级证书」（中级，编号 X，2024-06-21 取得）"""
    details = []
    if outcome.level:
        details.append(labels()["level"].get(outcome.level, outcome.level))
    if outcome.number:
        details.append(f"编号 {outcome.number}")
    details.append(f"{outcome.issued_on:%Y-%m-%d} 取得")
    return f"「{outcome.title}」（{'，'.join(details)}）"


# --- Conditions of a rule ------------------------------------------------------------------------


def condition_failure(
    rule: ConversionRule, outcome: LearningOutcome, on: datetime.date
) -> str | None:
    """Why ``outcome`` does not meet ``rule``'s condition, or None when it does."""
    if rule.outcome_kind != outcome.kind:
        return "成果类型不符"
    if rule.certificate_type_id is not None and rule.certificate_type_id != (
        outcome.certificate_type_id
    ):
        return "证书类型不符"
    if rule.min_level and LEVEL_RANK.get(outcome.level, 0) < LEVEL_RANK.get(rule.min_level, 0):
        return f"等级低于{labels()['level'][rule.min_level]}"
    if rule.min_score is not None and (outcome.score is None or outcome.score < rule.min_score):
        return f"分数低于 {fmt(rule.min_score)}"
    if rule.max_age_years is not None and outcome.issued_on < years_before(on, rule.max_age_years):
        return f"取得时间早于认定日前 {rule.max_age_years} 年"
    if outcome.issued_on > on:
        return "取得日期晚于认定日"
    if rule.issuer and rule.issuer != outcome.issuer:
        return f"发证机构不是「{rule.issuer}」"
    return None


def condition_text(rule: ConversionRule) -> str:
    parts = [labels()["kind"].get(rule.outcome_kind, rule.outcome_kind)]
    if rule.certificate_type_id:
        parts.append(f"证书「{rule.certificate_type.name}」")
    if rule.min_level:
        parts.append(f"{labels()['level'][rule.min_level]}及以上")
    if rule.min_score is not None:
        parts.append(f"分数不低于 {fmt(rule.min_score)}")
    if rule.max_age_years:
        parts.append(f"{rule.max_age_years} 年内取得")
    if rule.issuer:
        parts.append(f"发证机构为「{rule.issuer}」")
    return "、".join(parts)


def outcome_kind_for(certificate_type: CertificateType) -> str:
    return {
        CertificateType.Kind.SKILL_LEVEL: OutcomeKind.SKILL_CERTIFICATE,
        CertificateType.Kind.QUALIFICATION: OutcomeKind.QUALIFICATION,
        CertificateType.Kind.DIPLOMA: OutcomeKind.DIPLOMA,
    }[certificate_type.kind]


# --- Course results --------------------------------------------------------------------------------


def earns_credits(outcome: LearningOutcome) -> bool:
    """A verified, passed course result with credits (a failed or revoked one earns nothing)."""
    if (
        outcome.kind != OutcomeKind.COURSE_RESULT
        or outcome.course_id is None
        or outcome.status != LearningOutcome.Status.VERIFIED
    ):
        return False
    if outcome.grade and outcome.grade.strip() in FAIL_GRADES:
        return False
    if outcome.score is not None and outcome.score < PASS_SCORE:
        return False
    credits = outcome.credits if outcome.credits is not None else outcome.course.credits
    return bool(credits and credits > 0)
