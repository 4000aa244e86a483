"""Reads of pilot management, scoped once through ``scoping.pilot_scope(user)``, and the
examiner compliance of the pilot majors (考评员达标, below).

Lists come back annotated and with their related rows fetched, so a page makes the same number
of queries however many rows it shows. ``access_*`` gives the same 404 for a row that does not
exist and for one outside the user's scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.access import Viewer
from xbank.assessment.models import ExaminerQualification
from xbank.catalog.models import CertificateType
from xbank.faculty.access import access_for
from xbank.faculty.models import Teacher
from xbank.faculty.queries import on_staff_q
from xbank.orgs.models import Department, Major

from .models import (
    ZERO,
    Budget,
    BudgetAdjustment,
    BudgetLine,
    BudgetReview,
    Expenditure,
    FundingSource,
    Milestone,
    MilestoneEvidence,
    PilotMajor,
    WorkTask,
    percent,
)
from .scoping import BUDGET_ROLES, pilot_scope

TASK_STATUS_NOT_STARTED = Milestone.Status.NOT_STARTED
TASK_STATUS_IN_PROGRESS = Milestone.Status.IN_PROGRESS
TASK_STATUS_DONE = Milestone.Status.DONE


def _404(what: str) -> Http404:
    return Http404(f"No such {what}")


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Milestones (``prefix`` names them) due before ``today`` and not done: overdue (逾期)."""
    return Q(**{f"{prefix}due_on__lt": today}) & ~Q(**{f"{prefix}status": Milestone.Status.DONE})


# --- Pilot majors -------------------------------------------------------------------------------


def pilot_major_list(*, user: Viewer) -> QuerySet[PilotMajor]:
    scope = pilot_scope(user)
    return (
        PilotMajor.objects.filter(scope.major_q("major__"))
        .select_related("major__school", "major__institution")
        .prefetch_related("certificate_types")
        .annotate(budget_count=Count("budgets"))
        .order_by("major__institution__code", "major__code", "id")
    )


# --- Work tasks and milestones ------------------------------------------------------------------


def task_list(*, user: Viewer, today: datetime.date | None = None) -> QuerySet[WorkTask]:
    """Tasks in scope with their milestone figures: counts, average progress, next due date,
    overdue count, and a status derived from the milestones (none started, all done, or else
    in progress)."""
    today = today or timezone.localdate()
    scope = pilot_scope(user)
    done = Q(milestones__status=Milestone.Status.DONE)
    return (
        WorkTask.objects.filter(scope.task_q())
        .select_related("institution")
        .prefetch_related(
            Prefetch("lead_departments", queryset=Department.objects.order_by("kind")),
            Prefetch("implementing_departments", queryset=Department.objects.order_by("kind")),
            Prefetch("pilot_majors", queryset=PilotMajor.objects.select_related("major")),
        )
        .annotate(
            milestone_count=Count("milestones"),
            done_count=Count("milestones", filter=done),
            started_count=Count(
                "milestones", filter=~Q(milestones__status=Milestone.Status.NOT_STARTED)
            ),
            overdue_count=Count("milestones", filter=overdue_q(today, "milestones__")),
            progress_avg=Coalesce(Avg("milestones__progress"), Value(0.0)),
            next_due=Min("milestones__due_on", filter=~done),
        )
        .annotate(
            task_status=Case(
                When(milestone_count=0, then=Value(TASK_STATUS_NOT_STARTED)),
                When(done_count=F("milestone_count"), then=Value(TASK_STATUS_DONE)),
                When(started_count=0, then=Value(TASK_STATUS_NOT_STARTED)),
                default=Value(TASK_STATUS_IN_PROGRESS),
            )
        )
        .order_by("institution__code", "number", "id")
    )


def task_department_options(user: Viewer) -> QuerySet[Department]:
    """Departments of the colleges whose tasks the user sees (the task list's filter)."""
    visible = WorkTask.objects.filter(pilot_scope(user).task_q()).values("institution_id")
    return Department.objects.filter(institution_id__in=visible).select_related("institution")


def _overdue_flag(today: datetime.date) -> Case:
    return Case(When(overdue_q(today), then=Value(True)), default=Value(False))


