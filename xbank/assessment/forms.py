"""Forms of the assessment pages: shape and normalisation only; the services keep the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.models import Role, User
from xbank.catalog.models import CertificateType, Level
from xbank.imports.cleaners import code as clean_code
from xbank.imports.cleaners import person_name
from xbank.learners import selectors as learner_selectors
from xbank.learners import services as learner_services
from xbank.learners.forms import DocumentNumberField
from xbank.training.models import TrainingProgram

from . import selectors
from .choices import institution_options, qualification_institutions
from .models import ConfidentialityStep, ExaminerQualification, ExamRoom, ExamSession, ExamSite

ERR_NO_ACCOUNT = _("没有找到该证件号码的学习账户：请先登记为学习者（学生或社会学员）")
# Names the stored name: only for a user who already sees a learner record of the account.
ERR_NAME_MISMATCH = _("该证件号码的学习账户户名为「%(name)s」，与填写的姓名不一致")
# For everyone else: an ID number must not turn into its holder's name.
ERR_NAME_CHECK = _("信息需人工核对：姓名与该证件号码已登记的信息不一致")

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class SiteForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ExamSite
        fields = ["institution", "name", "address", "contact", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institution_options(user, manage=True)
        self.fields["institution"].empty_label = None
        if self.instance.pk:
            self.fields["institution"].disabled = True
        else:
            del self.fields["is_active"]


class RoomForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ExamRoom
        fields = [
            "name",
            "capacity",
            "equipment",
            "certification_no",
            "certified_on",
            "certified_until",
            "is_active",
        ]
        widgets = {
            "equipment": forms.Textarea(attrs={"rows": 3}),
            "certified_on": DATE,
            "certified_until": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["is_active"]


class QualificationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ExaminerQualification
        fields = [
            "user",
            "institution",
            "certificate_type",
            "level",
            "certificate_no",
            "issuer",
            "valid_from",
            "valid_until",
        ]
        widgets = {"valid_from": DATE, "valid_until": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = qualification_institutions(user)
        self.fields["institution"].queryset = institutions
        self.fields["institution"].empty_label = None
        # Teachers and examiners (external ones log in with the examiner role) of those colleges.
        self.fields["user"].queryset = (
            User.objects.filter(
                role_assignments__role__in=[Role.TEACHER, Role.EXAMINER],
                role_assignments__institution__in=institutions,
            )
            .distinct()
            .order_by("full_name", "username")
        )
        self.fields["user"].label_from_instance = lambda u: f"{u}（{u.username}）"
        self.fields["certificate_type"].queryset = CertificateType.objects.exclude(
            kind=CertificateType.Kind.DIPLOMA
        )
        if self.instance.pk:
            for name in ("user", "institution", "certificate_type"):
                self.fields[name].disabled = True

    def clean_certificate_no(self):
        return clean_code(64)(self.cleaned_data["certificate_no"])


class SessionForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ExamSession
        fields = [
            "institution",
            "certificate_type",
            "level",
            "title",
            "date",
            "start_time",
            "end_time",
            "notes",
        ]
        widgets = {
            "date": DATE,
            "start_time": TIME,
            "end_time": TIME,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institution_options(user, manage=True)
        self.fields["institution"].empty_label = None
        self.fields["certificate_type"].queryset = CertificateType.objects.filter(
            status=CertificateType.Status.ACTIVE
        ).exclude(kind=CertificateType.Kind.DIPLOMA)
        if self.instance.pk:
            for name in ("institution", "certificate_type", "level"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("结束时间应晚于开始时间"))
        return data


class SessionRoomForm(BootstrapMixin, forms.Form):
    room = forms.ModelChoiceField(label=_("考场"), queryset=ExamRoom.objects.none())
    seats = forms.IntegerField(
        label=_("座位数"), required=False, min_value=1, help_text=_("不填则使用考场全部座位")
    )

    def __init__(self, *args, session: ExamSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = selectors.rooms_for_session(session)
        self.fields["room"].label_from_instance = lambda room: (
            f"{room.site.name} · {room.name}（{room.capacity} 座，认定至 "
            f"{room.certified_until or '—'}）"
        )


class SessionExaminerForm(BootstrapMixin, forms.Form):
    session_room = forms.ChoiceField(label=_("考场"))
    examiner = forms.ModelChoiceField(label=_("考评员"), queryset=User.objects.none())

    def __init__(self, *args, session: ExamSession, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms = {str(r.pk): r for r in rooms}
        self.fields["session_room"].choices = [(str(r.pk), str(r.room)) for r in rooms]
        # Every examiner with a qualification for the type is offered; the service says why an
        # unqualified one (wrong level, expired) is refused.
        self.fields["examiner"].queryset = (
            User.objects.filter(
                examiner_qualifications__certificate_type_id=session.certificate_type_id
            )
            .exclude(exam_assignments__session=session)
            .distinct()
            .order_by("full_name", "username")
        )

    def clean_session_room(self):
        return self.rooms[self.cleaned_data["session_room"]]


class DirectSignUpForm(BootstrapMixin, forms.Form):
    """报考 with a learning account: the person's document number and name.

    The account may be anyone's in the bank, so a name that disagrees shows the stored name
    only to a user who already sees the person's records (``user``).
    """

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = DocumentNumberField(label=_("证件号码"), max_length=40)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        return person_name(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        documents, name = data.get("id_number"), data.get("name")
        if not documents or not name:
            return data
        account = None
        for document in documents:
            account = learner_services.account_find(document)
            if account is not None:
                break
        if account is None:
            raise ValidationError(ERR_NO_ACCOUNT)
        if account.name != name:
            visible = learner_selectors.account_list(user=self.user).filter(pk=account.pk)
            if self.user is not None and visible.exists():
                raise ValidationError(ERR_NAME_MISMATCH, params={"name": account.name})
            raise ValidationError(ERR_NAME_CHECK)
        data["account"] = account
        return data


class ProgramSignUpForm(BootstrapMixin, forms.Form):
    program = forms.ModelChoiceField(label=_("培训项目"), queryset=None)

    def __init__(self, *args, session: ExamSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = TrainingProgram.objects.filter(
            institution_id=session.institution_id, certificate_type_id=session.certificate_type_id
        ).order_by("-start_date", "-id")


class ScoreForm(forms.Form):
    """One candidate's row of the score sheet."""

    theory = forms.DecimalField(
        label=_("理论"), required=False, min_value=0, max_digits=5, decimal_places=1
    )
    practical = forms.DecimalField(
        label=_("实操"), required=False, min_value=0, max_digits=5, decimal_places=1
    )
    absent = forms.BooleanField(label=_("缺考"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("theory", "practical"):
            self.fields[name].widget.attrs.update(
                {"class": "form-control form-control-sm", "inputmode": "decimal", "step": "0.5"}
            )
        self.fields["absent"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("absent"):
            data["theory"] = data["practical"] = None
        return data


class ConfidentialityForm(BootstrapMixin, forms.Form):
    step = forms.ChoiceField(label=_("环节"), choices=ConfidentialityStep.Step.choices)
    done_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME)
    notes = forms.CharField(
        label=_("情况说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：密封袋完好、监控录像完整、无异常"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class IncidentForm(BootstrapMixin, forms.Form):
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME)
    description = forms.CharField(label=_("情况"), widget=forms.Textarea(attrs={"rows": 2}))


class IncidentResolveForm(BootstrapMixin, forms.Form):
    handling = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))


class AwardForm(BootstrapMixin, forms.Form):
    certificate_no = forms.CharField(label=_("证书编号"), max_length=64)
    issued_on = forms.DateField(label=_("发证日期"), widget=DATE)

    def clean_certificate_no(self):
        return clean_code(64)(self.cleaned_data["certificate_no"])


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class PassMarkForm(BootstrapMixin, forms.Form):
    theory = forms.DecimalField(label=_("理论合格线"), min_value=0, max_digits=5, decimal_places=1)
    practical = forms.DecimalField(
        label=_("实操合格线"), min_value=0, max_digits=5, decimal_places=1
    )
    theory_full = forms.DecimalField(
        label=_("理论满分"), min_value=1, max_digits=5, decimal_places=1, initial=Decimal(100)
    )
    practical_full = forms.DecimalField(
        label=_("实操满分"), min_value=1, max_digits=5, decimal_places=1, initial=Decimal(100)
    )

    def clean(self):
        data = super().clean()
        for part, full in (("theory", "theory_full"), ("practical", "practical_full")):
            if (
                data.get(part) is not None
                and data.get(full) is not None
                and data[part] > data[full]
            ):
                self.add_error(part, _("合格线不能高于满分"))
        return data


LEVEL_CHOICES = [("", "—")] + list(Level.choices)
