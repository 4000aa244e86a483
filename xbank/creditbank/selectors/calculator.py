"""The calculator (学分计算器): what a certificate at a level would bring, for the public page and
for learners (then with their own curriculum and record)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from xbank.catalog.models import LEVEL_RANK, CertificateType, Curriculum
from xbank.learners.models import Learner, LearningOutcome

from .. import engine
from ..models import ConversionRule, CreditCategory, RequestLine
from ..rules import ZERO, condition_text, fmt, outcome_kind_for
from .learners import curriculum_for


@dataclass
class CalculatorLine:
    rule: ConversionRule
    institution: str
    exemptions: list[tuple[str, Decimal]]  # (course or module name, credits)
    credits: Decimal
    category: str
    conditions: str
    explanations: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.credits + sum((c for _, c in self.exemptions), ZERO)


@dataclass
class Calculation:
    certificate_type: CertificateType
    level: str
    curriculum: Curriculum | None
    lines: list[CalculatorLine] = field(default_factory=list)
    cap: Decimal | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


def conversion_calculate(
    *,
    certificate_type: CertificateType,
    level: str = "",
    curriculum: Curriculum | None = None,
    learner: Learner | None = None,
    on: datetime.date | None = None,
) -> Calculation:
    """What a certificate at a level would bring (学分计算器), for the public page and learners.

    With a curriculum (or a learner, whose own curriculum and record are then used) the engine
    runs on a certificate issued today, with grandfathering, caps and what the learner already
    holds. Without one, it lists every rule in force for the certificate, in every institution,
    with each course's own credits. Score and issuer conditions are shown, not tested.
    """
    on = on or timezone.localdate()
    calc = Calculation(certificate_type=certificate_type, level=level, curriculum=curriculum)
    if learner is not None:
        curriculum = calc.curriculum = curriculum or curriculum_for(learner)
    if curriculum is None:
        rules = (
            engine.rule_queryset()
            .filter(
                status=ConversionRule.Status.PUBLISHED,
                certificate_type=certificate_type,
                effective_from__lte=on,
            )
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .select_related("institution")
            .order_by("institution__code", "code")
        )
        for rule in rules:
            if LEVEL_RANK.get(level, 0) < rule.min_level_rank:
                continue
            calc.lines.append(
                CalculatorLine(
                    rule=rule,
                    institution=rule.institution.name
                    if rule.institution
                    else "区域学分银行（互认）",
                    exemptions=[
                        (
                            ex.module.name if ex.module is not None else ex.course.name,
                            ZERO if ex.module_id else ex.course.credits,
                        )
                        for ex in rule.exemptions.all()
                    ],  # fmt: skip
                    credits=rule.credits,
                    category=str(CreditCategory(rule.credit_category).label)
                    if rule.credit_category
                    else "",
                    conditions=condition_text(rule),
                )
            )
        calc.notes.append("各院校的转换学分另受其转换政策上限限制（默认不超过毕业总学分的 50%）。")
        return calc
    if not Curriculum.major.is_cached(curriculum):
        curriculum = Curriculum.objects.select_related("major").get(pk=curriculum.pk)
    book = engine.load_rulebook(institution_ids=[curriculum.major.institution_id])
    account_id = learner.account_id if learner is not None else 0
    if learner is not None:
        state = engine.load_states([(account_id, curriculum)])[(account_id, curriculum.pk)]
    else:
        state = engine.LearnerState(
            account_id=0,
            curriculum=curriculum,
            courses=engine.curriculum_courses([curriculum])[curriculum.pk],
            max_share=engine.policy_shares([curriculum.major.institution_id])[
                curriculum.major.institution_id
            ],
        )
    calc.cap = state.cap
    synthetic = LearningOutcome(
        kind=outcome_kind_for(certificate_type),
        certificate_type=certificate_type,
        title=certificate_type.name,
        issuer=certificate_type.issuer,
        number="",
        level=level,
        score=Decimal("1000"),
        issued_on=on,
        status=LearningOutcome.Status.VERIFIED,
    )
    proposal = engine.evaluate(state=state, outcomes=[synthetic], book=book, on=on)
    by_rule: dict[int, CalculatorLine] = {}
    for line in proposal.lines:
        if line.rule is None:
            calc.notes.append(line.explanation)
            continue
        calc_line = by_rule.get(line.rule.pk)
        if calc_line is None:
            calc_line = by_rule[line.rule.pk] = CalculatorLine(
                rule=line.rule,
                institution=line.rule.institution.name
                if line.rule.institution is not None
                else "区域学分银行（互认）",
                exemptions=[],
                credits=ZERO,
                category="",
                conditions=condition_text(line.rule),
            )
            calc.lines.append(calc_line)
            if line.rule.min_score is not None:
                calc.notes.append(
                    f"「{line.rule.name}」要求分数不低于 {fmt(line.rule.min_score)}。"
                )
        calc_line.explanations.append(line.explanation)
        if not line.counted:
            continue
        if line.kind == RequestLine.Kind.EXEMPTION:
            calc_line.exemptions.append((line.target.name, line.credits))
        else:
            calc_line.credits += line.credits
            calc_line.category = str(CreditCategory(line.category).label)
    return calc
