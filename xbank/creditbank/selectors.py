"""Reads of the credit bank: rules, requests, the ledger, and the computed views built on them —
simulation (模拟), the calculator (学分计算器), the graduation audit (毕业审核) and the transcript
(成绩单).

Lists are scoped once, here: requests through the learner scope of ``learners.selectors`` (staff
see the requests of learners they may see; a learner sees their own), rules by institution
(regional rules are everyone's). Querysets come back with related rows fetched, and the computed
views load their rows in bulk, so a page costs the same number of queries for 10 rows or 1,000.

Who may act on what (``may_*``) is decided here too, from the user's role assignments, so that
services enforce and pages show buttons by the same rules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment
from xbank.accounts.scoping import scope_for
from xbank.catalog.models import LEVEL_RANK, CertificateType, Curriculum, CurriculumCourse
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind
from xbank.learners.selectors import held_certificates_q, learner_scope_q
from xbank.orgs.models import Institution

from . import engine
from .models import (
    ConversionPolicy,
    ConversionRule,
    CreditCategory,
    CreditEntry,
    Exemption,
    LineResult,
    RecognitionBatch,
    RecognitionRequest,
    RequestEvent,
    RequestLine,
    RuleExemption,
)
from .rules import TENTH, ZERO, condition_text, fmt, outcome_kind_for

# --- Who may do what -------------------------------------------------------------------------------


def _assignments(user) -> list[RoleAssignment]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_xbank_creditbank_roles", None)
    if cached is None:
        cached = list(user.role_assignments.all())
        user._xbank_creditbank_roles = cached
    return cached


def _covers(ra: RoleAssignment, *, institution_id, school_id=None, major_id=None) -> bool:
    """Whether one role assignment's scope includes the institution / school / major given."""
    if ra.role in (Role.SYSADMIN, Role.BANK_ADMIN):
        return True
    if ra.major_id:
        return ra.major_id == major_id
    if ra.school_id:
        return ra.school_id == school_id
    return ra.institution_id == institution_id


def _has(user, roles, **where) -> bool:
    return any(ra.role in roles and _covers(ra, **where) for ra in _assignments(user))


def is_learner_self(user, learner: Learner) -> bool:
    return user is not None and user.is_authenticated and learner.account.user_id == user.pk


def may_act_for_learner(user, learner: Learner) -> bool:
    """Submit or follow a request for ``learner``: the learner, or staff whose scope holds them."""
    return is_learner_self(user, learner) or _has(
        user,
        (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF),
        institution_id=learner.institution_id,
        school_id=learner.school_id,
        major_id=learner.major_id,
    )


def may_school_review(user, learner: Learner) -> bool:
    """First review (初审): school staff (二级学院) of the learner's school or major."""
    return any(
        ra.role == Role.SCHOOL_STAFF
        and (
            (ra.school_id and ra.school_id == learner.school_id)
            or (ra.major_id and ra.major_id == learner.major_id)
        )
        for ra in _assignments(user)
    )


def _is_academic_affairs_of(user, institution_id: int) -> bool:
    return any(
        ra.role == Role.ACADEMIC_AFFAIRS
        and ra.institution_id == institution_id
        and not ra.school_id
        and not ra.major_id
        for ra in _assignments(user)
    )


def may_final_approve(user, learner: Learner) -> bool:
    """Final approval (终审): academic affairs (教务处) of the learner's institution."""
    return _is_academic_affairs_of(user, learner.institution_id)


def may_manage_rules(user, institution: Institution | None) -> bool:
    """An institution's rules: its academic affairs or the bank; regional rules: the bank."""
    if institution is None:
        return _has(user, (Role.BANK_ADMIN,), institution_id=None)
    return _has(user, (Role.BANK_ADMIN,), institution_id=institution.pk) or (
        _is_academic_affairs_of(user, institution.pk)
    )


def may_start_batch(user, curriculum: Curriculum) -> bool:
    major = curriculum.major
    return _has(
        user,
        (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF),
        institution_id=major.institution_id,
        school_id=major.school_id,
        major_id=major.pk,
    )


# --- Policies and rules ------------------------------------------------------------------------------