def access_task(user: Viewer, pk: int | str, *, today: datetime.date | None = None) -> WorkTask:
    """One task with its departments, pilot majors, milestones (each flagged ``overdue``) and
    their evidence files."""
    today = today or timezone.localdate()
    try:
        return (
            WorkTask.objects.filter(pilot_scope(user).task_q())
            .select_related("institution")
            .prefetch_related(
                Prefetch("lead_departments", queryset=Department.objects.order_by("kind")),
                Prefetch("implementing_departments", queryset=Department.objects.order_by("kind")),
                Prefetch(
                    "pilot_majors",
                    queryset=PilotMajor.objects.select_related("major").prefetch_related(
                        "certificate_types"
                    ),
                ),
                Prefetch(
                    "milestones",
                    queryset=Milestone.objects.annotate(overdue=_overdue_flag(today))
                    .order_by("due_on", "id")
                    .prefetch_related(
                        Prefetch(
                            "evidence",
                            queryset=MilestoneEvidence.objects.select_related("uploaded_by"),
                        )
                    ),
                ),
            )
            .get(pk=pk)
        )
    except (WorkTask.DoesNotExist, ValueError, TypeError):
        raise _404("task") from None


def milestone_list(*, user: Viewer, today: datetime.date | None = None) -> QuerySet[Milestone]:
    """Milestones of the tasks in scope (the schedule, 进度安排), soonest due first, each
    flagged ``overdue``."""
    today = today or timezone.localdate()
    return (
        Milestone.objects.filter(task__in=WorkTask.objects.filter(pilot_scope(user).task_q()))
        .annotate(overdue=_overdue_flag(today))
        .select_related("task")
        .prefetch_related(
            Prefetch("task__lead_departments", queryset=Department.objects.order_by("kind"))
        )
        .annotate(evidence_count=Count("evidence"))
        .order_by("due_on", "task__number", "id")
    )


def access_milestone(user: Viewer, pk: int | str) -> Milestone:
    """A milestone with its task's departments and pilot majors (to decide who may report)."""
    try:
        return (
            Milestone.objects.filter(task__in=WorkTask.objects.filter(pilot_scope(user).task_q()))
            .select_related("task__institution")
            .prefetch_related(
                "task__lead_departments",
                "task__implementing_departments",
                Prefetch("task__pilot_majors", queryset=PilotMajor.objects.select_related("major")),
                Prefetch(
                    "evidence", queryset=MilestoneEvidence.objects.select_related("uploaded_by")
                ),
            )
            .get(pk=pk)
        )
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise _404("milestone") from None


def access_evidence(user: Viewer, pk: int | str) -> MilestoneEvidence:
    try:
        return MilestoneEvidence.objects.select_related("milestone").get(
            pk=pk, milestone__task__in=WorkTask.objects.filter(pilot_scope(user).task_q())
        )
    except (MilestoneEvidence.DoesNotExist, ValueError, TypeError):
        raise _404("evidence") from None


# --- Budgets --------------------------------------------------------------------------------------

_MONEY_OUT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


def _sum(field: str) -> Coalesce:
    return Coalesce(Sum(field), Value(ZERO), output_field=_MONEY_OUT)


def budget_list(*, user: Viewer) -> QuerySet[Budget]:
    """Budgets in scope with their totals: budgeted, approved increases, spent, funds received
    (a subquery: joining two row sets would multiply the sums) and pending adjustments."""
    scope = pilot_scope(user)
    funds = (
        FundingSource.objects.filter(budget=OuterRef("pk"))
        .values("budget")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    pending = (
        BudgetAdjustment.objects.filter(
            line__budget=OuterRef("pk"), status=BudgetAdjustment.Status.REQUESTED
        )
        .values("line__budget")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Budget.objects.filter(scope.budget_q())
        .select_related("pilot_major__major__school", "pilot_major__major__institution")
        .prefetch_related("pilot_major__certificate_types", "lines")
        .annotate(
            total_amount=_sum("lines__amount"),
            total_adjusted=_sum("lines__adjusted"),
            total_spent=_sum("lines__spent"),
            funds_received=Coalesce(
                Subquery(funds, output_field=_MONEY_OUT), Value(ZERO), output_field=_MONEY_OUT
            ),
            pending_adjustments=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)),
        )
        .order_by(
            "-year", "pilot_major__major__institution__code", "pilot_major__major__code", "id"
        )
    )


def access_budget(user: Viewer, pk: int | str) -> Budget:
    """One budget in scope with its lines, reviews, funding sources and adjustments."""
    try:
        return (
            Budget.objects.filter(pilot_scope(user).budget_q())
            .select_related(
                "pilot_major__major__school",
                "pilot_major__major__institution",
                "created_by",
                "submitted_by",
            )
            .prefetch_related(
                "pilot_major__certificate_types",
                Prefetch("lines", queryset=BudgetLine.objects.order_by("id")),
                Prefetch("reviews", queryset=BudgetReview.objects.select_related("reviewer")),
                Prefetch(
                    "funding_sources", queryset=FundingSource.objects.select_related("recorded_by")
                ),
                Prefetch(
                    "lines__adjustments",
                    queryset=BudgetAdjustment.objects.select_related("requested_by", "decided_by"),
                ),
            )
            .get(pk=pk)
        )
    except (Budget.DoesNotExist, ValueError, TypeError):
        raise _404("budget") from None


