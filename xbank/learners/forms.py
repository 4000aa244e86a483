from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.core.identity import normalize_text

from .fields import DocumentNumberField  # noqa: F401 - also here, where it always was
from .full_export import ERR_EXPORT_REASON, ERR_EXPORT_REASON_HAS_ID

# An 18- or 15-digit run: a reason is free text kept in the audit log, where no number may sit.
_ID_SHAPED = re.compile(r"\d{17}[\dXx]|\d{15}")


class FullExportRequestForm(forms.Form):
    """Ask for the learner list with full document numbers; ``query`` carries the list's filters
    as they stand in its URL (a document number only as its keyed hash)."""

    reason = forms.CharField(
        label=_("导出原因"),
        max_length=500,
        error_messages={"required": ERR_EXPORT_REASON},
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("例如：报送省教育厅 1+X 证书考核名单。原因与导出人数记入审计日志。"),
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(ERR_EXPORT_REASON)
        if _ID_SHAPED.search(normalize_text(reason)):
            raise ValidationError(ERR_EXPORT_REASON_HAS_ID)
        return reason


class FullExportDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=[("approve", _("批准")), ("reject", _("驳回"))],
        error_messages={"required": _("请选择批准或驳回")},
    )
    note = forms.CharField(
        label=_("审批意见"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