def policy_for(institution: Institution) -> ConversionPolicy:
    """The institution's policy, or an unsaved one with the defaults."""
    return ConversionPolicy.objects.filter(institution=institution).first() or ConversionPolicy(
        institution=institution
    )


def rule_scope_q(user) -> Q:
    """Regional rules are everyone's; an institution's rules are seen by its members."""
    scope = scope_for(user)
    if scope.regional:
        return Q()
    return Q(institution__isnull=True) | Q(institution_id__in=scope.member_institution_ids)


def rule_list(*, user, filters: Mapping | None = None) -> QuerySet[ConversionRule]:
    """Rule versions the user may see, newest version first within each code.

    ``filters``: ``status``, ``institution`` (an id, or ``"regional"``), ``certificate_type``,
    ``q`` (code or name contains). Related rows for the list are fetched: 2 queries.
    """
    qs = (
        ConversionRule.objects.filter(rule_scope_q(user))
        .select_related("institution", "certificate_type", "created_by")
        .prefetch_related(
            Prefetch(
                "exemptions",
                queryset=RuleExemption.objects.select_related("course", "module").order_by(
                    "course__code", "id"
                ),
            )
        )
        .order_by("code", "-version")
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("institution") == "regional":
        qs = qs.filter(institution__isnull=True)
    elif filters.get("institution"):
        qs = qs.filter(institution_id=filters["institution"])
    if filters.get("certificate_type"):
        qs = qs.filter(certificate_type_id=filters["certificate_type"])
    if filters.get("q"):
        qs = qs.filter(Q(code__icontains=filters["q"]) | Q(name__icontains=filters["q"]))
    return qs


def access_rule(user, pk) -> ConversionRule:
    try:
        return rule_list(user=user).get(pk=pk)
    except (ConversionRule.DoesNotExist, ValueError, TypeError):
        raise Http404("No such conversion rule") from None


def rule_versions(*, rule: ConversionRule) -> QuerySet[ConversionRule]:
    """Every version of the rule's family, newest first (the version history page)."""
    return (
        ConversionRule.objects.filter(code=rule.code)
        .select_related("created_by")
        .prefetch_related("exemptions__course", "exemptions__module")
        .order_by("-version")
    )


# --- Requests ----------------------------------------------------------------------------------------


def request_scope_q(user) -> Q:
    """Requests of learners in the user's scope; a learner's own requests."""
    scope = scope_for(user)
    if scope.regional:
        return Q()
    q = Q(learner__in=Learner.objects.filter(learner_scope_q(user)).values("pk"))
    if scope.has(Role.LEARNER):
        q |= Q(account__user=user)
    return q


def request_list(*, user, filters: Mapping | None = None) -> QuerySet[RecognitionRequest]:
    """Requests the user may see, newest first; learner, curriculum, people and outcomes fetched.

    ``filters``: ``status``, ``curriculum``, ``batch``, ``origin``. 2 queries for the page
    (requests with their joined rows; their outcomes).
    """
    qs = (
        RecognitionRequest.objects.filter(request_scope_q(user))
        .select_related(
            "learner__account",
            "learner__major",
            "learner__school",
            "curriculum__major",
            "submitted_by",
            "school_reviewer",
            "final_approver",
        )
        .prefetch_related(
            Prefetch(
                "outcomes", queryset=LearningOutcome.objects.select_related("certificate_type")
            )
        )
        .order_by("-submitted_at", "-id")
    )
    filters = filters or {}
    for key in ("status", "curriculum", "batch", "origin"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs


def review_queue(*, user) -> QuerySet[RecognitionRequest]:
    """Requests waiting for this user: first review for school staff, final for 教务处."""
    q = Q(pk__in=[])
    for ra in _assignments(user):
        if ra.role == Role.SCHOOL_STAFF:
            where = (
                Q(learner__major_id=ra.major_id)
                if ra.major_id
                else Q(learner__school_id=ra.school_id)
            )
            q |= Q(status=RecognitionRequest.Status.SUBMITTED) & where
        elif ra.role == Role.ACADEMIC_AFFAIRS and not ra.school_id and not ra.major_id:
            q |= Q(
                status=RecognitionRequest.Status.SCHOOL_APPROVED,
                learner__institution_id=ra.institution_id,
            )
    return (
        request_list(user=user)
        .filter(q)
        .exclude(submitted_by=user)
        .exclude(account__user=user)
        .exclude(school_reviewer=user)  # who reviewed first does not approve (three people)
        .order_by("submitted_at", "id")
    )


def request_detail_qs() -> QuerySet[RecognitionRequest]:
    return RecognitionRequest.objects.select_related(
        "learner__account",
        "learner__institution",
        "learner__major",
        "learner__school",
        "curriculum__major",
        "submitted_by",
        "school_reviewer",
        "final_approver",
        "appealed_by",
        "batch",
    ).prefetch_related(
        Prefetch("outcomes", queryset=LearningOutcome.objects.select_related("certificate_type")),
        Prefetch("events", queryset=RequestEvent.objects.select_related("actor")),
        Prefetch(
            "lines",
            queryset=RequestLine.objects.select_related(
                "outcome", "rule", "course", "module", "entry"
            ),
        ),
    )


def access_request(user, code) -> RecognitionRequest:
    """One request by its code, with history and lines, or 404 if missing or not the user's."""
    try:
        return request_detail_qs().filter(request_scope_q(user)).get(code=code)
    except (RecognitionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such recognition request") from None


def batch_list(*, user) -> QuerySet[RecognitionBatch]:
    scope = scope_for(user)
    return (
        RecognitionBatch.objects.filter(
            scope.q(
                institution="curriculum__major__institution",
                school="curriculum__major__school",
                major="curriculum__major",
            )
        )
        .select_related("curriculum__major", "certificate_type", "started_by")
        .order_by("-created_at", "-id")
    )


def outcomes_for_request(*, learner: Learner) -> QuerySet[LearningOutcome]:
    """Outcomes a learner may put in a request: verified certificates and other non-course
    outcomes of their account (course results earn credits by themselves)."""
    return (
        LearningOutcome.objects.filter(
            account_id=learner.account_id, status=LearningOutcome.Status.VERIFIED
        )
        .exclude(kind=OutcomeKind.COURSE_RESULT)
        .select_related("certificate_type")
        .order_by("-issued_on", "-id")
    )


# --- Ledger ----------------------------------------------------------------------------------------


def entry_list(*, account: LearningAccount) -> QuerySet[CreditEntry]:
    """An account's ledger in chain order, with what each line refers to (1 query)."""
    return (
        CreditEntry.objects.filter(account=account)
        .select_related(
            "curriculum__major", "course", "module", "rule", "outcome", "request", "reverses"
        )
        .order_by("seq")
    )


def account_balance(*, account: LearningAccount, curriculum: Curriculum | None = None) -> Decimal:
    """Balance = the sum of the account's entries (of one curriculum, if given)."""
    qs = CreditEntry.objects.filter(account=account)
    if curriculum is not None:
        qs = qs.filter(curriculum=curriculum)
    return qs.aggregate(total=Sum("credits"))["total"] or ZERO


def exemption_list(
    *, account: LearningAccount, curriculum: Curriculum | None = None, active_only: bool = True
) -> QuerySet[Exemption]:
    qs = Exemption.objects.filter(account=account).select_related(
        "course", "module", "rule", "outcome", "request", "curriculum"
    )
    if curriculum is not None:
        qs = qs.filter(curriculum=curriculum)
    if active_only:
        qs = qs.filter(status=Exemption.Status.ACTIVE)
    return qs.order_by("course__code", "id")


def curriculum_for(learner: Learner) -> Curriculum | None:
    """A student's curriculum (人才培养方案): their major's plan for their cohort year."""
    if not learner.major_id or not learner.cohort_year:
        return None
    return (
        Curriculum.objects.select_related("major__institution")
        .filter(major_id=learner.major_id, cohort_year=learner.cohort_year)
        .first()
    )


# --- Simulation ------------------------------------------------------------------------------------


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
    user,
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
        codes |= set(
            ConversionRule.objects.filter(
                institution_id=rule.institution_id, exclusive_group=rule.exclusive_group
            ).values_list("code", flat=True)
        )
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
    learners = list(
        learners.filter(account_id__in=holders)
        .select_related("account", "major")
        .order_by("account__name_pinyin", "id")
    )
    result = Simulation(rule=rule, on=on, learners_considered=len(learners))
    curricula = engine.curricula_for(learners)
    pairs = [(lr.account_id, curricula[lr.pk]) for lr in learners if lr.pk in curricula]
    states = engine.load_states(pairs)
    outcomes = engine.load_outcomes([a for a, _ in pairs], book=book)
    for learner in learners:
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
                        ln.module.name if ln.module else ln.course.name
                        for ln in counted
                        if ln.kind == RequestLine.Kind.EXEMPTION
                    ],
                    credits=sum((ln.credits for ln in counted), ZERO),
                    capped=bool(results & {LineResult.CAPPED, LineResult.PARTIAL}),
                    conflict=LineResult.CONFLICT in results,
                    explanations=[ln.explanation for ln in lines],
                )
            )
    return result


