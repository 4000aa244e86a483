"""Forms of the teacher team: shape and normalisation only (full-width digits, spaces in names,
phone numbers); the services hold the rules and their errors come back onto the form."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from xbank.accounts.models import Role, User
from xbank.catalog.models import CertificateType, Level
from xbank.imports import cleaners

from .models import Teacher, TeacherCertificate, TitleRank
from .queries import major_options, manage_institutions, school_options

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def _clean_with(self, name: str, cleaner):
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return value
        return cleaner(value)


def _certificate_types():
    return CertificateType.objects.exclude(kind=CertificateType.Kind.DIPLOMA).order_by(
        "kind", "name"
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj}（{obj.username}）"


class TeacherForm(StyledForm):
    institution = forms.ModelChoiceField(label=_("院校"), queryset=None, empty_label=None)
    school = forms.ModelChoiceField(label=_("二级学院"), queryset=None)
    major = forms.ModelChoiceField(
        label=_("专业"),
        queryset=None,
        required=False,
        help_text=_("所属专业；计入该专业的考评员达标人数"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    staff_no = forms.CharField(label=_("工号"), max_length=30)
    kind = forms.ChoiceField(
        label=_("教师类别"), choices=Teacher.Kind.choices, widget=forms.RadioSelect
    )
    employer = forms.CharField(
        label=_("工作单位"), max_length=100, required=False, help_text=_("兼职教师必填")
    )
    employer_kind = forms.ChoiceField(
        label=_("单位类型"),
        choices=[("", "—"), *Teacher.EmployerKind.choices],
        required=False,
    )
    title = forms.CharField(
        label=_("职称"), max_length=30, required=False, help_text=_("如 讲师、副教授、主管护师")
    )
    title_rank = forms.ChoiceField(
        label=_("职称等级"),
        choices=[("", "—"), *TitleRank.choices],
        required=False,
        help_text=_("常见职称（讲师、副教授、主管护师…）自动确定等级，其他职称请选择"),
    )
    dual_qualified = forms.BooleanField(label=_("双师型教师"), required=False)
    dual_basis = forms.CharField(label=_("双师型认定依据"), max_length=200, required=False)
    dual_recognized_on = forms.DateField(label=_("双师型认定日期"), required=False, widget=DATE)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    user = UserChoiceField(
        label=_("登录账号"),
        queryset=None,
        required=False,
        help_text=_("考评员须关联登录账号：考评员资格登记在账号上，凭账号录入成绩"),
    )
    status = forms.ChoiceField(label=_("状态"), choices=Teacher.Status.choices)
    left_on = forms.DateField(label=_("离职日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, teacher: Teacher | None = None, **kwargs):
        if teacher is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "institution": teacher.institution_id,
                "school": teacher.school_id,
                "major": teacher.major_id,
                "user": teacher.user_id,
                **{
                    name: getattr(teacher, name)
                    for name in (
                        "name", "staff_no", "kind", "employer", "employer_kind", "title",
                        "title_rank", "dual_qualified", "dual_basis", "dual_recognized_on",
                        "phone", "status", "left_on", "note",
                    )
                },
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        institutions = manage_institutions(user)
        self.fields["institution"].queryset = institutions
        self.fields["school"].queryset = school_options(user, manage=True)
        self.fields["major"].queryset = major_options(user, manage=True)
        self.fields["user"].queryset = (
            User.objects.filter(
                role_assignments__role__in=[Role.TEACHER, Role.EXAMINER],
                role_assignments__institution__in=institutions,
            )
            .distinct()
            .order_by("full_name", "username")
        )
        if teacher is not None:
            self.fields["institution"].disabled = True
            self.fields["institution"].widget = forms.HiddenInput()
        elif len(institutions) == 1:
            self.fields["institution"].initial = institutions[0].pk
            self.fields["institution"].widget = forms.HiddenInput()
        if teacher is None:
            self.fields["status"].initial = Teacher.Status.ACTIVE
            self.fields["kind"].initial = Teacher.Kind.FULL_TIME

    def clean_name(self):
        return cleaners.person_name(self.cleaned_data["name"])

    def clean_staff_no(self):
        return cleaners.code(30)(self.cleaned_data["staff_no"])

    def clean_phone(self):
        return self._clean_with("phone", cleaners.phone) or ""

    def clean_employer(self):
        return self._clean_with("employer", cleaners.text(100)) or ""

    def values(self) -> dict:
        """The service's keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("institution", None)
        return data


class QualificationForm(StyledForm):
    """An examiner qualification (考评员资格) of a teacher: an assessment record on their login."""

    certificate_type = forms.ModelChoiceField(label=_("证书"), queryset=None)
    level = forms.ChoiceField(label=_("等级"), choices=[("", "—"), *Level.choices], required=False)
    certificate_no = forms.CharField(label=_("考评员证书编号"), max_length=64)
    issuer = forms.CharField(label=_("发证机构"), max_length=100)
    valid_from = forms.DateField(label=_("有效期自"), widget=DATE)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate_type"].queryset = _certificate_types()

    def clean_certificate_no(self):
        return cleaners.code(64)(self.cleaned_data["certificate_no"])


class CertificateForm(StyledForm):
    kind = forms.ChoiceField(label=_("类别"), choices=TeacherCertificate.Kind.choices)
    certificate_type = forms.ModelChoiceField(
        label=_("相关证书"),
        queryset=None,
        required=False,
        help_text=_("培训师资证书所对应的 1+X 证书（可不填）"),
    )
    name = forms.CharField(label=_("证书名称"), max_length=100)
    number = forms.CharField(label=_("证书编号"), max_length=64, required=False)
    issuer = forms.CharField(label=_("发证机构"), max_length=100)
    valid_from = forms.DateField(label=_("发证日期"), required=False, widget=DATE)
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, widget=DATE, help_text=_("长期有效可不填")
    )

    def __init__(self, *args, certificate=None, **kwargs):
        if certificate is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": certificate.kind,
                "certificate_type": certificate.certificate_type_id,
                "name": certificate.name,
                "number": certificate.number,
                "issuer": certificate.issuer,
                "valid_from": certificate.valid_from,
                "valid_until": certificate.valid_until,
            }
        super().__init__(*args, **kwargs)
        self.fields["certificate_type"].queryset = _certificate_types()

    def clean_number(self):
        return self._clean_with("number", cleaners.code(64)) or ""


class TrainingForm(StyledForm):
    programme = forms.CharField(label=_("培训项目"), max_length=150)
    organiser = forms.CharField(label=_("主办单位"), max_length=100)
    certificate_type = forms.ModelChoiceField(label=_("相关证书"), queryset=None, required=False)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    hours = forms.DecimalField(
        label=_("学时"), max_digits=6, decimal_places=1, min_value=Decimal("0.5")
    )
    certificate_no = forms.CharField(label=_("结业证书编号"), max_length=64, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, training=None, **kwargs):
        if training is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(training, name)
                for name in (
                    "programme", "organiser", "start_date", "end_date", "hours",
                    "certificate_no", "note",
                )
            } | {"certificate_type": training.certificate_type_id}  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["certificate_type"].queryset = _certificate_types()

    def clean_certificate_no(self):
        return self._clean_with("certificate_no", cleaners.code(64)) or ""
