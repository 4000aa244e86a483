"""Filter bars of the catalogue lists (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.core.forms import FilterForm
from xbank.orgs.models import Major

from . import selectors
from .models import CertificateType, CourseStandardMap, Curriculum, StandardModule


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class CertificateTypeFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("证书名称"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(
        label=_("类别"), choices=CertificateType.Kind.choices, empty_label=_("全部类别")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=CertificateType.Status.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = CertificateType
        fields: list[str] = []
        form = FilterForm


class CurriculumFilter(django_filters.FilterSet):
    major = django_filters.ModelChoiceFilter(
        label=_("专业"), queryset=Major.objects.none(), empty_label=_("全部专业")
    )
    cohort_year = YearFilter(label=_("年级"), min_value=1900, max_value=2999)

    class Meta:
        model = Curriculum
        fields: list[str] = []
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["major"].queryset = selectors.curriculum_major_options(user)

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


class CoverageFilter(CurriculumFilter):
    """The coverage list (课证融合): curricula, optionally only one certificate's rows."""

    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"),
        queryset=CertificateType.objects.none(),
        empty_label=_("全部证书"),
        method="filter_certificate_type",
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        self.filters["certificate_type"].queryset = CertificateType.objects.filter(
            pk__in=StandardModule.objects.values("certificate_type_id")
        ).order_by("kind", "name")

    def filter_certificate_type(self, queryset, name, value):
        # A curriculum that requires the certificate or already maps a course to it (subqueries:
        # a join would multiply the list's annotated counts).
        requiring = Curriculum.required_certificates.through.objects.filter(certificatetype=value)
        mapping = CourseStandardMap.objects.filter(standard_module__certificate_type=value)
        return queryset.filter(
            Q(pk__in=requiring.values("curriculum_id")) | Q(pk__in=mapping.values("curriculum_id"))
        )
