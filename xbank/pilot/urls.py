from django.urls import path
from django.views.generic import RedirectView

from . import views

# Mounted at the root (``xbank/urls.py``): the examiner compliance of the pilot majors keeps the
# address it had among the teacher team's pages.
app_name = "pilot"
urlpatterns = [
    path("pilot/", RedirectView.as_view(pattern_name="pilot:task-list"), name="index"),
    path("pilot/majors/", views.major_list, name="major-list"),
    path("pilot/tasks/", views.task_list, name="task-list"),
    path("pilot/tasks/new/", views.task_create, name="task-create"),
    path("pilot/tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("pilot/tasks/<int:pk>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("pilot/milestones/", views.milestone_list, name="milestone-list"),
    path("pilot/milestones/<int:pk>/report/", views.milestone_report, name="milestone-report"),
    path("pilot/milestones/<int:pk>/reopen/", views.milestone_reopen, name="milestone-reopen"),
    path("pilot/evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("pilot/budgets/", views.budget_list, name="budget-list"),
    path("pilot/budgets/new/", views.budget_create, name="budget-create"),
    path("pilot/budgets/<int:pk>/", views.budget_detail, name="budget-detail"),
    path("pilot/budgets/<int:pk>/edit/", views.budget_edit, name="budget-edit"),
    path("pilot/budgets/<int:pk>/submit/", views.budget_submit, name="budget-submit"),
    path("pilot/budgets/<int:pk>/review/", views.budget_review, name="budget-review"),
    path("pilot/budgets/<int:pk>/funding/new/", views.funding_create, name="funding-create"),
    path(
        "pilot/budgets/<int:pk>/expenditures/new/",
        views.expenditure_create,
        name="expenditure-create",
    ),
    path(
        "pilot/budgets/<int:pk>/adjustments/new/", views.adjustment_create, name="adjustment-create"
    ),
    path("pilot/adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment-decide"),
    path("pilot/expenditures/", views.expenditure_list, name="expenditure-list"),
    path("faculty/compliance/", views.compliance, name="examiner-compliance"),
]
