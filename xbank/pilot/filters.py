"""Filter bars of the pilot lists (django-filter); choices are limited to the user's scope.

A filter that does not validate matches nothing, as on the other lists.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType
from xbank.core.forms import FilterForm
from xbank.orgs.models import Department

from . import selectors
from .models import Budget, BudgetCategory, Expenditure, Milestone, PilotMajor, WorkTask


class DepartmentChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("部门"),
            queryset=Department.objects.none(),
            empty_label=_("全部部门"),
            **kwargs,
        )


class OverdueFilter(django_filters.BooleanFilter):
    """A checkbox: ticked shows only overdue rows; unticked shows all."""

    def __init__(self, **kwargs):
        super().__init__(label=_("仅看逾期"), widget=forms.CheckboxInput, **kwargs)


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class PilotFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


def _department_tasks(department) -> Q:
    """Tasks the department leads or implements (subqueries: no duplicate rows)."""
    return Q(
        pk__in=WorkTask.lead_departments.through.objects.filter(department=department).values(
            "worktask_id"
        )
    ) | Q(
        pk__in=WorkTask.implementing_departments.through.objects.filter(
            department=department
        ).values("worktask_id")
    )


class TaskFilter(PilotFilterSet):
    title = django_filters.CharFilter(label=_("工作任务"), lookup_expr="icontains")
    department = DepartmentChoiceFilter(method="filter_department")
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        field_name="task_status",
        choices=Milestone.Status.choices,
        empty_label=_("全部状态"),
    )
    overdue = OverdueFilter(method="filter_overdue")

    class Meta:
        model = WorkTask
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["department"].queryset = selectors.task_department_options(user)

    def filter_department(self, queryset, name, value):
        return queryset.filter(_department_tasks(value))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_count__gt=0) if value else queryset


class MilestoneFilter(PilotFilterSet):
    department = DepartmentChoiceFilter(method="filter_department")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Milestone.Status.choices, empty_label=_("全部状态")
    )
    year = YearFilter(label=_("计划年份"), field_name="due_on", lookup_expr="year")
    overdue = OverdueFilter(method="filter_overdue")

    class Meta:
        model = Milestone
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.today = today
        self.filters["department"].queryset = selectors.task_department_options(user)

    def filter_department(self, queryset, name, value):
        return queryset.filter(task__in=WorkTask.objects.filter(_department_tasks(value)))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue_q(self.today)) if value else queryset


class PilotMajorFilter(PilotFilterSet):
    name = django_filters.CharFilter(
        label=_("专业"), field_name="major__name", lookup_expr="icontains"
    )
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("试点证书"),
        field_name="certificate_types",
        queryset=CertificateType.objects.filter(kind=CertificateType.Kind.SKILL_LEVEL),
        empty_label=_("全部证书"),
    )

    class Meta:
        model = PilotMajor
        fields: list[str] = []
        form = FilterForm


class BudgetFilter(PilotFilterSet):
    year = YearFilter(label=_("年度"), field_name="year")
    pilot_major = django_filters.ModelChoiceFilter(
        label=_("试点专业"), queryset=PilotMajor.objects.none(), empty_label=_("全部试点专业")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Budget.Status.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = Budget
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["pilot_major"].queryset = selectors.budget_pilot_major_options(user)
        self.filters["pilot_major"].field.label_from_instance = lambda p: str(p.major)


class ExpenditureFilter(PilotFilterSet):
    pilot_major = django_filters.ModelChoiceFilter(
        label=_("试点专业"),
        field_name="line__budget__pilot_major",
        queryset=PilotMajor.objects.none(),
        empty_label=_("全部试点专业"),
    )
    year = YearFilter(label=_("预算年度"), field_name="line__budget__year")
    category = django_filters.ChoiceFilter(
        label=_("经费用途"),
        field_name="line__category",
        choices=BudgetCategory.choices,
        empty_label=_("全部用途"),
    )
    spent_from = django_filters.DateFilter(
        label=_("支出日期起"),
        field_name="spent_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    spent_to = django_filters.DateFilter(
        label=_("支出日期止"),
        field_name="spent_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    voucher_no = django_filters.CharFilter(label=_("凭证号"), lookup_expr="icontains")

    class Meta:
        model = Expenditure
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["pilot_major"].queryset = selectors.budget_pilot_major_options(user)
        self.filters["pilot_major"].field.label_from_instance = lambda p: str(p.major)
