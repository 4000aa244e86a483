"""Upload and filter forms of the import pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.core.forms import FilterForm

from .guard import Limits
from .models import ImportBatch
from .reader import SUPPORTED_SUFFIXES, check_file_name
from .selectors import import_institutions

MAX_UPLOAD_BYTES = Limits.max_file_bytes  # the reader refuses the same size from the command line
ERR_TOO_LARGE = _("文件不能超过 50 MB，请拆分成几个文件后再导入")


class UploadForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("导入到院校"), queryset=None, empty_label=None, widget=forms.Select()
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx、.xls）或 CSV（UTF-8 或 GBK 编码）；建议使用下载的模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_SUFFIXES)}),
    )

    def __init__(self, *args, user, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = import_institutions(user, kind).order_by("code")
        self.fields["institution"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_file_name(upload.name)
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(ERR_TOO_LARGE)
        return upload


class BatchFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部"))] + ImportBatch.Kind.choices
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + ImportBatch.Status.choices
    )
