"""The conversion engine (转换引擎): which of a learner's outcomes convert into which exemptions and
credits of their curriculum, under which rule version, within which limits — and why, in words.

Pure Python over rows loaded in bulk, so that one request, a simulation over a cohort, the
public calculator and the benchmark (10,000 learners against 200 rules) run the same code:
``RuleBook`` holds the rule versions, ``LearnerState`` what a learner already has, and
``evaluate`` turns outcomes into ``ProposalLine``s. Nothing here writes; services post what the
engine proposes, under the account's lock, after evaluating again on fresh state.

Policy, as the engine applies it (each in the explanation of the line it affects):

- Grandfathering: for each rule (a family of versions sharing a code), the candidate versions
  are those in force at some day between the curriculum's enrolment (1 September of the cohort
  year) and the decision date: the version in force at enrolment and every later one. The most
  favourable for this learner (most credits) applies; on a tie, the earliest (the one the cohort
  enrolled under).
- Equivalence: outcomes of one certificate type are one class; only the highest level (then the
  latest, then the best score) of a class counts, and a class converts once under each rule.
- Exclusive groups: a class is spent on at most one rule of a group (the most favourable).
- Cap: converted credits (exemptions and conversion credits) stay within the institution's share
  of the curriculum's total credits. An exemption is all or nothing; conversion credits may be
  granted in part.
- An exemption is not granted for a course already exempted or already passed.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import translation

from xbank.catalog.models import (
    LEVEL_RANK,
    Course,
    CourseModule,
    Curriculum,
    CurriculumCourse,
    Level,
)
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind

from .models import (
    ConversionPolicy,
    ConversionRule,
    CreditCategory,
    CreditEntry,
    Exemption,
    LineResult,
    RequestLine,
    RuleExemption,
)

ZERO = Decimal("0")
TENTH = Decimal("0.1")
ENROLMENT_MONTH_DAY = (9, 1)


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

    # 4. Effects, in a stable order (rule code), within the cap.
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
                lines.append(
                    ProposalLine(
                        outcome,
                        rule,
                        RequestLine.Kind.NONE,
                        LineResult.CONFLICT,
                        f"{basis}，但该规则与「{other}」同属互斥组「{rule.exclusive_group}」，"
                        "同一成果只能用于其中一条，已按更有利的一条计入。",
                    )
                )
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


# --- Loading in bulk -------------------------------------------------------------------------------

CHUNK = 2000  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rule_queryset() -> QuerySet[ConversionRule]:
    """Rule versions with what matching and explaining need, in three queries."""
    return ConversionRule.objects.select_related("certificate_type").prefetch_related(
        Prefetch(
            "exemptions",
            queryset=RuleExemption.objects.select_related("course", "module").order_by(
                "course__code", "id"
            ),
        )
    )


def load_rulebook(
    *,
    institution_ids: Iterable[int] | None = None,
    simulate: ConversionRule | None = None,
    only_codes: Iterable[str] | None = None,
) -> RuleBook:
    """Published and retired versions of the institutions' rules and of the regional ones.

    ``simulate`` adds a draft as if it were published; ``only_codes`` limits the book to some
    rule families (a simulation looks at one rule and the rules it competes with).
    """
    qs = rule_queryset().exclude(status=ConversionRule.Status.DRAFT)
    if institution_ids is not None:
        qs = qs.filter(Q(institution__isnull=True) | Q(institution_id__in=list(institution_ids)))
    if only_codes is not None:
        qs = qs.filter(code__in=list(only_codes))
    if simulate is not None:
        qs = qs.exclude(pk=simulate.pk)
    book = RuleBook(qs.order_by("code", "version"))
    if simulate is not None:
        simulate = rule_queryset().get(pk=simulate.pk)  # with its exemptions, fetched once
        if simulate.is_draft:
            book.add_hypothetical(simulate)
        else:
            book.add(simulate)
    return book


def curriculum_courses(curricula: Iterable[Curriculum]) -> dict[int, dict[int, CurriculumCourse]]:
    """Each curriculum's rows by course id, with the course, in one query."""
    ids = {c.pk for c in curricula}
    table: dict[int, dict[int, CurriculumCourse]] = {pk: {} for pk in ids}
    rows = CurriculumCourse.objects.filter(curriculum_id__in=ids).select_related("course")
    for row in rows:
        table[row.curriculum_id][row.course_id] = row
    return table


def policy_shares(institution_ids: Iterable[int]) -> dict[int, Decimal]:
    ids = set(institution_ids)
    shares = dict.fromkeys(ids, ConversionPolicy.DEFAULT_MAX_SHARE)
    for inst_id, share in ConversionPolicy.objects.filter(institution_id__in=ids).values_list(
        "institution_id", "max_converted_share"
    ):
        shares[inst_id] = share
    return shares


def converted_q() -> Q:
    """Entries that count as converted credits: exemptions, conversions and their reversals."""
    return Q(kind__in=CreditEntry.CONVERTED_KINDS) | Q(
        kind=CreditEntry.Kind.REVERSAL, reverses__kind__in=CreditEntry.CONVERTED_KINDS
    )


