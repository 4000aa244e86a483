"""Pages of pilot management (试点管理): pilot majors, work tasks and milestones, budgets,
funding, expenditures and adjustments, and the examiner compliance of the pilot majors.

Rows come from the scoped selectors (a row outside the user's scope is a 404 like a missing one);
an action the user's role may not take on a row they can see is a 403; a business rule refused by
a service comes back as a form error.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import require
from xbank.accounts.models import Role
from xbank.core.views import form_page, list_page, run_action, run_service, wants_export
from xbank.faculty.views import read_required as faculty_read_required
from xbank.orgs.models import Institution

from . import exports, scoping, selectors, services
from .filters import BudgetFilter, ExpenditureFilter, MilestoneFilter, PilotMajorFilter, TaskFilter
from .forms import (
    AdjustmentDecisionForm,
    AdjustmentForm,
    BudgetCreateForm,
    BudgetLinesForm,
    BudgetReviewForm,
    ComplianceForm,
    ExpenditureForm,
    FundingForm,
    MilestoneForm,
    MilestoneReportForm,
    ReasonForm,
    TaskForm,
)
from .models import Budget, BudgetAdjustment, Milestone
from .scoping import pilot_scope

tasks_required = require(scoping.sees_tasks)
budgets_required = require(scoping.sees_budgets)


# --- Pilot majors ---------------------------------------------------------------------------------


@tasks_required
def major_list(request):
    filterset = PilotMajorFilter(
        request.GET or None,
        queryset=selectors.pilot_major_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request, "pilot/major_list.html", filterset=filterset, export=exports.MajorExport()
    )


# --- Work tasks -----------------------------------------------------------------------------------


@tasks_required
def task_list(request):
    today = timezone.localdate()
    filterset = TaskFilter(
        request.GET or None,
        queryset=selectors.task_list(user=request.user, today=today),
        user=request.user,
    )
    return list_page(
        request,
        "pilot/task_list.html",
        filterset=filterset,
        export=exports.TaskExport(),
        context={
            "today": today,
            "may_create": bool(pilot_scope(request.user).institutions(Role.ACADEMIC_AFFAIRS)),
        },
    )


@tasks_required
def task_create(request):
    """A new work task, by academic affairs (the leading group's office, 领导小组办公室)."""
    institutions = sorted(pilot_scope(request.user).institutions(Role.ACADEMIC_AFFAIRS))
    if not institutions:
        raise PermissionDenied
    institution = Institution.objects.get(pk=institutions[0])
    form = TaskForm(request.POST or None, institution=institution)
    return form_page(
        request,
        "pilot/task_form.html",
        form,
        lambda data: services.task_create(actor=request.user, institution=institution, **data),
        then=lambda task: redirect("pilot:task-detail", pk=task.pk),
        success=_("已创建工作任务。"),
        context={"institution": institution},
    )


@tasks_required
def task_detail(request, pk):
    today = timezone.localdate()
    task = selectors.access_task(request.user, pk, today=today)
    scope = pilot_scope(request.user)
    milestones = list(task.milestones.all())
    return render(
        request,
        "pilot/task_detail.html",
        {
            "task": task,
            "milestones": milestones,
            "today": today,
            "done_count": sum(1 for m in milestones if m.status == "done"),
            "overdue_count": sum(1 for m in milestones if m.overdue),
            "may_manage": scope.manages_task(task),
            "may_report": scope.reports_on_task(task),
            "milestone_form": MilestoneForm(),
        },
    )


@tasks_required
def milestone_create(request, pk):
    task = selectors.access_task(request.user, pk)
    if not pilot_scope(request.user).manages_task(task):
        raise PermissionDenied
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.milestone_create(actor=request.user, task=task, **form.cleaned_data)
        messages.success(request, _("已添加进度节点。"))
        return redirect("pilot:task-detail", pk=task.pk)
    return render(request, "pilot/milestone_form.html", {"form": form, "task": task})


@tasks_required
def milestone_list(request):
    today = timezone.localdate()
    filterset = MilestoneFilter(
        request.GET or None,
        queryset=selectors.milestone_list(user=request.user, today=today),
        user=request.user,
        today=today,
    )
    return list_page(
        request,
        "pilot/milestone_list.html",
        filterset=filterset,
        export=exports.MilestoneExport(),
        context={"today": today},
    )


@tasks_required
def milestone_report(request, pk):
    """Report progress on a milestone, optionally with an evidence file (佐证材料)."""
    milestone = selectors.access_milestone(request.user, pk)
    if not pilot_scope(request.user).reports_on_task(milestone.task):
        raise PermissionDenied
    form = MilestoneReportForm(
        request.POST or None, request.FILES or None, initial={"progress": milestone.progress}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if milestone.status == Milestone.Status.DONE and data["file"]:
            # A done milestone still takes evidence; a report without a file goes to the
            # service, which refuses progress on it until reopened (ERR_MILESTONE_DONE).
            ok, _milestone = run_service(
                form,
                lambda: services.evidence_add(
                    actor=request.user, milestone=milestone, file=data["file"]
                ),
            )
        else:
            ok, _milestone = run_service(
                form,
                lambda: services.milestone_report(
                    actor=request.user,
                    milestone=milestone,
                    progress=data["progress"],
                    note=data["note"],
                    completed_on=data["completed_on"],
                    evidence=data["file"],
                ),
            )
        if ok:
            messages.success(request, _("已更新进度。"))
            return redirect("pilot:task-detail", pk=milestone.task_id)
    return render(
        request,
        "pilot/milestone_report.html",
        {"form": form, "milestone": milestone, "reopen_form": ReasonForm()},
    )


@require_POST
@tasks_required
def milestone_reopen(request, pk):
    milestone = selectors.access_milestone(request.user, pk)
    if not pilot_scope(request.user).manages_task(milestone.task):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    # A missing (or overlong) reason reaches the service blank: it refuses with ERR_REASON_REQUIRED.
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    ok, _milestone = run_action(
        request,
        lambda: services.milestone_reopen(actor=request.user, milestone=milestone, reason=reason),
    )
    if ok:
        messages.success(request, _("已重新打开该节点。"))
    return redirect("pilot:task-detail", pk=milestone.task_id)


@tasks_required
def evidence_download(request, pk):
    evidence = selectors.access_evidence(request.user, pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


# --- Budgets --------------------------------------------------------------------------------------


@budgets_required
def budget_list(request):
    filterset = BudgetFilter(
        request.GET or None, queryset=selectors.budget_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "pilot/budget_list.html",
        filterset=filterset,
        export=exports.BudgetExport(),
        context=lambda page: {
            "chart": exports.budget_chart(page.object_list),
            "may_create": pilot_scope(request.user).has(Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF),
        },
    )


@budgets_required
def budget_create(request):
    if not pilot_scope(request.user).has(Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF):
        raise PermissionDenied
    pilot_majors = selectors.budget_pilot_major_options(
        request.user, roles={Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF}
    )
    form = BudgetCreateForm(request.POST or None, pilot_majors=pilot_majors)
    return form_page(
        request,
        "pilot/budget_form.html",
        form,
        lambda data: services.budget_create(
            actor=request.user,
            pilot_major=data["pilot_major"],
            year=data["year"],
            amounts=form.amounts(),
            plan=data["plan"],
        ),
        then=lambda budget: redirect("pilot:budget-detail", pk=budget.pk),
        success=_("已创建预算草稿。"),
    )


def _budget_permissions(scope, budget) -> dict:
    return {
        "may_prepare": scope.prepares_budget(budget) and budget.is_editable,
        "may_review": scope.reviews_budget(budget) and budget.status == "under_review",
        "may_keep_accounts": scope.keeps_accounts(budget) and budget.status == "approved",
        "may_request": scope.requests_adjustment(budget) and budget.status == "approved",
        "may_decide": scope.decides_adjustment(budget),
    }


@budgets_required
def budget_detail(request, pk):
    budget = selectors.access_budget(request.user, pk)
    execution = selectors.budget_execution(budget)
    if wants_export(request):
        return exports.ExecutionExport(budget).response(execution)
    adjustments = [a for line in execution.lines for a in line.adjustments.all()]
    adjustments.sort(key=lambda a: (a.requested_at, a.pk), reverse=True)
    return render(
        request,
        "pilot/budget_detail.html",
        {
            "budget": budget,
            "execution": execution,
            "adjustments": adjustments,
            "expenditures": selectors.budget_expenditures(budget),
            "expenditure_url": reverse("pilot:expenditure-list")
            + "?"
            + urlencode({"pilot_major": budget.pilot_major_id, "year": budget.year}),
            "chart": exports.line_chart(execution),
            "user_id": request.user.pk,
            **_budget_permissions(pilot_scope(request.user), budget),
        },
    )


@budgets_required
def budget_edit(request, pk):
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).prepares_budget(budget):
        raise PermissionDenied
    if not budget.is_editable:
        messages.error(
            request,
            services.ERR_BUDGET_NOT_EDITABLE.format(status=budget.get_status_display()),
        )
        return redirect("pilot:budget-detail", pk=budget.pk)
    initial = {line.category: line.amount for line in budget.lines.all()}
    form = BudgetLinesForm(
        request.POST or None, initial={"plan": budget.plan}, initial_amounts=initial
    )
    return form_page(
        request,
        "pilot/budget_form.html",
        form,
        lambda data: services.budget_update(
            actor=request.user,
            budget=budget,
            amounts=form.amounts(),
            plan=data["plan"],
        ),
        then=lambda _budget: redirect("pilot:budget-detail", pk=budget.pk),
        success=_("已保存预算。"),
        context={"budget": budget},
    )


@require_POST
@budgets_required
def budget_submit(request, pk):
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).prepares_budget(budget):
        raise PermissionDenied
    ok, _budget = run_action(
        request, lambda: services.budget_submit(actor=request.user, budget=budget)
    )
    if ok:
        messages.success(request, _("已提交专家论证。"))
    return redirect("pilot:budget-detail", pk=budget.pk)


@budgets_required
def budget_review(request, pk):
    """Record the expert review (专家论证) of a budget under review."""
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).reviews_budget(budget):
        raise PermissionDenied
    if budget.status != Budget.Status.UNDER_REVIEW:
        messages.error(
            request,
            services.ERR_BUDGET_NOT_UNDER_REVIEW.format(status=budget.get_status_display()),
        )
        return redirect("pilot:budget-detail", pk=budget.pk)
    form = BudgetReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    return form_page(
        request,
        "pilot/budget_review.html",
        form,
        lambda data: services.budget_review(actor=request.user, budget=budget, **data),
        then=lambda _budget: redirect("pilot:budget-detail", pk=budget.pk),
        success=_("已登记论证结论。"),
        context={"budget": budget},
    )


