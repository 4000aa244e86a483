"""Filter bar of the targets list (django-filter), with choices limited to what the user reads.

A filter that does not validate matches nothing, as on the other lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xbank.accounts.access import Viewer
from xbank.core.forms import FilterForm
from xbank.orgs.models import Department
from xbank.pilot.models import PilotMajor

from .access import performance_scope
from .models import Indicator, IndicatorTarget, Metric
from .options import department_options, pilot_major_options


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TargetFilter(django_filters.FilterSet):
    year = YearFilter(label=_("年度"), min_value=2000, max_value=2100)
    indicator = django_filters.ModelChoiceFilter(
        label=_("绩效指标"), queryset=Indicator.objects.none(), empty_label=_("全部指标")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("职能部门"), queryset=Department.objects.none(), empty_label=_("全部部门")
    )
    pilot_major = django_filters.ModelChoiceFilter(
        label=_("试点专业"), queryset=PilotMajor.objects.none(), empty_label=_("全部试点专业")
    )

    class Meta:
        model = IndicatorTarget
        fields: list[str] = []
        form = FilterForm

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[IndicatorTarget] | None = None,
        *,
        user: Viewer,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters["indicator"].queryset = Indicator.objects.filter(
            performance_scope(user).indicators()
        ).order_by("institution__code", "position", "id")
        self.filters["department"].queryset = department_options(user)
        self.filters["pilot_major"].queryset = pilot_major_options(user)
        # Two colleges both have a 教务处: name the college in the choices.
        self.form.fields["department"].label_from_instance = lambda d: (
            f"{d.institution.short_name or d.institution.name} · {d.name}"
        )

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


class IndicatorFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("指标名称"), lookup_expr="icontains")
    metric = django_filters.ChoiceFilter(
        label=_("统计口径"), choices=Metric.choices, empty_label=_("全部口径")
    )
    is_active = django_filters.BooleanFilter(label=_("仅看启用"), method="filter_active",
                                             widget=forms.CheckboxInput)  # fmt: skip

    class Meta:
        model = Indicator
        fields: list[str] = []
        form = FilterForm

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=True) if value else queryset

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)
