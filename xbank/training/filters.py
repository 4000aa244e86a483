"""Filter bars of the training lists and statistics (django-filter), choices limited to scope.

A filter that does not validate shows its error and matches nothing (as in the learner lists).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from xbank.accounts.filters import UserFilterSet
from xbank.catalog.models import CertificateType
from xbank.core.forms import FilterForm
from xbank.learners import selectors as learner_selectors
from xbank.orgs.models import Institution, Major, School

from .models import Audience, Enrollment, PlaceKind, TrainingProgram


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class _ScopedFilterSet(UserFilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "institution" in self.filters:
            self.filters["institution"].queryset = learner_selectors.institution_options(self.user)
        if "school" in self.filters:
            self.filters["school"].queryset = learner_selectors.school_options(self.user)
        if "major" in self.filters:
            self.filters["major"].queryset = learner_selectors.major_options(self.user)
        if "certificate_type" in self.filters:
            self.filters["certificate_type"].queryset = CertificateType.objects.filter(
                training_programs__isnull=False
            ).distinct()

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


class ProgramFilter(_ScopedFilterSet):
    title = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"), queryset=CertificateType.objects.none(), empty_label=_("全部证书")
    )
    year = YearFilter(
        label=_("年度"), field_name="end_date", lookup_expr="year", min_value=2000, max_value=2999
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=TrainingProgram.Status.choices, empty_label=_("全部状态")
    )
    audience = django_filters.ChoiceFilter(
        label=_("招生对象"), choices=Audience.choices, empty_label=_("全部对象")
    )
    place_kind = django_filters.ChoiceFilter(
        label=_("地点"), choices=PlaceKind.choices, empty_label=_("全部地点")
    )
    partner = django_filters.CharFilter(label=_("合作项目"), lookup_expr="icontains")
    institution = django_filters.ModelChoiceFilter(
        label=_("院校"), queryset=Institution.objects.none(), empty_label=_("全部院校")
    )

    class Meta:
        model = TrainingProgram
        fields: list[str] = []
        form = FilterForm


class EnrollmentFilter(_ScopedFilterSet):
    name = django_filters.CharFilter(
        label=_("姓名"), field_name="account__name", lookup_expr="icontains"
    )
    program = django_filters.CharFilter(
        label=_("培训项目"), field_name="program__title", lookup_expr="icontains"
    )
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"),
        field_name="program__certificate_type",
        queryset=CertificateType.objects.none(),
        empty_label=_("全部证书"),
    )
    year = YearFilter(
        label=_("年度"),
        field_name="program__end_date",
        lookup_expr="year",
        min_value=2000,
        max_value=2999,
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Enrollment.Status.choices, empty_label=_("全部状态")
    )
    channel = django_filters.ChoiceFilter(
        label=_("报名方式"), choices=Enrollment.Channel.choices, empty_label=_("全部方式")
    )
    school = django_filters.ModelChoiceFilter(
        label=_("二级学院"),
        field_name="learner__school",
        queryset=School.objects.none(),
        empty_label=_("全部二级学院"),
    )
    major = django_filters.ModelChoiceFilter(
        label=_("专业"),
        field_name="learner__major",
        queryset=Major.objects.none(),
        empty_label=_("全部专业"),
    )
    # The learner page's link (相关记录): one person's rows, within what the list shows anyway.
    account = django_filters.NumberFilter(
        label=_("学习账户"), field_name="account", widget=forms.HiddenInput
    )

    class Meta:
        model = Enrollment
        fields: list[str] = []
        form = FilterForm

    def filter_queryset(self, queryset):
        """The filters of the form, and ``program_id`` (no field of the form): the export link of
        a program's page asks for that program's registrations."""
        queryset = super().filter_queryset(queryset)
        program_id = self.data.get("program_id", "")
        if program_id.isdigit():
            queryset = queryset.filter(program_id=int(program_id))
        return queryset


class StatsFilter(_ScopedFilterSet):
    """Filters of the statistics page; the grouping is chosen separately (``group``)."""

    year = YearFilter(
        label=_("年度"),
        field_name="program__end_date",
        lookup_expr="year",
        min_value=2000,
        max_value=2999,
    )
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"),
        field_name="program__certificate_type",
        queryset=CertificateType.objects.none(),
        empty_label=_("全部证书"),
    )
    audience = django_filters.ChoiceFilter(
        label=_("招生对象"),
        field_name="program__audience",
        choices=Audience.choices,
        empty_label=_("全部对象"),
    )
    place_kind = django_filters.ChoiceFilter(
        label=_("地点"),
        field_name="program__place_kind",
        choices=PlaceKind.choices,
        empty_label=_("全部地点"),
    )
    partner = django_filters.CharFilter(
        label=_("合作项目"), field_name="program__partner", lookup_expr="icontains"
    )

    class Meta:
        model = Enrollment
        fields: list[str] = []
        form = FilterForm