def earned_q() -> Q:
    """Entries that count as course credits earned: course results and their reversals."""
    return Q(kind=CreditEntry.Kind.COURSE) | Q(
        kind=CreditEntry.Kind.REVERSAL, reverses__kind=CreditEntry.Kind.COURSE
    )


def load_states(pairs: Iterable[tuple[int, Curriculum]]) -> dict[tuple[int, int], LearnerState]:
    """The state of each (account id, curriculum), in a fixed number of queries per chunk of
    accounts: exemptions, converted sums, passed courses and conversions already used."""
    pairs = list(pairs)
    curricula = {c.pk: c for _, c in pairs}
    courses = curriculum_courses(curricula.values())
    shares = policy_shares(c.major.institution_id for c in curricula.values())
    states = {
        (account_id, c.pk): LearnerState(
            account_id=account_id,
            curriculum=c,
            courses=courses[c.pk],
            max_share=shares[c.major.institution_id],
        )
        for account_id, c in pairs
    }
    by_account: dict[int, list[LearnerState]] = defaultdict(list)
    for state in states.values():
        by_account[state.account_id].append(state)
    for chunk in chunks(sorted(by_account)):
        for account_id, curriculum_id, course_id, module_id in Exemption.objects.filter(
            account_id__in=chunk,
            curriculum_id__in=list(curricula),
            status=Exemption.Status.ACTIVE,
        ).values_list("account_id", "curriculum_id", "course_id", "module_id"):
            state = states.get((account_id, curriculum_id))
            if state is not None:
                state.exempted.add((course_id, module_id))
        converted = (
            CreditEntry.objects.filter(converted_q(), account_id__in=chunk)
            .filter(curriculum_id__in=list(curricula))
            .values("account_id", "curriculum_id")
            .annotate(total=Sum("credits"))
            .order_by()
        )
        for row in converted:
            state = states.get((row["account_id"], row["curriculum_id"]))
            if state is not None:
                state.converted = row["total"] or ZERO
        passed: dict[int, set[int]] = defaultdict(set)
        earned = (
            CreditEntry.objects.filter(earned_q(), account_id__in=chunk)
            .values("account_id", "course_id")
            .annotate(total=Sum("credits"))
            .order_by()
        )
        for row in earned:
            if row["total"] and row["total"] > 0:
                passed[row["account_id"]].add(row["course_id"])
        used = (
            CreditEntry.objects.filter(
                account_id__in=chunk,
                curriculum_id__in=list(curricula),
                kind__in=CreditEntry.CONVERTED_KINDS,
                reversed_by__isnull=True,
            )
            .values_list(
                "account_id",
                "curriculum_id",
                "outcome_id",
                "outcome__certificate_type_id",
                "rule__code",
                "rule__exclusive_group",
                "rule__institution_id",
            )
            .distinct()
            .order_by()
        )
        for account_id, curriculum_id, outcome_id, type_id, code, group, inst_id in used:
            state = states.get((account_id, curriculum_id))
            if state is None:
                continue
            eq = ("type", type_id) if type_id is not None else ("outcome", outcome_id)
            state.used.add((eq, code))
            if group:
                state.groups[(eq, (inst_id, group))] = code
        for account_id, courses_passed in passed.items():
            for state in by_account[account_id]:
                state.passed = courses_passed
    return states


def load_outcomes(
    account_ids: Iterable[int], *, book: RuleBook | None = None
) -> dict[int, list[LearningOutcome]]:
    """Each account's outcomes that some rule of ``book`` could match (all, without a book)."""
    table: dict[int, list[LearningOutcome]] = defaultdict(list)
    ids = sorted(set(account_ids))
    keys = None
    if book is not None:
        keys = {(r.outcome_kind, r.certificate_type_id) for r in book.rules}
    for chunk in chunks(ids):
        qs = LearningOutcome.objects.filter(account_id__in=chunk).select_related("certificate_type")
        if keys is not None:
            q = Q(pk__in=[])
            for kind, type_id in keys:
                q |= Q(kind=kind) if type_id is None else Q(kind=kind, certificate_type_id=type_id)
            qs = qs.filter(q)
        for outcome in qs.order_by("account_id", "id"):
            table[outcome.account_id].append(outcome)
    return table


def curricula_for(learners: Iterable[Learner]) -> dict[int, Curriculum]:
    """The curriculum of each student record (by major and cohort year), in one query."""
    learners = list(learners)
    keys = {(lr.major_id, lr.cohort_year) for lr in learners if lr.major_id and lr.cohort_year}
    if not keys:
        return {}
    q = Q(pk__in=[])
    for major_id in {m for m, _ in keys}:
        q |= Q(major_id=major_id, cohort_year__in=[y for m, y in keys if m == major_id])
    curricula = {
        (c.major_id, c.cohort_year): c
        for c in Curriculum.objects.filter(q).select_related("major__institution", "major")
    }
    return {
        lr.pk: curricula[(lr.major_id, lr.cohort_year)]
        for lr in learners
        if (lr.major_id, lr.cohort_year) in curricula
    }
