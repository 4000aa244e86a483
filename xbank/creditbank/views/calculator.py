"""The calculator (学分计算器): for logged-in users, and public."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xbank.catalog.models import Level

from .. import forms, selectors
from ..choices import curriculum_options


def _calculate(form, *, records=()):
    """The engine's calculator on a valid form; a learner's own record when the curriculum
    chosen is theirs (then what they already hold and the cap count too)."""
    data = form.cleaned_data
    curriculum = data.get("curriculum")
    learner = None
    if curriculum is not None:
        learner = next(
            (
                r
                for r in records
                if r.major_id == curriculum.major_id and r.cohort_year == curriculum.cohort_year
            ),
            None,
        )
    return selectors.conversion_calculate(
        certificate_type=data["certificate_type"],
        level=data.get("level") or "",
        curriculum=curriculum,
        learner=learner,
    )


def _calculator_page(request, template: str, form, *, records=()):
    if request.htmx and request.htmx.trigger_name == "certificate_type":
        return render(request, "creditbank/_calculator_level.html", {"form": form})
    calculation = _calculate(form, records=records) if form.is_valid() else None
    context = {
        "form": form,
        "calculation": calculation,
        "level_label": dict(Level.choices).get(calculation.level, "") if calculation else "",
    }
    if request.htmx:
        return render(request, "creditbank/_calculator_result.html", context)
    return render(request, template, context)


@login_required
def calculator(request):
    """学分计算器 for logged-in users: a learner's own curriculum is preselected."""
    records = selectors.learner_records_for_user(user=request.user)
    initial = {}
    for record in records:
        curriculum = selectors.curriculum_for(record)
        if curriculum is not None:
            initial["curriculum"] = curriculum.pk
            break
    form = forms.CalculatorForm(
        request.GET or None,
        curricula=curriculum_options(request.user),
        initial=initial,
    )
    return _calculator_page(request, "creditbank/calculator.html", form, records=records)


def public_calculator(request):
    """The public calculator (no login, Chinese and English): which courses a certificate at a
    level exempts and how many credits it brings, under every institution's rules in force."""
    form = forms.CalculatorForm(request.GET or None)
    return _calculator_page(request, "creditbank/public_calculator.html", form)
