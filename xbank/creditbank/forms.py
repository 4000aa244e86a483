"""Forms of the credit bank pages: shape and normalisation only; the services keep the rules
(who may act, versions, caps, three different reviewers) and their errors come back onto these
forms as ``form.add_error(None, exc)``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import CertificateType, Course, CourseModule, Curriculum, Level
from xbank.core.uploads import EVIDENCE_MIME_TYPES, validate_evidence_file
from xbank.learners.models import LearningOutcome, OutcomeKind
from xbank.orgs.models import Institution

from .models import ConversionRule, CreditCategory

# The file picker offers what the evidence validator accepts (a hint: the check is by content).
EVIDENCE_ACCEPT = ",".join(
    [*EVIDENCE_MIME_TYPES, ".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic"]
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

ERR_REVERSE_REASON = _("请填写冲正原因")

REGIONAL = "regional"


class BootstrapMixin:
    """Bootstrap classes on every widget (the project's forms share this look)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.ClearableFileInput):
                css = "form-control"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


def _course_label(course: Course) -> str:
    return f"{course.code} {course.name}（{course.credits} 学分）"


class RuleForm(BootstrapMixin, forms.Form):
    """A rule version's condition and effect. ``institution`` only when creating: versions of
    one rule keep their owner."""

    institution = forms.ChoiceField(label=_("所属"))
    name = forms.CharField(label=_("规则名称"), max_length=150)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome_kind = forms.ChoiceField(
        label=_("成果类型"),
        choices=[(k, v) for k, v in OutcomeKind.choices if k != OutcomeKind.COURSE_RESULT],
        initial=OutcomeKind.SKILL_CERTIFICATE,
    )
    certificate_type = forms.ModelChoiceField(
        label=_("证书类型"),
        queryset=CertificateType.objects.filter(status=CertificateType.Status.ACTIVE),
        required=False,
        empty_label=_("（不限，非证书类成果）"),
    )
    min_level = forms.ChoiceField(
        label=_("最低等级"), choices=[("", _("不限"))] + list(Level.choices), required=False
    )
    min_score = forms.DecimalField(
        label=_("最低分数"), required=False, min_value=0, max_value=1000, decimal_places=1
    )
    max_age_years = forms.IntegerField(
        label=_("取得年限（年）"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("成果须在认定日前若干年内取得；留空为不限"),
    )
    issuer = forms.CharField(
        label=_("限定发证机构"), max_length=100, required=False, help_text=_("留空为不限")
    )
    courses = forms.ModelMultipleChoiceField(
        label=_("免修课程"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("按住 Ctrl（⌘）可多选；免修课程的学分计入转换学分"),
    )
    modules = forms.ModelMultipleChoiceField(
        label=_("免修模块"),
        queryset=CourseModule.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("只免修课程中的一个模块，不计学分"),
    )
    credits = forms.DecimalField(
        label=_("转换学分"), required=False, min_value=0, max_value=99, decimal_places=1
    )
    credit_category = forms.ChoiceField(
        label=_("学分类别"), choices=[("", "—")] + list(CreditCategory.choices), required=False
    )
    exclusive_group = forms.CharField(
        label=_("互斥组"),
        max_length=30,
        required=False,
        help_text=_("同一互斥组的规则，一项成果只能用于其中一条"),
    )
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE)
    effective_to = forms.DateField(label=_("失效日期"), required=False, widget=DATE)

    FIELDS = (
        "name", "description", "outcome_kind", "certificate_type", "min_level", "min_score",
        "max_age_years", "issuer", "credits", "credit_category", "exclusive_group",
        "effective_from", "effective_to",
    )  # fmt: skip

    def __init__(
        self,
        *args,
        institutions: list[Institution | None] | None = None,
        fixed_institution: Institution | None = None,
        **kwargs,
    ):
        """``institutions``: the owners the user may create rules for (None = the regional
        bank). Without it (editing, a new version), the owner is fixed and not a field."""
        super().__init__(*args, **kwargs)
        if institutions is None:
            del self.fields["institution"]
            owners = [fixed_institution]
        else:
            owners = institutions
            self.fields["institution"].choices = [
                (
                    REGIONAL if i is None else str(i.pk),
                    _("区域学分银行（互认）") if i is None else i.name,
                )
                for i in institutions
            ]
        ids = [i.pk for i in owners if i is not None]
        courses = Course.objects.select_related("institution").order_by("institution__code", "code")
        modules = CourseModule.objects.select_related("course").order_by("course__code", "code")
        if None not in owners:  # a regional rule may name any institution's course
            courses = courses.filter(institution_id__in=ids)
            modules = modules.filter(course__institution_id__in=ids)
        self.fields["courses"].queryset = courses
        self.fields["courses"].label_from_instance = _course_label
        self.fields["modules"].queryset = modules

    @classmethod
    def initial_from(cls, rule: ConversionRule) -> dict:
        data = {name: getattr(rule, name) for name in cls.FIELDS}
        data["certificate_type"] = rule.certificate_type_id
        exemptions = list(rule.exemptions.all())
        data["courses"] = [ex.course_id for ex in exemptions if ex.module_id is None]
        data["modules"] = [ex.module_id for ex in exemptions if ex.module_id is not None]
        return data

    def clean_institution(self):
        value = self.cleaned_data["institution"]
        if value == REGIONAL:
            return None
        return Institution.objects.get(pk=value)

    def clean_credits(self):
        return self.cleaned_data["credits"] or 0

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.FIELDS}
        kwargs["credits"] = data["credits"] or 0
        kwargs["courses"] = list(data["courses"])
        kwargs["modules"] = list(data["modules"])
        return kwargs


class RuleRetireForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label=_("停用日期"), widget=DATE, help_text=_("此日期起不再适用"))


class CurriculumChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Curriculum) -> str:
        return str(obj)


class SimulationForm(forms.Form):
    """Simulate against one cohort (curriculum) or, left empty, every student in scope."""

    curriculum = CurriculumChoiceField(
        label=_("年级（人才培养方案）"),
        queryset=Curriculum.objects.none(),
        required=False,
        empty_label=_("全部在读学生"),
    )
    show = forms.ChoiceField(
        label=_("显示"),
        required=False,
        choices=[
            ("", _("全部")),
            ("gains", _("可获免修或学分")),
            ("capped", _("受上限限制")),
            ("conflict", _("互斥冲突")),
            ("none", _("不计入")),
        ],
    )

    def __init__(self, *args, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")


class CalculatorForm(forms.Form):
    """Certificate and level (and, for a logged-in learner or staff, a curriculum)."""

    certificate_type = forms.ModelChoiceField(
        label=_("证书"),
        queryset=CertificateType.objects.filter(status=CertificateType.Status.ACTIVE).order_by(
            "kind", "name"
        ),
        empty_label=_("请选择证书"),
    )
    level = forms.ChoiceField(label=_("等级"), required=False)
    curriculum = CurriculumChoiceField(
        label=_("人才培养方案"),
        queryset=Curriculum.objects.none(),
        required=False,
        empty_label=_("不指定（列出各院校的规则）"),
    )

    def __init__(self, *args, curricula=None, **kwargs):
        super().__init__(*args, **kwargs)
        if curricula is None:
            del self.fields["curriculum"]
        else:
            self.fields["curriculum"].queryset = curricula
        ct = self.selected_type()
        # A type without levels (护士资格证) has no level to choose: the select is left out and
        # a level posted anyway is ignored (a disabled field keeps its empty initial value).
        self.has_levels = ct is None or bool(ct.levels)
        self.fields["level"].choices = self.level_choices()
        self.fields["level"].disabled = not self.has_levels
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")

    def selected_type(self) -> CertificateType | None:
        field = self.fields["certificate_type"]
        raw = self.data.get(self.add_prefix("certificate_type")) if self.is_bound else None
        if not raw:
            return None
        try:
            return field.to_python(raw)
        except forms.ValidationError:
            return None

    def level_choices(self) -> list[tuple[str, str]]:
        ct = self.selected_type()
        if ct is None:
            return [("", _("不限等级"))] + list(Level.choices)
        return [("", _("不限等级"))] + ct.level_choices()


class OutcomeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: LearningOutcome) -> str:
        parts = [obj.title]
        if obj.level:
            parts.append(obj.get_level_display())
        parts.append(f"{obj.issued_on:%Y-%m-%d}")
        if obj.number:
            parts.append(obj.number)
        return " · ".join(parts)


class ApplyForm(BootstrapMixin, forms.Form):
    """A learner's application (认定申请): which outcomes, and evidence."""

    outcomes = OutcomeChoiceField(
        label=_("申请认定的学习成果"),
        queryset=LearningOutcome.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项学习成果")},
    )
    evidence_text = forms.CharField(
        label=_("说明与佐证"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如考核时间、地点，证书查询方式"),
    )
    evidence_file = forms.FileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("证书扫描件或照片（PDF 或图片）"),
        validators=[validate_evidence_file],
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    def __init__(self, *args, outcomes, offered=None, **kwargs):
        """``outcomes`` are those the form accepts; ``offered`` (default: the same) those it
        shows. An outcome accepted but not offered (already recognised, or under review) goes
        on to the service, whose refusal names it, rather than failing as an unknown choice."""
        super().__init__(*args, **kwargs)
        field = self.fields["outcomes"]
        field.queryset = outcomes
        if offered is not None:
            field.widget.choices = OutcomeChoiceField(queryset=offered).choices

    def clean_evidence_text(self):
        return self.cleaned_data["evidence_text"].strip()


class BatchForm(BootstrapMixin, forms.Form):
    """Staff start recognition for a cohort holding a certificate (批量认定)."""

    curriculum = CurriculumChoiceField(
        label=_("年级（人才培养方案）"), queryset=Curriculum.objects.none()
    )
    certificate_type = forms.ModelChoiceField(
        label=_("证书"),
        queryset=CertificateType.objects.filter(status=CertificateType.Status.ACTIVE),
    )
    min_level = forms.ChoiceField(
        label=_("最低等级"), choices=[("", _("不限"))] + list(Level.choices), required=False
    )
    evidence_text = forms.CharField(
        label=_("说明与佐证"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：2025 年 1 月 1+X 老年照护（中级）考核合格名单"),
    )

    def __init__(self, *args, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula


class ReviewForm(BootstrapMixin, forms.Form):
    """A review step: pass, or not pass with a reason."""

    # Carried by the two submit buttons (通过 / 不通过), not rendered as a field.
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("不通过"))])
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不通过时必须填写原因"),
    )

    def clean_note(self):
        return self.cleaned_data["note"].strip()


class AppealForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label=_("申诉理由与新佐证"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label=_("新的佐证材料"),
        required=False,
        help_text=_("PDF 或图片"),
        validators=[validate_evidence_file],
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    def clean_text(self):
        return self.cleaned_data["text"].strip()


class ReverseForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("冲正原因"),
        max_length=200,
        error_messages={"required": ERR_REVERSE_REASON},
    )
