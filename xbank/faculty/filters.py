"""Filter bars of the teacher team's lists (django-filter), choices limited to the user's scope.

A filter that does not validate shows its error and matches nothing, as on the other lists.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.filters import UserFilterSet
from xbank.catalog.models import CertificateType
from xbank.core.forms import FilterForm
from xbank.orgs.models import Major, School

from .models import Teacher, TeacherTraining, TitleRank
from .queries import has_valid_qualification, major_options, school_options

YES_NO = [("yes", _("是")), ("no", _("否"))]


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class MajorChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("专业"), queryset=Major.objects.none(), empty_label=_("全部专业"), **kwargs
        )


class SchoolChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("二级学院"),
            queryset=School.objects.none(),
            empty_label=_("全部二级学院"),
            **kwargs,
        )


def _certificate_filter(**kwargs):
    return django_filters.ModelChoiceFilter(
        label=_("证书"),
        queryset=CertificateType.objects.exclude(kind=CertificateType.Kind.DIPLOMA).order_by(
            "kind", "name"
        ),
        empty_label=_("全部证书"),
        **kwargs,
    )


class FacultyFilterSet(UserFilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "school" in self.filters:
            self.filters["school"].queryset = school_options(self.user)
        if "major" in self.filters:
            self.filters["major"].queryset = major_options(self.user)

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


class TeacherFilter(FacultyFilterSet):
    q = django_filters.CharFilter(label=_("姓名或工号"), method="filter_q")
    school = SchoolChoiceFilter(field_name="school")
    major = MajorChoiceFilter(field_name="major")
    kind = django_filters.ChoiceFilter(
        label=_("教师类别"), choices=Teacher.Kind.choices, empty_label=_("全部类别")
    )
    title_rank = django_filters.ChoiceFilter(
        label=_("职称等级"), choices=TitleRank.choices, empty_label=_("全部职称")
    )
    dual = django_filters.ChoiceFilter(
        label=_("双师型"), choices=YES_NO, empty_label=_("全部"), method="filter_dual"
    )
    examiner = django_filters.ChoiceFilter(
        label=_("有效考评员资格"), choices=YES_NO, empty_label=_("全部"), method="filter_examiner"
    )
    certificate_type = _certificate_filter(method="filter_certificate")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Teacher.Status.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = Teacher
        fields: list[str] = []
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(staff_no__icontains=value))

    def filter_dual(self, queryset, name, value):
        return queryset.filter(dual_qualified=(value == "yes"))

    def filter_examiner(self, queryset, name, value):
        return queryset.filter(has_examiner=(value == "yes"))

    def filter_certificate(self, queryset, name, value):
        """Teachers whose login holds a qualification for this certificate valid today."""
        return queryset.filter(has_valid_qualification(timezone.localdate(), [value]))


class TrainingFilter(FacultyFilterSet):
    q = django_filters.CharFilter(label=_("教师或培训项目"), method="filter_q")
    school = SchoolChoiceFilter(field_name="teacher__school")
    major = MajorChoiceFilter(field_name="teacher__major")
    certificate_type = _certificate_filter(field_name="certificate_type")
    year = YearFilter(label=_("年份"), field_name="start_date", lookup_expr="year")
    kind = django_filters.ChoiceFilter(
        label=_("教师类别"),
        field_name="teacher__kind",
        choices=Teacher.Kind.choices,
        empty_label=_("全部类别"),
    )

    class Meta:
        model = TeacherTraining
        fields: list[str] = []
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(teacher__name__icontains=value)
            | Q(teacher__staff_no__icontains=value)
            | Q(programme__icontains=value)
            | Q(organiser__icontains=value)
        )
