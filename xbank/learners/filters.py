"""Filter bars of the learner and outcome lists (django-filter), with choices limited to scope.

A filter that does not validate (an ID number with a wrong check digit, a school outside the
user's scope) shows its error and matches nothing: silently dropping it would list everyone.

A document number never travels in a URL (access logs, browser history, Referer): the learner
list's filter bar is posted, and the view redirects to the same filters with the number replaced
by its keyed hash (``id``), which every link of the page (pagination, sorting, exports) carries.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from xbank.accounts.filters import UserFilterSet
from xbank.catalog.models import CertificateType
from xbank.core.forms import FilterForm
from xbank.orgs.models import Institution, Major, School

from .fields import DocumentNumberField
from .models import Learner, LearningOutcome, OutcomeKind, account_id_hash, held_certificates_q
from .scoping import institution_options, major_options, school_options


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DocumentNumberFilter(django_filters.CharFilter):
    field_class = DocumentNumberField


_KEYED_HASH = re.compile(r"[0-9a-f]{64}")


class KeyedHashesField(forms.CharField):
    """Comma-separated keyed hashes of the documents a typed number can be (see ``id_hash``)."""

    widget = forms.HiddenInput

    def clean(self, value) -> list[str] | None:
        value = super().clean(value)
        if not value:
            return None
        hashes = value.split(",")
        if not all(_KEYED_HASH.fullmatch(h) for h in hashes):
            raise forms.ValidationError(_("证件号筛选条件无效，请重新输入证件号查询"))
        return hashes


class KeyedHashesFilter(django_filters.CharFilter):
    field_class = KeyedHashesField


class ScopedFilterSet(UserFilterSet):
    """Institution, school and major choices are those in the user's scope."""

    SORTS: dict[str, tuple[str, ...]] = {}  # the "sort" choice → order_by fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "institution" in self.filters:
            self.filters["institution"].queryset = institution_options(self.user)
        if "school" in self.filters:
            self.filters["school"].queryset = school_options(self.user)
        if "major" in self.filters:
            self.filters["major"].queryset = major_options(self.user)

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)

    def sort(self, queryset, name, value):
        return queryset.order_by(*self.SORTS[value])


class LearnerFilter(ScopedFilterSet):
    SORTS = {
        "name": ("account__name_pinyin", "id"),
        "-name": ("-account__name_pinyin", "-id"),
        "student_no": ("student_no", "id"),
        "-student_no": ("-student_no", "-id"),
        "cohort": ("cohort_year", "account__name_pinyin", "id"),
        "-cohort": ("-cohort_year", "account__name_pinyin", "id"),
    }

    name = django_filters.CharFilter(
        label=_("姓名"), field_name="account__name", lookup_expr="icontains"
    )
    id_number = DocumentNumberFilter(label=_("证件号"), method="filter_id_number")
    id = KeyedHashesFilter(label=_("证件号（已隐去）"), method="filter_id_hash")
    student_no = django_filters.CharFilter(label=_("学号"), field_name="student_no")
    kind = django_filters.ChoiceFilter(
        label=_("类别"), choices=Learner.Kind.choices, empty_label=_("全部类别")
    )
    institution = django_filters.ModelChoiceFilter(
        label=_("院校"), queryset=Institution.objects.none(), empty_label=_("全部院校")
    )
    school = django_filters.ModelChoiceFilter(
        label=_("二级学院"), queryset=School.objects.none(), empty_label=_("全部二级学院")
    )
    major = django_filters.ModelChoiceFilter(
        label=_("专业"), queryset=Major.objects.none(), empty_label=_("全部专业")
    )
    cohort_year = YearFilter(label=_("年级"), min_value=1900, max_value=2999)
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Learner.Status.choices, empty_label=_("全部状态")
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"),
        method="sort",
        empty_label=_("按姓名拼音"),
        choices=[
            ("-name", _("按姓名拼音（倒序）")),
            ("student_no", _("按学号")),
            ("-student_no", _("按学号（倒序）")),
            ("cohort", _("按年级")),
            ("-cohort", _("按年级（新→旧）")),
        ],
    )

    class Meta:
        model = Learner
        fields: list[str] = []
        form = FilterForm

    def filter_id_number(self, queryset, name, documents):
        """Exact match through the keyed hash: no row is decrypted to search."""
        return queryset.filter(account__id_hash__in=[account_id_hash(d) for d in documents])

    def filter_id_hash(self, queryset, name, hashes):
        return queryset.filter(account__id_hash__in=hashes)

    def url_params(self) -> dict[str, str]:
        """The bound filters as URL parameters, a document number replaced by its keyed hash.

        Call only on a valid filter set. Empty values are left out, as a GET form would.
        """
        params = {
            name: value
            for name, value in self.form.data.items()
            if name in self.filters and name not in {"id_number", "page"} and value
        }
        documents = self.form.cleaned_data.get("id_number")
        if documents:
            params["id"] = ",".join(dict.fromkeys(account_id_hash(d) for d in documents))
        return params

    def describe(self) -> str:
        """The filters in words, for an export request and its audit entry: never a number."""
        parts = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", []) or name == "sort":
                continue
            field = self.form.fields[name]
            label = field.label
            if name in {"id_number", "id"}:
                label, text = _("证件号"), _("指定证件号（号码已隐去）")
            elif hasattr(field, "choices") and not hasattr(value, "pk"):
                text = dict(field.choices).get(value, value)
            else:
                text = value
            parts.append(f"{label}：{text}")
        return "；".join(str(p) for p in dict.fromkeys(parts)) or str(_("全部（本人权限范围内）"))