@budgets_required
def funding_create(request, pk):
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).keeps_accounts(budget):
        raise PermissionDenied
    form = FundingForm(request.POST or None)
    return form_page(
        request,
        "pilot/budget_action_form.html",
        form,
        lambda data: services.funding_record(actor=request.user, budget=budget, **data),
        then=lambda _funding: redirect("pilot:budget-detail", pk=budget.pk),
        success=_("已登记资金来源。"),
        context={"budget": budget, "heading": _("登记资金来源")},
    )


@budgets_required
def expenditure_create(request, pk):
    """The finance office (财务处) records an expenditure against a category."""
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).keeps_accounts(budget):
        raise PermissionDenied
    form = ExpenditureForm(request.POST or None, budget=budget)
    if request.method == "POST" and form.is_valid():
        ok, _expenditure = run_service(
            form,
            lambda: services.expenditure_record(actor=request.user, **form.cleaned_data),
            fields={"voucher_reused": "confirm_reuse"},
        )
        if form.has_error("confirm_reuse") or form.cleaned_data.get("confirm_reuse"):
            form.offer_confirm_reuse()
        if ok:
            messages.success(request, _("已登记支出。"))
            if "another" in request.POST:
                return redirect("pilot:expenditure-create", pk=budget.pk)
            return redirect("pilot:budget-detail", pk=budget.pk)
    return render(
        request,
        "pilot/budget_action_form.html",
        {"form": form, "budget": budget, "heading": _("登记支出"), "another": True},
    )