# --- Calculator ----------------------------------------------------------------------------------


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
                            ex.module.name if ex.module_id else ex.course.name,
                            ZERO if ex.module_id else ex.course.credits,
                        )
                        for ex in rule.exemptions.all()
                    ],  # fmt: skip
                    credits=rule.credits,
                    category=CreditCategory(rule.credit_category).label
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
                if line.rule.institution_id
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
            calc_line.exemptions.append(
                (line.module.name if line.module else line.course.name, line.credits)
            )
        else:
            calc_line.credits += line.credits
            calc_line.category = str(CreditCategory(line.category).label)
    return calc


# --- Credits per learner: graduation audit and transcript -------------------------------------------


@dataclass
class CreditSummary:
    """A learner's credits in one curriculum, each course counted once."""

    required: Decimal
    cap: Decimal
    earned: Decimal = ZERO  # courses passed (course results), within each course's credits
    exempted: Decimal = ZERO  # exempted courses not also passed
    converted_credits: Decimal = ZERO  # conversion credits (转换学分) in credit categories

    @property
    def converted(self) -> Decimal:
        return self.exempted + self.converted_credits

    @property
    def converted_counted(self) -> Decimal:
        return min(self.converted, self.cap)

    @property
    def total(self) -> Decimal:
        return self.earned + self.converted_counted

    @property
    def credits_ok(self) -> bool:
        return self.total >= self.required


