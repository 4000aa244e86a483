"""Forms of the reports: the filter bar shared by the dashboard and the named lists, the evidence
report's choices, the performance report's choices, and indicators and targets."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.scoping import scope_for
from xbank.catalog.models import CertificateType
from xbank.core.forms import FilterForm
from xbank.learners.selectors import institution_options, major_options
from xbank.pilot.models import PilotMajor

from .access import performance_scope
from .figures import EVIDENCE_METRICS
from .models import CertificateScope, Indicator, IndicatorTarget, Metric
from .options import department_options, pilot_major_options
from .selectors import AUDIENCES, REPORTED_KINDS, Filters

YEAR_MIN, YEAR_MAX = 2000, 2100


def year_field(*, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("年度"), required=required, min_value=YEAR_MIN, max_value=YEAR_MAX
    )


def reported_certificates():
    return CertificateType.objects.filter(kind__in=REPORTED_KINDS).order_by("kind", "name")


class ReportFilterForm(FilterForm):
    """Year, certificate, major and audience (对象), as on every page of the reports."""

    year = year_field()
    certificate_type = forms.ModelChoiceField(
        label=_("证书"), queryset=CertificateType.objects.none(), required=False,
        empty_label=_("全部证书"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("证书类别"),
        required=False,
        choices=[("", _("全部类别"))] + [(k.value, k.label) for k in REPORTED_KINDS],
    )
    pilot = forms.BooleanField(label=_("仅试点证书"), required=False)
    pilot_major = forms.ModelChoiceField(
        label=_("试点专业的证书"), queryset=CertificateType.objects.none(), required=False,
        empty_label=_("不限"),
    )  # fmt: skip
    major = forms.ModelChoiceField(
        label=_("专业"), queryset=CertificateType.objects.none(), required=False,
        empty_label=_("全部专业"),
    )  # fmt: skip
    audience = forms.ChoiceField(
        label=_("对象"), required=False, choices=[("", _("全部对象")), *AUDIENCES.items()]
    )
    institution = forms.ModelChoiceField(
        label=_("院校"), queryset=CertificateType.objects.none(), required=False,
        empty_label=_("全部院校"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate_type"].queryset = reported_certificates()
        majors = major_options(user)
        self.fields["major"].queryset = majors.select_related("institution")
        self.fields["pilot_major"].queryset = PilotMajor.objects.filter(
            major__in=majors
        ).select_related("major")
        scope = scope_for(user)
        if scope.regional or len(scope.institution_ids) > 1:
            self.fields["institution"].queryset = institution_options(user)
        else:
            del self.fields["institution"]

    def filters(self) -> Filters | None:
        """The filters, or None when the form does not validate (the page then shows nothing:
        silently dropping a bad filter would show everyone)."""
        if not self.is_bound:
            return Filters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return Filters(
            year=data.get("year"),
            certificate_type=data["certificate_type"].pk if data.get("certificate_type") else None,
            kind=data.get("kind") or "",
            pilot=bool(data.get("pilot")),
            pilot_major=data["pilot_major"].pk if data.get("pilot_major") else None,
            major=data["major"].pk if data.get("major") else None,
            audience=data.get("audience") or "",
            institution=data["institution"].pk if data.get("institution") else None,
            name=(data.get("name") or "").strip(),
        )


class RecordFilterForm(ReportFilterForm):
    """The named list's filter bar: the dashboard's filters and a name."""

    name = forms.CharField(label=_("姓名"), required=False, max_length=50)

    field_order = ["name", "year", "certificate_type", "kind", "pilot", "pilot_major", "major"]


class EvidenceForm(FilterForm):
    year = year_field(required=True)
    metric = forms.ChoiceField(
        label=_("佐证内容"),
        choices=[(m, label) for m, label in Metric.choices if m in EVIDENCE_METRICS],
        initial=Metric.CANDIDATES,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PerformanceForm(FilterForm):
    year = year_field(required=True)
    owner = forms.ChoiceField(label=_("部门或试点专业"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        choices: list = [("", _("全部"))]
        departments = [
            (f"d{d.pk}", f"{d.institution.short_name or d.institution.name} · {d.name}")
            for d in department_options(user)
        ]
        majors = [
            (
                f"p{p.pk}",
                f"{p.major.institution.short_name or p.major.institution.name} · {p.major.name}",
            )
            for p in pilot_major_options(user)
        ]
        if departments:
            choices.append((_("职能部门"), departments))
        if majors:
            choices.append((_("试点专业"), majors))
        self.fields["owner"].choices = choices


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "institution",
            "name",
            "metric",
            "certificate_scope",
            "certificate_type",
            "position",
            "description",
            "is_active",
        ]

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["certificate_type"].queryset = reported_certificates()
        self.fields["certificate_scope"].choices = CertificateScope.choices
        if self.instance.pk:
            del self.fields["institution"]
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else "form-select"
                if isinstance(field.widget, forms.Select)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)


class TargetForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("绩效指标"), queryset=Indicator.objects.none())
    year = year_field(required=True)
    department = forms.ModelChoiceField(
        label=_("职能部门"), queryset=Indicator.objects.none(), required=False
    )
    pilot_major = forms.ModelChoiceField(
        label=_("试点专业"), queryset=Indicator.objects.none(), required=False
    )
    target = forms.DecimalField(
        label=_("目标值"), min_value=0, max_digits=10, decimal_places=1,
        help_text=_("合格率填百分数，如 90 表示 90%"),
    )  # fmt: skip
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, user, instance: IndicatorTarget | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "indicator": instance.indicator_id,
                "year": instance.year,
                "department": instance.department_id,
                "pilot_major": instance.pilot_major_id,
                "target": instance.target,
                "note": instance.note,
            }
        super().__init__(*args, **kwargs)
        ps = performance_scope(user)
        indicators = Indicator.objects.filter(ps.indicators(), is_active=True)
        departments = department_options(user)
        majors = pilot_major_options(user)
        if not ps.manage_everywhere:
            indicators = indicators.filter(institution_id__in=ps.manage_institutions)
            departments = departments.filter(institution_id__in=ps.manage_institutions)
            majors = majors.filter(major__institution_id__in=ps.manage_institutions)
        if instance is not None:  # an indicator stopped since keeps its targets editable
            indicators = Indicator.objects.filter(
                Q(pk__in=indicators.values("pk")) | Q(pk=instance.indicator_id)
            )
        self.fields["indicator"].queryset = indicators.select_related("institution").order_by(
            "institution__code", "position", "id"
        )
        self.fields["department"].queryset = departments
        self.fields["pilot_major"].queryset = majors
        self.fields["year"].initial = self.fields["year"].initial or timezone.localdate().year
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