def access_adjustment(user: Viewer, pk: int | str) -> BudgetAdjustment:
    try:
        return BudgetAdjustment.objects.select_related("line__budget__pilot_major__major").get(
            pk=pk, line__budget__in=Budget.objects.filter(pilot_scope(user).budget_q())
        )
    except (BudgetAdjustment.DoesNotExist, ValueError, TypeError):
        raise _404("adjustment") from None


@dataclass(frozen=True)
class Execution:
    """Budget execution (执行情况) of one budget: its lines and the totals."""

    lines: list[BudgetLine]
    amount: Decimal
    adjusted: Decimal
    spent: Decimal
    funds: Decimal

    @property
    def limit(self) -> Decimal:
        return self.amount + self.adjusted

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.spent

    @property
    def rate(self) -> Decimal | None:
        return percent(self.spent, self.limit)


def budget_execution(budget: Budget) -> Execution:
    """From an ``access_budget`` row: per-category and total execution rates, no query."""
    lines = list(budget.lines.all())
    return Execution(
        lines=lines,
        amount=sum((line.amount for line in lines), ZERO),
        adjusted=sum((line.adjusted for line in lines), ZERO),
        spent=sum((line.spent for line in lines), ZERO),
        funds=sum((f.amount for f in budget.funding_sources.all()), ZERO),
    )


def budget_expenditures(budget: Budget, *, limit: int = 20) -> list[Expenditure]:
    return list(
        Expenditure.objects.filter(line__budget=budget)
        .select_related("line", "recorded_by")
        .order_by("-spent_on", "-id")[:limit]
    )


def expenditure_list(*, user: Viewer) -> QuerySet[Expenditure]:
    scope = pilot_scope(user)
    return (
        Expenditure.objects.filter(line__budget__in=Budget.objects.filter(scope.budget_q()))
        .select_related("line__budget__pilot_major__major", "recorded_by")
        .order_by("-spent_on", "-id")
    )


def budget_pilot_major_options(
    user: Viewer, *, roles: Iterable[str] = BUDGET_ROLES
) -> QuerySet[PilotMajor]:
    """Pilot majors whose budgets the user sees (through ``roles``)."""
    return (
        PilotMajor.objects.filter(pilot_scope(user).major_q("major__", roles=roles))
        .select_related("major")
        .order_by("major__institution__code", "major__code", "id")
    )


# --- Examiner compliance of the pilot majors ------------------------------------------------------
#
# The rule (``compliance_rows``, 考评员达标, seed 四(四)2): a pilot major is compliant on a day
# when at least ``MIN_EXAMINERS`` (3) of its teachers (the faculty app's roster) hold, that day,
# an examiner qualification (考评员资格) for any of the pilot's certificates, at any level.
# Counted teachers are:
#
# - teachers of the pilot's major (``Teacher.major``), the team the seed builds "以专业为主体";
#   teachers of the school without a major count for none of its pilot majors;
# - full-time teachers (专任教师): 四(四)2 is about the major's own backbone teachers; part-time
#   teachers who examine (兼职考评员, 四(四)3) are listed beside the count but not in it;
# - on the team that day (a teacher who left counts until the day they left);
# - with a login: examiner qualifications are the assessment app's records, held by a user.
#
# A qualification is valid from ``valid_from`` to ``valid_until``, both days included: one that
# expires tomorrow still counts today; one that expired yesterday does not.
#
# The warning (预警) looks ``WARNING_DAYS`` (90) ahead: a compliant major whose count on
# today + 90 would fall below three is flagged, with the qualifications that lapse before then. A
# renewal already registered (a new qualification starting within the 90 days) counts ahead.
#
# Who sees which pilot majors here is the teacher team's reading scope (``faculty.access``).

MIN_EXAMINERS = 3
WARNING_DAYS = 90


@dataclass
class Examiner:
    """A teacher with the qualifications that make them count (valid on the day)."""

    teacher: Teacher
    qualifications: list[ExaminerQualification]

    @property
    def valid_until(self) -> datetime.date:
        return max(q.valid_until for q in self.qualifications)