def _credit_summaries(
    account_ids: list[int], curriculum: Curriculum, rows: dict[int, CurriculumCourse]
) -> dict[int, CreditSummary]:
    """Summaries for many accounts in one curriculum: two grouped queries per chunk."""
    share = engine.policy_shares([curriculum.major.institution_id])[curriculum.major.institution_id]
    required = Decimal(curriculum.total_credits)
    cap = (required * share).quantize(TENTH)
    earned: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    exempted: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    credits: dict[int, Decimal] = defaultdict(Decimal)
    for chunk in engine.chunks(account_ids):
        for row in (
            CreditEntry.objects.filter(engine.earned_q(), account_id__in=chunk)
            .filter(course_id__in=list(rows))
            .values("account_id", "course_id")
            .annotate(total=Sum("credits"))
            .order_by()
        ):
            earned[(row["account_id"], row["course_id"])] += row["total"]
        for row in (
            CreditEntry.objects.filter(engine.converted_q(), account_id__in=chunk)
            .filter(curriculum=curriculum)
            .values("account_id", "course_id")
            .annotate(total=Sum("credits"))
            .order_by()
        ):
            if row["course_id"] is None:
                credits[row["account_id"]] += row["total"]
            else:
                exempted[(row["account_id"], row["course_id"])] += row["total"]
    summaries = {}
    for account_id in account_ids:
        summary = CreditSummary(required=required, cap=cap)
        for course_id, row in rows.items():
            passed = min(max(earned.get((account_id, course_id), ZERO), ZERO), row.credits)
            excused = min(
                max(exempted.get((account_id, course_id), ZERO), ZERO), row.credits - passed
            )
            summary.earned += passed
            summary.exempted += excused
        summary.converted_credits = max(credits.get(account_id, ZERO), ZERO)
        summaries[account_id] = summary
    return summaries


