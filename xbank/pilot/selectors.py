"""Reads of pilot management, scoped once through ``scoping.pilot_scope(user)``.

Lists come back annotated and with their related rows fetched, so a page makes the same number
of queries however many rows it shows. ``access_*`` gives the same 404 for a row that does not
exist and for one outside the user's scope.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
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

from xbank.orgs.models import Department

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


def _404(what: str):
    return Http404(f"No such {what}")


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Milestones (``prefix`` names them) due before ``today`` and not done: overdue (逾期)."""
    return Q(**{f"{prefix}due_on__lt": today}) & ~Q(**{f"{prefix}status": Milestone.Status.DONE})


# --- Pilot majors -------------------------------------------------------------------------------


def pilot_major_list(*, user) -> QuerySet[PilotMajor]:
    scope = pilot_scope(user)
    return (
        PilotMajor.objects.filter(scope.major_q("major__"))
        .select_related("major__school", "major__institution")
        .prefetch_related("certificate_types")
        .annotate(budget_count=Count("budgets"))
        .order_by("major__institution__code", "major__code", "id")
    )


# --- Work tasks and milestones ------------------------------------------------------------------


def task_list(*, user, today: datetime.date | None = None) -> QuerySet[WorkTask]:
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


def task_department_options(user) -> QuerySet[Department]:
    """Departments of the colleges whose tasks the user sees (the task list's filter)."""
    visible = WorkTask.objects.filter(pilot_scope(user).task_q()).values("institution_id")
    return Department.objects.filter(institution_id__in=visible).select_related("institution")


def _overdue_flag(today: datetime.date) -> Case:
    return Case(When(overdue_q(today), then=Value(True)), default=Value(False))


def access_task(user, pk, *, today: datetime.date | None = None) -> WorkTask:
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


def milestone_list(*, user, today: datetime.date | None = None) -> QuerySet[Milestone]:
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


def access_milestone(user, pk) -> Milestone:
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


def access_evidence(user, pk) -> MilestoneEvidence:
    try:
        return MilestoneEvidence.objects.select_related("milestone").get(
            pk=pk, milestone__task__in=WorkTask.objects.filter(pilot_scope(user).task_q())
        )
    except (MilestoneEvidence.DoesNotExist, ValueError, TypeError):
        raise _404("evidence") from None


# --- Budgets --------------------------------------------------------------------------------------

_MONEY_OUT = DecimalField(max_digits=14, decimal_places=2)


def _sum(field: str):
    return Coalesce(Sum(field), Value(ZERO), output_field=_MONEY_OUT)


def budget_list(*, user) -> QuerySet[Budget]:
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


def access_budget(user, pk) -> Budget:
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


def access_adjustment(user, pk) -> BudgetAdjustment:
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


def expenditure_list(*, user) -> QuerySet[Expenditure]:
    scope = pilot_scope(user)
    return (
        Expenditure.objects.filter(line__budget__in=Budget.objects.filter(scope.budget_q()))
        .select_related("line__budget__pilot_major__major", "recorded_by")
        .order_by("-spent_on", "-id")
    )


def budget_pilot_major_options(user, *, roles=BUDGET_ROLES) -> QuerySet[PilotMajor]:
    """Pilot majors whose budgets the user sees (through ``roles``)."""
    return (
        PilotMajor.objects.filter(pilot_scope(user).major_q("major__", roles=roles))
        .select_related("major")
        .order_by("major__institution__code", "major__code", "id")
    )