class OutcomeFilter(ScopedFilterSet):
    SORTS = {
        "-issued_on": ("-issued_on", "-id"),
        "issued_on": ("issued_on", "id"),
        "name": ("account__name_pinyin", "-issued_on", "-id"),
    }

    name = django_filters.CharFilter(
        label=_("姓名"), field_name="account__name", lookup_expr="icontains"
    )
    title = django_filters.CharFilter(label=_("成果名称"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(
        label=_("成果类型"), choices=OutcomeKind.choices, empty_label=_("全部类型")
    )
    certificate_type = django_filters.ModelChoiceFilter(
        label=_("证书类型"),
        queryset=CertificateType.objects.all(),
        empty_label=_("全部证书"),
        null_label=_("（未关联证书类型）"),
        null_value="none",
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=LearningOutcome.Status.choices, empty_label=_("全部状态")
    )
    year = YearFilter(
        label=_("取得年份"), field_name="issued_on", lookup_expr="year", min_value=1900
    )
    institution = django_filters.ModelChoiceFilter(
        label=_("院校"),
        queryset=Institution.objects.none(),
        empty_label=_("全部院校"),
        method="filter_learner_org",
    )
    school = django_filters.ModelChoiceFilter(
        label=_("二级学院"),
        queryset=School.objects.none(),
        empty_label=_("全部二级学院"),
        method="filter_learner_org",
    )
    major = django_filters.ModelChoiceFilter(
        label=_("专业"),
        queryset=Major.objects.none(),
        empty_label=_("全部专业"),
        method="filter_learner_org",
    )
    held = django_filters.BooleanFilter(
        label=_("仅在持证书（不含已撤销）"), method="filter_held", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"),
        method="sort",
        empty_label=_("按取得日期（新→旧）"),
        choices=[("issued_on", _("按取得日期（旧→新）")), ("name", _("按姓名拼音"))],
    )

    class Meta:
        model = LearningOutcome
        fields: list[str] = []
        form = FilterForm

    def filter_learner_org(self, queryset, name, value):
        """Outcomes of people with a learner record at that institution, school or major."""
        return queryset.filter(
            account_id__in=Learner.objects.filter(**{name: value}).values("account_id")
        )

    def filter_held(self, queryset, name, value):
        return queryset.filter(held_certificates_q()) if value else queryset


class CertificateStatsFilter(OutcomeFilter):
    """The stats page narrows by where the learners are; the grid itself is by type and year."""

    class Meta(OutcomeFilter.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in {"institution", "school", "major"}:
                del self.filters[name]