@dataclass
class GraduationRow:
    learner: Learner
    summary: CreditSummary
    certificates: list[str]  # required certificates held (names, with level)
    reasons: list[str]

    @property
    def certificate_ok(self) -> bool:
        return bool(self.certificates)

    @property
    def meets(self) -> bool:
        return not self.reasons


def graduation_audit(*, user, curriculum: Curriculum) -> list[GraduationRow]:
    """毕业审核 for a cohort: who meets the credit total (earned + converted within the cap) and
    the certificate requirement (at least one verified, unrevoked certificate of a type the
    curriculum requires, seed 四(一)3), who does not and why.

    Learners are the cohort's students in the user's scope. Queries: learners, curriculum rows,
    required types, certificates held, and two grouped ledger sums — 6, however large the cohort.
    """
    learners = list(
        Learner.objects.filter(
            learner_scope_q(user),
            kind=Learner.Kind.STUDENT,
            major_id=curriculum.major_id,
            cohort_year=curriculum.cohort_year,
        )
        .exclude(status=Learner.Status.WITHDRAWN)
        .select_related("account", "major")
        .order_by("student_no", "account__name_pinyin", "id")
    )
    rows = engine.curriculum_courses([curriculum])[curriculum.pk]
    required_types = {ct.pk: ct.name for ct in curriculum.required_certificates.all()}
    account_ids = [lr.account_id for lr in learners]
    held: dict[int, list[str]] = defaultdict(list)
    for chunk in engine.chunks(account_ids):
        for outcome in (
            LearningOutcome.objects.filter(
                held_certificates_q(),
                status=LearningOutcome.Status.VERIFIED,
                account_id__in=chunk,
                certificate_type_id__in=list(required_types),
            )
            .only("account_id", "certificate_type_id", "level", "issued_on")
            .order_by("issued_on", "id")
        ):
            name = required_types[outcome.certificate_type_id]
            if outcome.level:
                name += f"（{outcome.get_level_display()}）"
            held[outcome.account_id].append(name)
    summaries = _credit_summaries(account_ids, curriculum, rows)
    result = []
    for learner in learners:
        summary = summaries[learner.account_id]
        reasons = []
        if not summary.credits_ok:
            reasons.append(
                f"学分不足：已获 {fmt(summary.total)}，毕业须 {fmt(summary.required)}，"
                f"差 {fmt(summary.required - summary.total)}"
            )
        if summary.converted > summary.cap:
            reasons.append(
                f"转换学分 {fmt(summary.converted)} 超出上限 {fmt(summary.cap)}，超出部分不计入"
            )
        if not held[learner.account_id]:
            names = "、".join(sorted(required_types.values())) or "（方案未设置）"
            reasons.append(f"未取得本专业要求的证书（至少一项：{names}）")
        # Over the cap is explained, but it alone does not fail a learner who has enough.
        failing = [r for r in reasons if not r.startswith("转换学分")]
        result.append(
            GraduationRow(
                learner=learner,
                summary=summary,
                certificates=held[learner.account_id],
                reasons=failing,
            )
        )
    return result


GRADUATION_HEADERS = [
    "学号", "姓名", "已修学分", "免修学分", "转换学分", "计入转换", "合计", "毕业要求",
    "持有证书", "审核结论", "原因",
]  # fmt: skip


def graduation_rows_for_export(rows: Iterable[GraduationRow]):
    """Rows for ``core.xlsx.write_rows(GRADUATION_HEADERS, ...)``."""
    for row in rows:
        s = row.summary
        yield [
            row.learner.student_no,
            row.learner.account.name,
            s.earned,
            s.exempted,
            s.converted_credits,
            s.converted_counted,
            s.total,
            s.required,
            "、".join(row.certificates),
            "符合" if row.meets else "不符合",
            "；".join(row.reasons),
        ]


@dataclass
class TranscriptCourse:
    code: str
    name: str
    semester: int
    credits: Decimal
    score: Decimal | None = None
    grade: str = ""
    passed_on: datetime.date | None = None


@dataclass
class TranscriptExemption:
    code: str
    name: str  # course, or "course · module"
    semester: int
    credits: Decimal
    rule: ConversionRule
    outcome: LearningOutcome
    granted_at: datetime.datetime


