"""Filter bars of the credit bank lists, with choices limited to the user's scope.

A filter that does not validate (a curriculum outside the scope) shows its error and matches
nothing: silently dropping it would list everything.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Curriculum
from xbank.core.forms import FilterForm
from xbank.learners.selectors import institution_options

from .choices import curriculum_options
from .models import ConversionRule, CreditEntry, RecognitionBatch, RecognitionRequest

REGIONAL = "regional"


class CurriculumFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("年级（人才培养方案）"))
        kwargs.setdefault("empty_label", _("全部年级"))
        kwargs.setdefault("queryset", Curriculum.objects.none())
        super().__init__(**kwargs)


class ScopedFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        if "curriculum" in self.filters:
            self.filters["curriculum"].queryset = curriculum_options(user)

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


class RuleFilter(ScopedFilterSet):
    institution = django_filters.ChoiceFilter(
        label=_("所属"), empty_label=_("全部"), method="filter_institution"
    )
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书类型"), queryset=CertificateType.objects.all(), empty_label=_("全部证书")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=ConversionRule.Status.choices, empty_label=_("全部状态")
    )
    q = django_filters.CharFilter(label=_("编号或名称"), method="filter_q")

    class Meta:
        model = ConversionRule
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["institution"].extra["choices"] = [
            (REGIONAL, _("区域学分银行（互认）")),
            *((str(i.pk), i.name) for i in institution_options(user).order_by("code")),
        ]

    def filter_institution(self, queryset, name, value):
        if value == REGIONAL:
            return queryset.filter(institution__isnull=True)
        return queryset.filter(institution_id=value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class RequestFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=RecognitionRequest.Status.choices, empty_label=_("全部状态")
    )
    curriculum = CurriculumFilter()
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"),
        queryset=CertificateType.objects.all(),
        empty_label=_("全部证书"),
        method="filter_certificate_type",
    )
    origin = django_filters.ChoiceFilter(
        label=_("来源"), choices=RecognitionRequest.Origin.choices, empty_label=_("全部来源")
    )
    name = django_filters.CharFilter(
        label=_("姓名"), field_name="learner__account__name", lookup_expr="icontains"
    )
    student_no = django_filters.CharFilter(label=_("学号"), field_name="learner__student_no")
    # The learner page's link (相关记录): one person's rows, within what the list shows anyway.
    account = django_filters.NumberFilter(
        label=_("学习账户"), field_name="learner__account", widget=forms.HiddenInput
    )

    class Meta:
        model = RecognitionRequest
        fields: list[str] = []
        form = FilterForm

    def filter_certificate_type(self, queryset, name, value):
        # A subquery, not a join: a request with two outcomes of the type stays one row.
        holders = RecognitionRequest.outcomes.through.objects.filter(
            learningoutcome__certificate_type=value
        ).values("recognitionrequest_id")
        return queryset.filter(pk__in=holders)


class BatchFilter(ScopedFilterSet):
    curriculum = CurriculumFilter()
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书"), queryset=CertificateType.objects.all(), empty_label=_("全部证书")
    )

    class Meta:
        model = RecognitionBatch
        fields: list[str] = []
        form = FilterForm


class LedgerFilterForm(FilterForm):
    """Filters of the ledger page (rows are filtered after the running balance is computed)."""

    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型"))] + CreditEntry.Kind.choices
    )
    curriculum = forms.ModelChoiceField(
        label=_("人才培养方案"),
        queryset=Curriculum.objects.none(),
        required=False,
        empty_label=_("全部"),
    )

    def __init__(self, *args, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula

    def keep(self, row) -> bool:
        if not self.is_valid():
            return False
        kind, curriculum = self.cleaned_data["kind"], self.cleaned_data["curriculum"]
        entry = row.entry
        if kind and entry.kind != kind:
            return False
        return curriculum is None or entry.curriculum_id == curriculum.pk


class GraduationFilterForm(FilterForm):
    curriculum = forms.ModelChoiceField(
        label=_("年级（人才培养方案）"),
        queryset=Curriculum.objects.none(),
        required=False,
        empty_label=_("请选择"),
    )
    result = forms.ChoiceField(
        label=_("审核结论"),
        required=False,
        choices=[("", _("全部")), ("meets", _("符合毕业要求")), ("fails", _("不符合"))],
    )
    name = forms.CharField(label=_("姓名或学号"), required=False)

    def __init__(self, *args, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula

    def keep(self, row) -> bool:
        result, name = self.cleaned_data.get("result"), self.cleaned_data.get("name", "").strip()
        if result == "meets" and not row.meets:
            return False
        if result == "fails" and row.meets:
            return False
        if name and name not in row.learner.account.name and name != row.learner.student_no:
            return False
        return True
