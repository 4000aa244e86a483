"""Loading the engine's rows in bulk: rule books, learner states, outcomes and curricula, each
in a fixed number of queries per chunk of ids, so a cohort of 10,000 costs what one learner does
times a constant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from xbank.catalog.models import Curriculum, CurriculumCourse
from xbank.learners.models import Learner, LearningOutcome

from ..models import ConversionPolicy, ConversionRule, CreditEntry, Exemption, RuleExemption
from ..rules import ZERO
from .evaluation import LearnerState, RuleBook

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