@dataclass
class TranscriptCredit:
    category: str
    credits: Decimal
    rule: ConversionRule
    outcome: LearningOutcome


@dataclass
class Transcript:
    """成绩单: courses passed, courses exempted (with rule version and outcome), conversion
    credits, and the credits earned against those required."""

    learner: Learner
    curriculum: Curriculum
    passed: list[TranscriptCourse]
    exempted: list[TranscriptExemption]
    credits: list[TranscriptCredit]
    summary: CreditSummary
    pending: list[TranscriptCourse]  # curriculum courses neither passed nor exempted


def transcript_get(*, learner: Learner, curriculum: Curriculum | None = None) -> Transcript | None:
    """The transcript of a learner (already fetched through ``access_learner``) in their
    curriculum; None for a learner without one (a social learner). 6 queries."""
    curriculum = curriculum or curriculum_for(learner)
    if curriculum is None:
        return None
    if not Curriculum.major.is_cached(curriculum):
        curriculum = Curriculum.objects.select_related("major__institution").get(pk=curriculum.pk)
    rows = engine.curriculum_courses([curriculum])[curriculum.pk]
    account = learner.account
    entries = list(
        CreditEntry.objects.filter(account=account, reversed_by__isnull=True)
        .filter(Q(kind=CreditEntry.Kind.COURSE) | Q(kind=CreditEntry.Kind.CONVERSION))
        .filter(Q(course_id__in=list(rows)) | Q(curriculum=curriculum))
        .select_related("outcome__certificate_type", "rule")
        .order_by("seq")
    )
    passed_ids = set()
    passed = []
    credits = []
    for entry in entries:
        if entry.kind == CreditEntry.Kind.COURSE and entry.course_id in rows:
            if entry.course_id in passed_ids:
                continue
            passed_ids.add(entry.course_id)
            row = rows[entry.course_id]
            passed.append(
                TranscriptCourse(
                    code=row.course.code,
                    name=row.course.name,
                    semester=row.semester,
                    credits=min(entry.credits, row.credits),
                    score=entry.outcome.score if entry.outcome_id else None,
                    grade=entry.outcome.grade if entry.outcome_id else "",
                    passed_on=entry.outcome.issued_on if entry.outcome_id else None,
                )
            )
        elif entry.kind == CreditEntry.Kind.CONVERSION and entry.curriculum_id == curriculum.pk:
            credits.append(
                TranscriptCredit(
                    category=str(CreditCategory(entry.category).label),
                    credits=entry.credits,
                    rule=entry.rule,
                    outcome=entry.outcome,
                )
            )
    exempted = []
    exempted_ids = set()
    for ex in exemption_list(account=account, curriculum=curriculum).select_related(
        "outcome__certificate_type"
    ):
        row = rows.get(ex.course_id)
        if ex.module_id is None:
            exempted_ids.add(ex.course_id)
        exempted.append(
            TranscriptExemption(
                code=ex.course.code,
                name=f"{ex.course.name} · {ex.module.name}" if ex.module_id else ex.course.name,
                semester=row.semester if row else 0,
                credits=ex.credits,
                rule=ex.rule,
                outcome=ex.outcome,
                granted_at=ex.granted_at,
            )
        )
    pending = [
        TranscriptCourse(
            code=row.course.code, name=row.course.name, semester=row.semester, credits=row.credits
        )
        for course_id, row in sorted(
            rows.items(), key=lambda kv: (kv[1].semester, kv[1].course.code)
        )
        if course_id not in passed_ids and course_id not in exempted_ids
    ]
    summary = _credit_summaries([account.pk], curriculum, rows)[account.pk]
    passed.sort(key=lambda c: (c.semester, c.code))
    exempted.sort(key=lambda e: (e.semester, e.code))
    return Transcript(
        learner=learner,
        curriculum=curriculum,
        passed=passed,
        exempted=exempted,
        credits=credits,
        summary=summary,
        pending=pending,
    )


# --- Pages: reads added for the credit bank's views ---------------------------------------------------