@budgets_required
def expenditure_list(request):
    filterset = ExpenditureFilter(
        request.GET or None,
        queryset=selectors.expenditure_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request,
        "pilot/expenditure_list.html",
        filterset=filterset,
        export=exports.ExpenditureExport(),
    )


@budgets_required
def adjustment_create(request, pk):
    budget = selectors.access_budget(request.user, pk)
    if not pilot_scope(request.user).requests_adjustment(budget):
        raise PermissionDenied
    form = AdjustmentForm(request.POST or None, budget=budget)
    return form_page(
        request,
        "pilot/budget_action_form.html",
        form,
        lambda data: services.adjustment_request(actor=request.user, **data),
        then=lambda _adjustment: redirect("pilot:budget-detail", pk=budget.pk),
        success=_("已提交预算调整申请。"),
        context={"budget": budget, "heading": _("申请预算调整")},
    )


@require_POST
@budgets_required
def adjustment_decide(request, pk):
    adjustment = selectors.access_adjustment(request.user, pk)
    budget = adjustment.line.budget
    if not pilot_scope(request.user).decides_adjustment(budget):
        raise PermissionDenied
    form = AdjustmentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回。"))
        return redirect("pilot:budget-detail", pk=budget.pk)
    decide = (
        services.adjustment_approve
        if form.cleaned_data["decision"] == BudgetAdjustment.Status.APPROVED
        else services.adjustment_reject
    )
    ok, _adjustment = run_action(
        request,
        lambda: decide(
            actor=request.user, adjustment=adjustment, comment=form.cleaned_data["comment"]
        ),
    )
    if ok:
        messages.success(request, _("已处理预算调整申请。"))
    return redirect("pilot:budget-detail", pk=budget.pk)


# --- Examiner compliance --------------------------------------------------------------------------
# The readers of the teacher team open it (``faculty.views.read_required``), at the address it
# has always had under the teacher team's pages (``pilot/urls.py``).


@faculty_read_required
def compliance(request):
    """每个试点专业至少 3 名教师持有效考评员资格 (seed 四(四)2), on a day (today by default)."""
    form = ComplianceForm(request.GET or None)
    on_date = None
    if form.is_valid():
        on_date = form.cleaned_data["on"]
    on_date = on_date or timezone.localdate()
    rows = selectors.compliance_rows(user=request.user, on_date=on_date)
    if wants_export(request):
        return exports.ComplianceExport(on_date).response(rows)
    return render(
        request,
        "pilot/compliance.html",
        {
            "form": form,
            "rows": rows,
            "on_date": on_date,
            "chart": exports.compliance_chart(rows),
            "minimum": selectors.MIN_EXAMINERS,
            "warning_days": selectors.WARNING_DAYS,
            "counts": {
                status: sum(1 for row in rows if row.status == status)
                for status in ("ok", "warning", "short")
            },
        },
    )
