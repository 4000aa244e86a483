"""Filter bars of the assessment lists (django-filter), choices limited to what the user sees.

A filter that does not validate shows its error and matches nothing, as in the learner lists.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.access import Viewer
from xbank.accounts.filters import UserFilterSet
from xbank.catalog.models import CertificateType, Level
from xbank.core.forms import FilterForm
from xbank.orgs.models import Institution

from .choices import institution_options, qualification_institutions
from .models import (
    Candidate,
    CertificateAward,
    ExaminerQualification,
    ExamRoom,
    ExamSession,
    ExamSite,
)
from .rules import examined_q


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class AssessmentFilterSet(UserFilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "institution" in self.filters:
            self.filters["institution"].queryset = institution_options(self.user)

    def filter_queryset(self, queryset):
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)


def _institution_filter(field_name: str = "institution"):
    return django_filters.ModelChoiceFilter(
        label=_("院校"),
        field_name=field_name,
        queryset=Institution.objects.none(),
        empty_label=_("全部院校"),
    )


def _certificate_filter(field_name: str = "certificate_type"):
    return django_filters.ModelChoiceFilter(
        label=_("证书"),
        field_name=field_name,
        queryset=CertificateType.objects.exclude(kind=CertificateType.Kind.DIPLOMA),
        empty_label=_("全部证书"),
    )


def _level_filter(field_name: str = "level"):
    return django_filters.ChoiceFilter(
        label=_("等级"), field_name=field_name, choices=Level.choices, empty_label=_("全部等级")
    )


class SiteFilter(AssessmentFilterSet):
    name = django_filters.CharFilter(label=_("考点名称"), lookup_expr="icontains")
    institution = _institution_filter()
    is_active = django_filters.BooleanFilter(
        label=_("仅启用"), widget=forms.CheckboxInput, method="filter_active"
    )

    class Meta:
        model = ExamSite
        fields: list[str] = []
        form = FilterForm

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=True) if value else queryset


class RoomFilter(AssessmentFilterSet):
    CERTIFIED = [("valid", _("认定有效")), ("lapsed", _("认定已过期或未登记"))]

    name = django_filters.CharFilter(label=_("考场名称"), lookup_expr="icontains")
    site = django_filters.CharFilter(
        label=_("考点"), field_name="site__name", lookup_expr="icontains"
    )
    institution = _institution_filter("site__institution")
    certified = django_filters.ChoiceFilter(
        label=_("标准化考场认定（今天）"),
        choices=CERTIFIED,
        empty_label=_("全部"),
        method="filter_certified",
    )

    class Meta:
        model = ExamRoom
        fields: list[str] = []
        form = FilterForm

    def filter_certified(self, queryset, name, value):
        today = timezone.localdate()
        valid = Q(certified_until__gte=today) & (
            Q(certified_on__isnull=True) | Q(certified_on__lte=today)
        )
        return queryset.filter(valid) if value == "valid" else queryset.exclude(valid)


class QualificationFilter(AssessmentFilterSet):
    VALIDITY = [("valid", _("今天有效")), ("expired", _("已过期")), ("soon", _("90 天内到期"))]

    name = django_filters.CharFilter(
        label=_("考评员"), field_name="user__full_name", lookup_expr="icontains"
    )
    certificate_type = _certificate_filter()
    level = _level_filter()
    institution = _institution_filter()
    validity = django_filters.ChoiceFilter(
        label=_("有效期"), choices=VALIDITY, empty_label=_("全部"), method="filter_validity"
    )
    valid_on = django_filters.DateFilter(
        label=_("在此日期有效"),
        method="filter_valid_on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = ExaminerQualification
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.filters["institution"].queryset = qualification_institutions(
            user
        ) | institution_options(user)

    def filter_validity(self, queryset, name, value):
        today = timezone.localdate()
        if value == "valid":
            return queryset.filter(valid_from__lte=today, valid_until__gte=today)
        if value == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset.filter(
            valid_until__gte=today, valid_until__lte=today + datetime.timedelta(days=90)
        )

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_until__gte=value)


class SessionFilter(AssessmentFilterSet):
    title = django_filters.CharFilter(label=_("批次名称"), lookup_expr="icontains")
    certificate_type = _certificate_filter()
    level = _level_filter()
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=ExamSession.Status.choices, empty_label=_("全部状态")
    )
    year = YearFilter(label=_("年份"), field_name="date", lookup_expr="year", min_value=1900)
    institution = _institution_filter()

    class Meta:
        model = ExamSession
        fields: list[str] = []
        form = FilterForm


class CandidateFilter(AssessmentFilterSet):
    """The drill-down of the statistics: each count links here with the same filters."""

    name = django_filters.CharFilter(
        label=_("姓名"), field_name="account__name", lookup_expr="icontains"
    )
    ticket_no = django_filters.CharFilter(label=_("准考证号"), field_name="ticket_no")
    year = YearFilter(
        label=_("年份"), field_name="session__date", lookup_expr="year", min_value=1900
    )
    certificate_type = _certificate_filter("session__certificate_type")
    level = _level_filter("session__level")
    session = django_filters.NumberFilter(label=_("考核批次编号"), field_name="session_id")
    institution = _institution_filter("session__institution")
    examined = django_filters.BooleanFilter(
        label=_("仅已鉴定（参加考核）"), widget=forms.CheckboxInput, method="filter_examined"
    )
    passed = django_filters.BooleanFilter(
        label=_("仅合格"), widget=forms.CheckboxInput, method="filter_passed"
    )
    # The learner page's link (相关记录): one person's rows, within what the list shows anyway.
    account = django_filters.NumberFilter(
        label=_("学习账户"), field_name="account", widget=forms.HiddenInput
    )

    class Meta:
        model = Candidate
        fields: list[str] = []
        form = FilterForm

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The statistics leave cancelled sessions out; so does their drill-down.
        return queryset.exclude(session__status=ExamSession.Status.CANCELLED)

    def filter_examined(self, queryset, name, value):
        return queryset.filter(examined_q()) if value else queryset

    def filter_passed(self, queryset, name, value):
        return queryset.filter(result__passed=True) if value else queryset


class AwardFilter(AssessmentFilterSet):
    name = django_filters.CharFilter(
        label=_("姓名"), field_name="account__name", lookup_expr="icontains"
    )
    certificate_no = django_filters.CharFilter(label=_("证书编号"), field_name="certificate_no")
    certificate_type = _certificate_filter()
    level = _level_filter()
    year = YearFilter(
        label=_("发证年份"), field_name="issued_on", lookup_expr="year", min_value=1900
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=CertificateAward.Status.choices, empty_label=_("全部状态")
    )
    institution = _institution_filter("candidate__session__institution")

    class Meta:
        model = CertificateAward
        fields: list[str] = []
        form = FilterForm