def learner_records_for_user(*, user) -> list[Learner]:
    """The logged-in person's own student records (a person may study at two colleges), each
    with what the pages show; empty for staff without a learning account."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        Learner.objects.filter(account__user=user, kind=Learner.Kind.STUDENT)
        .select_related("account", "institution", "school", "major")
        .order_by("-cohort_year", "id")
    )


def request_preview(
    *,
    learner: Learner,
    outcomes: Iterable[LearningOutcome],
    on: datetime.date | None = None,
) -> engine.Proposal | None:
    """What the engine would propose if ``learner`` applied with ``outcomes`` today — the same
    evaluation ``recognition_submit`` runs, without writing. None without a curriculum."""
    curriculum = curriculum_for(learner)
    if curriculum is None:
        return None
    state = engine.load_states([(learner.account_id, curriculum)])[
        (learner.account_id, curriculum.pk)
    ]
    book = engine.load_rulebook(institution_ids=[curriculum.major.institution_id])
    outcomes = sorted(outcomes, key=lambda o: o.pk)
    return engine.evaluate(state=state, outcomes=outcomes, book=book, on=on or timezone.localdate())


@dataclass
class LedgerRow:
    """One ledger line as the ledger page shows it: the running balance after it, the entry
    that reverses it (if any), and whether its hash and link to the previous line still hold."""

    entry: CreditEntry
    balance: Decimal
    reversed_by: CreditEntry | None
    intact: bool


@dataclass
class Ledger:
    account: LearningAccount
    rows: list[LedgerRow]
    head_seq: int

    @property
    def balance(self) -> Decimal:
        return self.rows[-1].balance if self.rows else ZERO

    @property
    def first_break(self) -> LedgerRow | None:
        return next((row for row in self.rows if not row.intact), None)

    @property
    def intact(self) -> bool:
        last = self.rows[-1].entry.seq if self.rows else 0
        return self.first_break is None and last == self.head_seq


def ledger_get(*, account: LearningAccount) -> Ledger:
    """An account's ledger in chain order with running balances, reversal links and the chain
    checked on the rows already read (the same check as ``verify_ledger``, for one account).
    Two queries: the entries with what they refer to, and the chain head."""
    from .models import GENESIS_HASH, LedgerHead

    entries = list(entry_list(account=account))
    by_reversed = {e.reverses_id: e for e in entries if e.reverses_id is not None}
    head_seq = (
        LedgerHead.objects.filter(account=account).values_list("last_seq", flat=True).first() or 0
    )
    rows = []
    balance = ZERO
    prev_hash, expected = GENESIS_HASH, 1
    for entry in entries:
        balance += entry.credits
        intact = (
            entry.seq == expected
            and entry.prev_hash == prev_hash
            and entry.compute_hash() == entry.hash
        )
        rows.append(LedgerRow(entry, balance, by_reversed.get(entry.pk), intact))
        prev_hash, expected = entry.hash, entry.seq + 1
    return Ledger(account=account, rows=rows, head_seq=head_seq)


def transcript_credential(*, learner: Learner, code: str):
    """A transcript credential issued for this learner record, by its code, or None."""
    from xbank.verify.models import Credential

    return Credential.objects.filter(
        code=code,
        kind=Credential.Kind.TRANSCRIPT,
        source_type=Learner._meta.label_lower,
        source_id=str(learner.pk),
    ).first()


def curriculum_options(user) -> QuerySet[Curriculum]:
    """Curricula a user may pick on the credit bank pages: those of the majors in their scope,
    and a learner's own (by their student records' major and cohort year)."""
    from django.db.models import Exists, OuterRef

    from xbank.catalog.selectors import curriculum_scope_q

    scope = scope_for(user)
    q = curriculum_scope_q(user) if scope.sees_learner_records else Q(pk__in=[])
    # ``Q() | x`` is ``x``: a regional scope (Q()) must not be narrowed by the OR below.
    if getattr(user, "is_authenticated", False) and not scope.regional:
        own = Learner.objects.filter(
            account__user=user,
            kind=Learner.Kind.STUDENT,
            major_id=OuterRef("major_id"),
            cohort_year=OuterRef("cohort_year"),
        )
        q |= Q(Exists(own))
    return (
        Curriculum.objects.filter(q)
        .select_related("major__institution")
        .order_by("major__institution__code", "major__code", "-cohort_year", "id")
    )
