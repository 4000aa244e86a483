"""Forms of the training pages: shape and normalisation only; the services decide."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Level
from xbank.core.identity import DocumentType, normalize_text, parse_document
from xbank.orgs.models import Institution

from .consent import CURRENT_VERSION
from .models import TrainingProgram

EDUCATION_CHOICES = [
    ("", _("请选择")),
    ("初中及以下", _("初中及以下")),
    ("高中", _("高中")),
    ("中专/中职", _("中专/中职")),
    ("大专", _("大专")),
    ("本科", _("本科")),
    ("研究生", _("研究生")),
]

_PHONE = re.compile(r"1[3-9]\d{9}|\+?85[23]\d{8}")


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class PublicRegistrationForm(forms.Form):
    """The public registration form (社会人员报名). Every error names its field in Chinese.

    The consent checkbox is separate, unticked and required; the version of the text shown is
    posted with the form and stored with the consent.
    """

    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        error_messages={"required": _("请填写姓名"), "max_length": _("姓名不能超过 50 个字")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_type = forms.ChoiceField(
        label=_("证件类型"),
        choices=DocumentType.choices,
        initial=DocumentType.RESIDENT_ID,
        error_messages={"required": _("请选择证件类型"), "invalid_choice": _("证件类型无效")},
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=40,
        error_messages={"required": _("请填写证件号码")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        error_messages={"required": _("请填写手机号")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    education = forms.ChoiceField(
        label=_("学历"),
        choices=EDUCATION_CHOICES,
        error_messages={"required": _("请选择学历"), "invalid_choice": _("学历选项无效")},
    )
    employer = forms.CharField(
        label=_("工作单位"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("工作单位不能超过 100 个字")},
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意上述个人信息处理说明"),
        required=True,
        initial=False,
        error_messages={"required": _("请阅读并勾选同意个人信息处理说明")},
    )
    consent_version = forms.CharField(widget=forms.HiddenInput, initial=CURRENT_VERSION)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_name(self) -> str:
        name = re.sub(r"\s+", "", self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("请填写姓名"))
        return name

    def clean_phone(self) -> str:
        phone = normalize_text(self.cleaned_data["phone"])
        if not _PHONE.fullmatch(phone):
            raise ValidationError(_("手机号应为 11 位手机号码（港澳号码加 852/853）"))
        return phone

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("id_number")
        doc_type = cleaned.get("id_type")
        if raw and doc_type:
            try:
                cleaned["document"] = parse_document(raw, doc_type)
            except ValidationError as exc:
                self.add_error(
                    "id_number",
                    ValidationError(
                        _("证件号码%(reason)s"), params={"reason": " ".join(exc.messages)}
                    ),
                )
        return cleaned


class ProgramForm(forms.ModelForm):
    """Create or edit a program; the institution is one the user manages."""

    class Meta:
        model = TrainingProgram
        fields = [
            "institution",
            "certificate_type",
            "level",
            "title",
            "description",
            "audience",
            "start_date",
            "end_date",
            "place_kind",
            "place",
            "capacity",
            "fee",
            "partner",
            "requires_approval",
            "completion_min_attendance",
            "instructors",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "instructors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, institutions, instructors, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["institution"].empty_label = None
        self.fields["certificate_type"].queryset = CertificateType.objects.filter(
            status=CertificateType.Status.ACTIVE
        ).order_by("kind", "name")
        self.fields["level"].choices = [("", _("不分等级"))] + list(Level.choices)
        self.fields["instructors"].queryset = instructors
        self.fields["instructors"].required = False
        if editing:
            # The institution and certificate of a program are its identity; not edited.
            del self.fields["institution"]
            del self.fields["certificate_type"]
        _bootstrap(self)

    def _post_clean(self):
        # The services validate and save; the model's own full_clean runs there.
        pass


class SessionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    topic = forms.CharField(label=_("内容"), max_length=150)
    place = forms.CharField(label=_("地点"), max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("结束时间应晚于开始时间"))
        return cleaned


class AnnouncementForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("院校"), queryset=Institution.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2999)
    title = forms.CharField(label=_("标题"), max_length=150)
    body = forms.CharField(
        label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("培训项目"),
        queryset=TrainingProgram.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, institutions, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["programs"].queryset = programs
        _bootstrap(self)


class StaffEnrollmentForm(forms.Form):
    """Staff register a known learner (代报名) by student number or document number."""

    student_no = forms.CharField(label=_("学号"), max_length=30, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)

    def __init__(self, *args, learners, **kwargs):
        super().__init__(*args, **kwargs)
        self.learners = learners
        _bootstrap(self)

    def clean(self):
        from xbank.learners.services import account_id_hash

        cleaned = super().clean()
        student_no = (cleaned.get("student_no") or "").strip()
        raw = cleaned.get("id_number")
        if not student_no and not raw:
            raise ValidationError(_("请填写学号或证件号码"))
        qs = self.learners
        if student_no:
            qs = qs.filter(student_no=student_no)
        if raw:
            try:
                document = parse_document(raw)
            except ValidationError as exc:
                self.add_error(
                    "id_number",
                    ValidationError(
                        _("证件号码%(reason)s"), params={"reason": " ".join(exc.messages)}
                    ),
                )
                return cleaned
            qs = qs.filter(account__id_hash=account_id_hash(document))
        learner = qs.order_by("-kind", "-created_at").first()  # a student record first
        if learner is None:
            raise ValidationError(_("在您的范围内没有找到该学习者"))
        cleaned["learner"] = learner
        return cleaned
