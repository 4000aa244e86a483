"""The engine's evaluation: pure Python over rows already loaded. ``RuleBook`` holds the rule
versions, ``LearnerState`` what a learner already has, and ``evaluate`` turns outcomes into
``ProposalLine``s, each with its explanation. The policy it applies is told in the package's
docstring.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from xbank.catalog.models import LEVEL_RANK, Course, CourseModule, Curriculum, CurriculumCourse
from xbank.learners.models import LearningOutcome

from ..models import ConversionRule, LineResult, RequestLine
from ..rules import (
    TENTH,
    ZERO,
    condition_failure,
    condition_text,
    enrolled_on,
    equivalence_key,
    fmt,
    group_key,
    labels,
    outcome_label,
)

# --- Rules -------------------------------------------------------------------------------------


class RuleBook:
    """Rule versions (published and retired; drafts only when simulated), indexed for matching.

    ``periods`` holds each version's in-force period [start, end): normally the version's own
    dates, but a simulated draft is treated as published on its effective date, which ends the
    current version of its family on that day.
    """

    def __init__(self, rules: Iterable[ConversionRule] = ()) -> None:
        self.rules: list[ConversionRule] = []
        self.periods: dict[int, tuple[datetime.date, datetime.date | None]] = {}
        self._index: dict[tuple[str, int | None], list[ConversionRule]] = defaultdict(list)
        self._conditions: dict[int, str] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: ConversionRule) -> None:
        self.rules.append(rule)
        self.periods[id(rule)] = (rule.effective_from, rule.ends_on)
        self._index[(rule.outcome_kind, rule.certificate_type_id)].append(rule)

    def add_hypothetical(self, draft: ConversionRule) -> None:
        """Simulate ``draft`` as if published: from its effective date it supersedes its family."""
        for rule in self.rules:
            if rule.code == draft.code and rule.pk != draft.pk:
                start, end = self.periods[id(rule)]
                if start < draft.effective_from and (end is None or end > draft.effective_from):
                    self.periods[id(rule)] = (start, draft.effective_from)
        self.rules.append(draft)
        end = draft.effective_to + datetime.timedelta(days=1) if draft.effective_to else None
        self.periods[id(draft)] = (draft.effective_from, end)
        self._index[(draft.outcome_kind, draft.certificate_type_id)].append(draft)

    def in_force_between(self, rule: ConversionRule, start: datetime.date, end: datetime.date):
        begins, ends = self.periods[id(rule)]
        return begins <= end and (ends is None or ends > start)

    def condition_text(self, rule: ConversionRule) -> str:
        """``condition_text`` of a version, built once per book (it is the same for everyone)."""
        text = self._conditions.get(id(rule))
        if text is None:
            text = self._conditions[id(rule)] = condition_text(rule)
        return text

    def candidates(self, outcome: LearningOutcome) -> list[ConversionRule]:
        return self._index.get((outcome.kind, outcome.certificate_type_id), []) + (
            self._index.get((outcome.kind, None), []) if outcome.certificate_type_id else []
        )


# --- Learner state -------------------------------------------------------------------------------


@dataclass
class LearnerState:
    """What the engine needs to know about one learner in one curriculum, loaded in bulk.

    ``courses`` are the curriculum's rows by course id (shared by the whole cohort). ``used``
    holds (equivalence class, rule code) pairs already converted; ``groups`` maps (class,
    exclusive group) to the rule code the class was spent on.
    """

    account_id: int
    curriculum: Curriculum
    courses: dict[int, CurriculumCourse]
    max_share: Decimal
    converted: Decimal = ZERO
    exempted: set[tuple[int, int | None]] = field(default_factory=set)
    passed: set[int] = field(default_factory=set)
    used: set[tuple[tuple[str, int], str]] = field(default_factory=set)
    groups: dict[tuple[tuple[str, int], tuple], str] = field(default_factory=dict)

    @property
    def total_credits(self) -> Decimal:
        return Decimal(self.curriculum.total_credits)

    @property
    def cap(self) -> Decimal:
        return (self.total_credits * self.max_share).quantize(TENTH)

    @property
    def institution_id(self) -> int:
        return self.curriculum.major.institution_id

    def cap_text(self) -> str:
        return (
            f"转换学分上限 {fmt(self.cap)}（毕业总学分 {fmt(self.total_credits)} 的 "
            f"{self.max_share * 100:.0f}%）"
        )


# --- Proposals ----------------------------------------------------------------------------------


@dataclass
class ProposalLine:
    outcome: LearningOutcome
    rule: ConversionRule | None
    kind: str
    result: str
    explanation: str
    course: Course | None = None
    module: CourseModule | None = None
    category: str = ""
    credits: Decimal = ZERO

    @property
    def granting_rule(self) -> ConversionRule:
        """The rule of a line that grants something (only the notes have none)."""
        if self.rule is None:
            raise ValueError("a line without a rule grants nothing")
        return self.rule

    @property
    def exempted_course(self) -> Course:
        """The course of an exemption line (of the course itself, or of one of its modules)."""
        if self.course is None:
            raise ValueError("a line without a course exempts nothing")
        return self.course

    @property
    def target(self) -> Course | CourseModule:
        """What an exemption line exempts: its module, or else its whole course."""
        target = self.module or self.course
        if target is None:
            raise ValueError("a line without a course exempts nothing")
        return target

    @property
    def counted(self) -> bool:
        return self.result in LineResult.counted()

    @property
    def posting_key(self) -> str:
        """Names the posting within one request: the same line is never posted twice."""
        if self.kind == RequestLine.Kind.EXEMPTION:
            target = f"m{self.module.pk}" if self.module else f"c{self.course.pk}"
            return f"exemption:{target}"
        return f"credits:{self.rule.code}:{equivalence_key(self.outcome)[1]}"


@dataclass
class Proposal:
    state: LearnerState
    lines: list[ProposalLine] = field(default_factory=list)
    # (outcome id, rule id) pairs whose condition was met by a version in force (for the bench)
    matched: set[tuple[int, int]] = field(default_factory=set)
    converted_before: Decimal = ZERO

    @property
    def granted(self) -> list[ProposalLine]:
        return [line for line in self.lines if line.counted]

    @property
    def converted_after(self) -> Decimal:
        return self.converted_before + sum((line.credits for line in self.granted), ZERO)

    @property
    def capped(self) -> bool:
        return any(line.result in (LineResult.CAPPED, LineResult.PARTIAL) for line in self.lines)

    @property
    def conflicted(self) -> bool:
        return any(line.result == LineResult.CONFLICT for line in self.lines)


def exemptions_of(rule: ConversionRule) -> list:
    """The rule's exempted courses (prefetched), as a list kept on the instance: read for every
    learner of a cohort, so not rebuilt through the related manager each time."""
    cached = getattr(rule, "_engine_exemptions", None)
    if cached is None:
        cached = rule._engine_exemptions = sorted(
            rule.exemptions.all(), key=lambda e: (e.course.code, e.module_id or 0)
        )
    return cached


def rule_value(rule: ConversionRule, state: LearnerState) -> Decimal:
    """What a version would add for this learner: the credits of the curriculum's courses it
    exempts that are not already exempted or passed, plus its conversion credits (before caps).
    Chooses the most favourable version of a rule, and the winner of an exclusive group."""
    value = Decimal(rule.credits)
    for ex in exemptions_of(rule):
        row = state.courses.get(ex.course_id)
        if (
            row is not None
            and ex.module_id is None
            and (ex.course_id, None) not in state.exempted
            and ex.course_id not in state.passed
        ):
            value += row.credits
    return value


def applies_to_curriculum(rule: ConversionRule, state: LearnerState) -> bool:
    if rule.institution_id is not None and rule.institution_id != state.institution_id:
        return False
    if rule.credits > 0:
        return True
    return any(ex.course_id in state.courses for ex in exemptions_of(rule))


def _version_note(chosen: ConversionRule, versions: list[ConversionRule], book, on) -> str:
    first = min(versions, key=lambda r: r.version)
    if len(versions) == 1:
        return ""
    if chosen is first and not book.in_force_between(chosen, on, on):
        return "，按入学时有效的版本，保留原有待遇"
    if chosen is not first:
        return f"，较入学时的第 {first.version} 版更有利"
    return "，入学时有效的版本更有利"


def evaluate(
    *,
    state: LearnerState,
    outcomes: Iterable[LearningOutcome],
    book: RuleBook,
    on: datetime.date,
) -> Proposal:
    """Propose conversions of ``outcomes`` for the learner in ``state`` on day ``on``.

    ``state`` is updated as lines are granted (so a caller evaluating several requests in turn
    sees each one's effect on the next); pass a fresh state to evaluate on its own.
    """
    proposal = Proposal(state=state, converted_before=state.converted)
    lines = proposal.lines
    start = min(enrolled_on(state.curriculum), on)
    remaining = state.cap - state.converted

    # 1. Only verified outcomes; per equivalence class, the highest level counts.
    best: dict[tuple[str, int], LearningOutcome] = {}
    for outcome in outcomes:
        if outcome.status != LearningOutcome.Status.VERIFIED:
            lines.append(
                ProposalLine(
                    outcome,
                    None,
                    RequestLine.Kind.NONE,
                    LineResult.INELIGIBLE,
                    f"成果{outcome_label(outcome)}状态为「{labels()['status'][outcome.status]}」，"
                    "不能用于认定。",
                )
            )
            continue
        key = equivalence_key(outcome)
        current = best.get(key)
        if current is None or _rank(outcome) > _rank(current):
            if current is not None:
                lines.append(_lower_level_line(current, outcome))
            best[key] = outcome
        else:
            lines.append(_lower_level_line(outcome, current))

    # 2. Matches: per outcome and rule family, the versions whose condition is met.
    matches: list[tuple[LearningOutcome, ConversionRule, list[ConversionRule]]] = []
    for outcome in sorted(best.values(), key=lambda o: o.pk or 0):
        families: dict[str, list[ConversionRule]] = defaultdict(list)
        for rule in book.candidates(outcome):
            if not applies_to_curriculum(rule, state):
                continue
            if not book.in_force_between(rule, start, on):
                continue
            if condition_failure(rule, outcome, on) is not None:
                continue
            families[rule.code].append(rule)
            if outcome.pk is not None and rule.pk is not None:
                proposal.matched.add((outcome.pk, rule.pk))
        if not families:
            lines.append(
                ProposalLine(
                    outcome,
                    None,
                    RequestLine.Kind.NONE,
                    LineResult.NO_MATCH,
                    f"成果{outcome_label(outcome)}没有适用于「{state.curriculum}」的已发布转换规则。",
                )
            )
            continue
        for code in sorted(families):
            versions = families[code]
            chosen = max(versions, key=lambda r: (rule_value(r, state), -r.version))
            matches.append((outcome, chosen, versions))

    # 3. Exclusive groups: within a request, the most favourable rule of a group wins.
    winners: dict[tuple, ConversionRule] = {}
    for outcome, rule, _ in matches:
        gk = group_key(rule)
        if gk is None:
            continue
        slot = (equivalence_key(outcome), gk)
        held = winners.get(slot)
        if held is None or (rule_value(rule, state), held.code) > (
            rule_value(held, state),
            rule.code,
        ):
            winners[slot] = rule

    # 4. Effects, in a stable order (rule code), within the cap. A rule that lost its group to
    # a winner of this evaluation is explained once the winner is known to count or not.
    lost_to: list[tuple[ProposalLine, str, tuple, ConversionRule]] = []
    for outcome, rule, versions in matches:
        eq = equivalence_key(outcome)
        gk = group_key(rule)
        basis = (
            f"依据规则「{rule.name}」（{rule.label}{_version_note(rule, versions, book, on)}），"
            f"成果{outcome_label(outcome)}符合条件（{book.condition_text(rule)}）"
        )
        if (eq, rule.code) in state.used:
            lines.append(
                ProposalLine(
                    outcome,
                    rule,
                    RequestLine.Kind.NONE,
                    LineResult.USED,
                    f"{basis}，但该证书（含同一证书的其他等级）已按此规则转换过，不再重复计入。",
                )
            )
            continue
        if gk is not None:
            spent_on = state.groups.get((eq, gk))
            winner = winners[(eq, gk)]
            if (spent_on is not None and spent_on != rule.code) or winner is not rule:
                other = spent_on or winner.label
                line = ProposalLine(
                    outcome,
                    rule,
                    RequestLine.Kind.NONE,
                    LineResult.CONFLICT,
                    f"{basis}，但该规则与「{other}」同属互斥组「{rule.exclusive_group}」，"
                    "同一成果只能用于其中一条，已按更有利的一条计入。",
                )
                lines.append(line)
                if spent_on is None:
                    lost_to.append((line, basis, (eq, gk), winner))
                continue
        granted_any = False
        for ex in exemptions_of(rule):
            row = state.courses.get(ex.course_id)
            if row is None:
                continue  # the rule names courses of other curricula too
            line, remaining = _exemption_line(basis, outcome, rule, ex, row, state, remaining)
            lines.append(line)
            granted_any |= line.counted
        if rule.credits > 0:
            line, remaining = _credits_line(basis, outcome, rule, state, remaining)
            lines.append(line)
            granted_any |= line.counted
        if granted_any:
            state.used.add((eq, rule.code))
            if gk is not None:
                state.groups[(eq, gk)] = rule.code
    for line, basis, slot, winner in lost_to:
        if state.groups.get(slot) != winner.code:  # the winner counts nothing either
            line.explanation = (
                f"{basis}，但该规则与「{winner.label}」同属互斥组「{winner.exclusive_group}」，"
                "同一成果只能用于其中一条；该组规则在此均不能计入学分或免修。"
            )
    state.converted = proposal.converted_after
    return proposal


def _rank(outcome: LearningOutcome) -> tuple:
    return (
        LEVEL_RANK.get(outcome.level, 0),
        outcome.issued_on,
        outcome.score or ZERO,
        outcome.pk or 0,
    )


def _lower_level_line(lower: LearningOutcome, higher: LearningOutcome) -> ProposalLine:
    return ProposalLine(
        lower,
        None,
        RequestLine.Kind.NONE,
        LineResult.LOWER_LEVEL,
        f"成果{outcome_label(lower)}与{outcome_label(higher)}属同一证书，"
        "同一证书只计入最高等级（同级取最近取得）的一份。",
    )


def _exemption_line(basis, outcome, rule, ex, row: CurriculumCourse, state, remaining):
    course = row.course
    target = f"课程「{course.name}」" + (f"的模块「{ex.module.name}」" if ex.module_id else "")
    common = {"course": course, "module": ex.module, "kind": RequestLine.Kind.EXEMPTION}
    if (course.pk, None) in state.exempted or (course.pk, ex.module_id) in state.exempted:
        return ProposalLine(
            outcome,
            rule,
            result=LineResult.EXEMPTED,
            explanation=f"{basis}；{target}已免修，不重复免修。",
            **common,
        ), remaining
    if course.pk in state.passed:
        return ProposalLine(
            outcome,
            rule,
            result=LineResult.PASSED,
            explanation=f"{basis}；{target}已修读合格，无需免修。",
            **common,
        ), remaining
    credits = ZERO if ex.module_id else Decimal(row.credits)
    if credits > remaining:
        return ProposalLine(
            outcome,
            rule,
            result=LineResult.CAPPED,
            explanation=(
                f"{basis}；免修{target}需计 {fmt(credits)} 学分，超出{state.cap_text()}"
                f"（已转换 {fmt(state.cap - remaining)}），不予免修。"
            ),
            **common,
        ), remaining
    remaining -= credits
    state.exempted.add((course.pk, ex.module_id))
    worth = (
        "模块免修不计学分" if ex.module_id else f"按本方案计 {fmt(credits)} 学分（计入转换学分）"
    )
    return ProposalLine(
        outcome,
        rule,
        result=LineResult.GRANTED,
        explanation=(
            f"{basis}；免修{target}，{worth}。转换学分累计 {fmt(state.cap - remaining)}，"
            f"{state.cap_text()}。"
        ),
        category=row.category,
        credits=credits,
        **common,
    ), remaining


def _credits_line(basis, outcome, rule, state, remaining):
    category = labels()["category"][rule.credit_category]
    wanted = Decimal(rule.credits)
    common = {"kind": RequestLine.Kind.CREDITS, "category": rule.credit_category}
    if remaining <= 0:
        return ProposalLine(
            outcome,
            rule,
            result=LineResult.CAPPED,
            explanation=f"{basis}；可计{category} {fmt(wanted)}，但已达{state.cap_text()}，不再计入。",
            **common,
        ), remaining
    if wanted > remaining:
        granted = remaining
        return ProposalLine(
            outcome,
            rule,
            result=LineResult.PARTIAL,
            explanation=(
                f"{basis}；可计{category} {fmt(wanted)}，受{state.cap_text()}限制，"
                f"仅计入 {fmt(granted)} 学分。"
            ),
            credits=granted,
            **common,
        ), ZERO
    remaining -= wanted
    return ProposalLine(
        outcome,
        rule,
        result=LineResult.GRANTED,
        explanation=(
            f"{basis}；计入{category} {fmt(wanted)} 学分。转换学分累计 "
            f"{fmt(state.cap - remaining)}，{state.cap_text()}。"
        ),
        credits=wanted,
        **common,
    ), remaining
