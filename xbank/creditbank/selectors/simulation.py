"""Simulation (模拟) of a rule against a cohort before it is published: who would gain what, who
hits the cap, who meets a conflict. Writes nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from xbank.accounts.access import Viewer
from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner, LearningOutcome
from xbank.learners.scoping import learner_scope_q

from .. import engine
from ..models import ConversionRule, LineResult, RequestLine
from ..rules import ZERO


@dataclass
class SimulationRow:
    learner: Learner
    curriculum: Curriculum
    outcome: LearningOutcome
    rule: ConversionRule | None  # the version that would apply (grandfathering may pick another)
    result: str  # the best LineResult among the lines
    exemptions: list[str]
    credits: Decimal
    capped: bool
    conflict: bool
    explanations: list[str]

    @property
    def gains(self) -> bool:
        return self.credits > 0 or bool(self.exemptions)

    @property
    def result_label(self) -> str:
        return str(LineResult(self.result).label)


@dataclass
class Simulation:
    rule: ConversionRule
    on: datetime.date
    rows: list[SimulationRow] = field(default_factory=list)
    learners_considered: int = 0

    @property
    def gaining(self) -> int:
        return len({r.learner.pk for r in self.rows if r.gains})

    @property
    def capped(self) -> int:
        return len({r.learner.pk for r in self.rows if r.capped})

    @property
    def conflicted(self) -> int:
        return len({r.learner.pk for r in self.rows if r.conflict})

    @property
    def total_credits(self) -> Decimal:
        return sum((r.credits for r in self.rows), ZERO)


_RESULT_ORDER = [
    LineResult.GRANTED,
    LineResult.PARTIAL,
    LineResult.CAPPED,
    LineResult.CONFLICT,
    LineResult.USED,
    LineResult.EXEMPTED,
    LineResult.PASSED,
]


def rule_simulate(
    *,
    user: Viewer,
    rule: ConversionRule,
    curriculum: Curriculum | None = None,
    on: datetime.date | None = None,
) -> Simulation:
    """Run ``rule`` (a draft is taken as published on its effective date) against a cohort, or
    every student in the user's scope: who would gain which exemptions and credits, who hits
    the cap, who meets a conflict — on top of what they already hold. Writes nothing.

    Only the rule's own family and the rules of its exclusive group take part, so each row says
    what this rule adds; the learner's existing ledger (exemptions, converted credits, spent
    outcomes) is taken into account.
    """
    # A draft is simulated as of the day it would take effect, if that is still to come.
    on = on or max(timezone.localdate(), rule.effective_from)
    codes = {rule.code}
    if rule.exclusive_group:
        group = ConversionRule.objects.filter(exclusive_group=rule.exclusive_group)
        if rule.institution_id is None:
            group = group.filter(institution__isnull=True)
        else:
            group = group.filter(institution_id=rule.institution_id)
        codes |= set(group.values_list("code", flat=True))
    book = engine.load_rulebook(simulate=rule, only_codes=codes)
    learners = Learner.objects.filter(
        learner_scope_q(user), kind=Learner.Kind.STUDENT, status=Learner.Status.ACTIVE
    )
    if curriculum is not None:
        learners = learners.filter(major_id=curriculum.major_id, cohort_year=curriculum.cohort_year)
    if rule.institution_id is not None:
        learners = learners.filter(institution_id=rule.institution_id)
    outcome_q = Q(kind=rule.outcome_kind)
    if rule.certificate_type_id:
        outcome_q &= Q(certificate_type_id=rule.certificate_type_id)
    holders = LearningOutcome.objects.filter(outcome_q).values("account_id")
    cohort = list(
        learners.filter(account_id__in=holders)
        .select_related("account", "major")
        .order_by("account__name_pinyin", "id")
    )
    result = Simulation(rule=rule, on=on, learners_considered=len(cohort))
    curricula = engine.curricula_for(cohort)
    pairs = [(lr.account_id, curricula[lr.pk]) for lr in cohort if lr.pk in curricula]
    states = engine.load_states(pairs)
    outcomes = engine.load_outcomes([a for a, _ in pairs], book=book)
    for learner in cohort:
        if learner.pk not in curricula:
            continue
        state = states[(learner.account_id, curricula[learner.pk].pk)]
        proposal = engine.evaluate(
            state=state, outcomes=outcomes.get(learner.account_id, []), book=book, on=on
        )
        by_outcome: dict[int, list[engine.ProposalLine]] = defaultdict(list)
        for line in proposal.lines:
            if line.rule is not None and line.rule.code == rule.code:
                by_outcome[line.outcome.pk].append(line)
        for lines in by_outcome.values():
            counted = [ln for ln in lines if ln.counted]
            results = {ln.result for ln in lines}
            best = next((r for r in _RESULT_ORDER if r in results), lines[0].result)
            result.rows.append(
                SimulationRow(
                    learner=learner,
                    curriculum=state.curriculum,
                    outcome=lines[0].outcome,
                    rule=lines[0].rule,
                    result=best,
                    exemptions=[
                        ln.target.name for ln in counted if ln.kind == RequestLine.Kind.EXEMPTION
                    ],
                    credits=sum((ln.credits for ln in counted), ZERO),
                    capped=bool(results & {LineResult.CAPPED, LineResult.PARTIAL}),
                    conflict=LineResult.CONFLICT in results,
                    explanations=[ln.explanation for ln in lines],
                )
            )
    return result
