"""Forms of the coverage matrix (课证融合): which certificate and level to show, and one cell."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xbank.core.forms import FilterForm

from .models import CertificateType, Curriculum, Level, StandardModule


class CoverageForm(FilterForm):
    """The certificate (among those with a skill standard) and the level, all levels by default."""

    certificate = forms.TypedChoiceField(label=_("证书"), coerce=int, required=False)
    level = forms.ChoiceField(label=_("等级"), required=False)

    def __init__(self, *args, certificate_types: list[CertificateType], **kwargs):
        super().__init__(*args, **kwargs)
        self.certificate_types = {ct.pk: ct for ct in certificate_types}
        self.fields["certificate"].choices = [(ct.pk, ct.name) for ct in certificate_types]
        self.fields["level"].choices = [("", _("全部等级")), *Level.choices]

    def selection(self) -> tuple[CertificateType | None, str]:
        """The chosen certificate and level; the first option and all levels when unset/invalid."""
        default = next(iter(self.certificate_types.values()), None)
        if not self.is_bound or not self.is_valid():
            return default, ""
        chosen = self.certificate_types.get(self.cleaned_data.get("certificate"), default)
        level = self.cleaned_data.get("level") or ""
        if chosen is not None and level and level not in chosen.levels:
            level = ""
        return chosen, level


class CoverageCellForm(forms.Form):
    """One cell of the matrix: does this course of the curriculum teach this standard module."""

    course = forms.IntegerField()
    standard_module = forms.ModelChoiceField(queryset=StandardModule.objects.all())
    mapped = forms.BooleanField(required=False)
    level = forms.CharField(required=False)

    def __init__(self, *args, curriculum: Curriculum, **kwargs):
        super().__init__(*args, **kwargs)
        self.curriculum = curriculum

    def clean_course(self):
        course_id = self.cleaned_data["course"]
        for cc in self.curriculum.curriculum_courses.all():
            if cc.course_id == course_id:
                return cc.course
        raise forms.ValidationError(_("课程不在该人才培养方案中"))