@dataclass
class ComplianceRow:
    """One pilot major on one day: who counts, and whether that makes three, now and ahead."""

    pilot_major: PilotMajor
    certificate_types: list[CertificateType]
    on_date: datetime.date
    examiners: list[Examiner] = field(default_factory=list)
    ahead_count: int = 0
    # Counted on the day but not WARNING_DAYS later, soonest first.
    expiring: list[Examiner] = field(default_factory=list)
    # Part-time teachers of the major who hold a valid qualification: listed, not counted.
    part_time: list[Examiner] = field(default_factory=list)

    OK = "ok"
    WARNING = "warning"
    SHORT = "short"
    LABELS = {OK: _("达标"), WARNING: _("达标（即将不足）"), SHORT: _("不达标")}

    @property
    def major(self) -> Major:
        return self.pilot_major.major

    @property
    def count(self) -> int:
        return len(self.examiners)

    @property
    def compliant(self) -> bool:
        return self.count >= MIN_EXAMINERS

    @property
    def warning(self) -> bool:
        """Compliant on the day, below three WARNING_DAYS later."""
        return self.compliant and self.ahead_count < MIN_EXAMINERS

    @property
    def status(self) -> str:
        if not self.compliant:
            return self.SHORT
        return self.WARNING if self.warning else self.OK

    @property
    def status_label(self) -> str:
        return str(self.LABELS[self.status])

    @property
    def ahead_date(self) -> datetime.date:
        return self.on_date + datetime.timedelta(days=WARNING_DAYS)

    @property
    def shortfall(self) -> int:
        return max(0, MIN_EXAMINERS - self.count)


def _pilot_majors(user: Viewer) -> QuerySet[PilotMajor]:
    return (
        PilotMajor.objects.filter(access_for(user).major_q("major__"))
        .select_related("major__school", "major__institution")
        .prefetch_related("certificate_types")
        .order_by("major__institution__code", "major__code")
    )


def compliance_for(pilots: list[PilotMajor], on_date: datetime.date) -> list[ComplianceRow]:
    """The compliance of the given pilot majors (``certificate_types`` prefetched): two queries
    whatever their number — the teachers of their majors, then those teachers' qualifications
    for the pilots' certificates that are valid on the day or within the next WARNING_DAYS."""
    ahead = on_date + datetime.timedelta(days=WARNING_DAYS)
    types_of = {p.pk: {ct.pk for ct in p.certificate_types.all()} for p in pilots}
    all_types = set().union(*types_of.values()) if types_of else set()
    teachers = list(
        Teacher.objects.filter(
            on_staff_q(on_date),
            major_id__in=[p.major_id for p in pilots],
            user__isnull=False,
        ).order_by("name_pinyin", "id")
    )
    by_user: dict[int | None, list[ExaminerQualification]] = {}
    if teachers and all_types:
        qualifications = (
            ExaminerQualification.objects.filter(
                user_id__in={t.user_id for t in teachers},
                certificate_type_id__in=all_types,
                valid_until__gte=on_date,
                valid_from__lte=ahead,
            )
            .select_related("certificate_type")
            .order_by("valid_until", "id")
        )
        for q in qualifications:
            by_user.setdefault(q.user_id, []).append(q)
    teachers_of: dict[int | None, list[Teacher]] = {}
    for teacher in teachers:
        teachers_of.setdefault(teacher.major_id, []).append(teacher)

    rows = []
    for pilot in pilots:
        types = types_of[pilot.pk]
        row = ComplianceRow(
            pilot_major=pilot,
            certificate_types=sorted(pilot.certificate_types.all(), key=lambda ct: ct.name),
            on_date=on_date,
        )
        for teacher in teachers_of.get(pilot.major_id, []):
            held = [q for q in by_user.get(teacher.user_id, []) if q.certificate_type_id in types]
            now = [q for q in held if q.is_valid_on(on_date)]
            later = teacher.on_staff(ahead) and any(q.is_valid_on(ahead) for q in held)
            if teacher.kind == Teacher.Kind.PART_TIME:
                if now:
                    row.part_time.append(Examiner(teacher, now))
                continue
            if later:
                row.ahead_count += 1
            if now:
                examiner = Examiner(teacher, now)
                row.examiners.append(examiner)
                if not later:
                    row.expiring.append(examiner)
        row.expiring.sort(key=lambda e: (e.valid_until, e.teacher.name_pinyin))
        rows.append(row)
    return rows


def compliance_rows(*, user: Viewer, on_date: datetime.date) -> list[ComplianceRow]:
    """The examiner compliance of every pilot major in the user's scope on ``on_date``
    (four queries: pilot majors, their certificates, teachers, qualifications)."""
    return compliance_for(list(_pilot_majors(user)), on_date)


def teacher_pilot_majors(teacher: Teacher) -> list[PilotMajor]:
    """The pilot majors the teacher counts for (their major's pilot, if it is one)."""
    if teacher.major_id is None:
        return []
    return list(
        PilotMajor.objects.filter(major_id=teacher.major_id).prefetch_related("certificate_types")
    )
