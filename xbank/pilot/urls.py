from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "pilot"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="pilot:task-list"), name="index"),
    path("majors/", views.major_list, name="major-list"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("milestones/", views.milestone_list, name="milestone-list"),
    path("milestones/<int:pk>/report/", views.milestone_report, name="milestone-report"),
    path("milestones/<int:pk>/reopen/", views.milestone_reopen, name="milestone-reopen"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("budgets/", views.budget_list, name="budget-list"),
    path("budgets/new/", views.budget_create, name="budget-create"),
    path("budgets/<int:pk>/", views.budget_detail, name="budget-detail"),
    path("budgets/<int:pk>/edit/", views.budget_edit, name="budget-edit"),
    path("budgets/<int:pk>/submit/", views.budget_submit, name="budget-submit"),
    path("budgets/<int:pk>/review/", views.budget_review, name="budget-review"),
    path("budgets/<int:pk>/funding/new/", views.funding_create, name="funding-create"),
    path("budgets/<int:pk>/expenditures/new/", views.expenditure_create, name="expenditure-create"),
    path("budgets/<int:pk>/adjustments/new/", views.adjustment_create, name="adjustment-create"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment-decide"),
    path("expenditures/", views.expenditure_list, name="expenditure-list"),
]
