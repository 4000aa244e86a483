"""Forms of pilot management: shape and normalisation only; the services hold the rules."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.orgs.models import Department

from .models import (
    MONEY,
    BudgetAdjustment,
    BudgetCategory,
    BudgetLine,
    BudgetReview,
    FundingSource,
    PilotMajor,
)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MoneyField(forms.DecimalField):
    """Yuan with two decimals; accepts what people paste from Excel or WPS: full-width digits,
    thousands separators, a trailing 元 or a currency sign ("１２，３４５.５０元" → 12345.50)."""

    def __init__(self, *, min_value=Decimal("0.01"), **kwargs):
        super().__init__(min_value=min_value, **MONEY, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value)
            for noise in (",", " ", "元", "¥", "$"):
                value = value.replace(noise, "")
        return super().to_python(value)


class PilotMajorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PilotMajor) -> str:
        return str(obj.major)


# --- Tasks ------------------------------------------------------------------------------------


class TaskForm(StyledForm):
    number = forms.IntegerField(label=_("序号"), min_value=1, max_value=999)
    title = forms.CharField(label=_("工作任务"), max_length=100)
    content = forms.CharField(label=_("工作内容"), widget=forms.Textarea(attrs={"rows": 4}))
    lead_departments = forms.ModelMultipleChoiceField(
        label=_("统筹部门"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    implementing_departments = forms.ModelMultipleChoiceField(
        label=_("实施部门"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    schools_implement = forms.BooleanField(label=_("各二级学院实施"), required=False)
    pilot_majors = forms.ModelMultipleChoiceField(
        label=_("实施试点专业"),
        queryset=PilotMajor.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(institution=institution).order_by("kind")
        self.fields["lead_departments"].queryset = departments
        self.fields["implementing_departments"].queryset = departments
        self.fields["pilot_majors"].queryset = PilotMajor.objects.filter(
            major__institution=institution
        ).select_related("major")
        self.fields["pilot_majors"].label_from_instance = lambda p: str(p.major)


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("节点"), max_length=200)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DateInput())


class MilestoneReportForm(StyledForm):
    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    completed_on = forms.DateField(
        label=_("完成日期"),
        required=False,
        widget=DateInput(),
        help_text=_("进度为 100% 时填写，默认今天"),
    )
    note = forms.CharField(
        label=_("进展说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(label=_("佐证材料"), required=False)


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Budgets ----------------------------------------------------------------------------------


def _category_fields(form: forms.Form, *, initial: dict | None = None) -> None:
    for value, label in BudgetCategory.choices:
        form.fields[f"amount_{value}"] = MoneyField(
            label=label, min_value=Decimal("0"), initial=(initial or {}).get(value, Decimal("0"))
        )


class BudgetLinesForm(StyledForm):
    """The amount of each category of the seed (五(二)) and the plan's summary."""

    plan = forms.CharField(
        label=_("建设方案摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, initial_amounts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _category_fields(self, initial=initial_amounts)
        for name, field in self.fields.items():
            if name.startswith("amount_"):
                field.widget.attrs.setdefault("class", "form-control")

    def amounts(self) -> dict[str, Decimal]:
        return {c: self.cleaned_data[f"amount_{c}"] for c in BudgetCategory.values}

    def category_fields(self):
        return [self[f"amount_{c}"] for c in BudgetCategory.values]


class BudgetCreateForm(BudgetLinesForm):
    pilot_major = PilotMajorChoiceField(label=_("试点专业"), queryset=PilotMajor.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    field_order = ["pilot_major", "year", "plan"]

    def __init__(self, *args, pilot_majors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot_major"].queryset = pilot_majors
        self.fields["year"].initial = timezone.localdate().year
        self.order_fields(self.field_order)


class BudgetReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("论证结论"),
        choices=BudgetReview.Decision.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reviewed_on = forms.DateField(label=_("论证日期"), widget=DateInput())
    experts = forms.CharField(label=_("论证专家"), max_length=200, required=False)
    comment = forms.CharField(
        label=_("论证意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FundingForm(StyledForm):
    kind = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.Kind.choices)
    amount = MoneyField(label=_("金额（元）"))
    received_on = forms.DateField(label=_("到账日期"), widget=DateInput())
    document_no = forms.CharField(label=_("文号"), max_length=60, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BudgetLine) -> str:
        return _("{category}（可用 {remaining} 元）").format(
            category=obj.get_category_display(), remaining=obj.remaining
        )


class ExpenditureForm(StyledForm):
    line = LineChoiceField(label=_("经费用途"), queryset=BudgetLine.objects.none())
    spent_on = forms.DateField(label=_("支出日期"), widget=DateInput())
    amount = MoneyField(label=_("金额（元）"))
    voucher_no = forms.CharField(label=_("凭证号"), max_length=40)
    description = forms.CharField(label=_("摘要"), max_length=200)
    confirm_reuse = forms.BooleanField(
        label=_("确认：同一凭证分多笔列支"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = budget.lines.order_by("id")

    def offer_confirm_reuse(self) -> None:
        """Show the confirmation box, once the service has refused a reused voucher number."""
        self.fields["confirm_reuse"].widget = forms.CheckboxInput(
            attrs={"class": "form-check-input"}
        )

    def clean_voucher_no(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["voucher_no"]).strip()


class AdjustmentForm(StyledForm):
    line = LineChoiceField(label=_("经费用途"), queryset=BudgetLine.objects.none())
    amount = MoneyField(label=_("核增金额（元）"))
    reason = forms.CharField(
        label=_("调整理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = budget.lines.order_by("id")


class AdjustmentDecisionForm(StyledForm):
    decision = forms.ChoiceField(
        choices=[
            (BudgetAdjustment.Status.APPROVED, _("批准")),
            (BudgetAdjustment.Status.REJECTED, _("驳回")),
        ]
    )
    comment = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class ComplianceForm(StyledForm):
    on = forms.DateField(label=_("统计日期"), required=False, widget=DateInput())
