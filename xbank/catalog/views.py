"""Catalogue pages (证书与人才培养方案): certificate types and their standard modules, curricula
with their courses and graduation requirements. Curricula are scoped like learners."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required
from xbank.core.views import list_page, wants_export

from . import exports, selectors, services
from .filters import CertificateTypeFilter, CoverageFilter, CurriculumFilter
from .forms import CoverageCellForm, CoverageForm


@records_required
def certificate_list(request):
    filterset = CertificateTypeFilter(
        request.GET or None, queryset=selectors.certificate_type_list()
    )
    return list_page(
        request,
        "catalog/certificate_list.html",
        filterset=filterset,
        export=exports.CertificateTypeExport(),
    )


@records_required
def certificate_detail(request, pk):
    certificate_type = selectors.access_certificate_type(pk)
    return render(
        request,
        "catalog/certificate_detail.html",
        {
            "certificate_type": certificate_type,
            "levels": selectors.standard_modules_by_level(certificate_type),
            "aliases": certificate_type.aliases.all(),
            "curricula": selectors.curricula_requiring(
                user=request.user, certificate_type=certificate_type
            ),
        },
    )


@records_required
def curriculum_list(request):
    filterset = CurriculumFilter(
        request.GET or None,
        queryset=selectors.curriculum_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request,
        "catalog/curriculum_list.html",
        filterset=filterset,
        export=exports.CurriculumExport(),
    )


@records_required
def curriculum_detail(request, pk):
    curriculum = selectors.access_curriculum(request.user, pk)
    courses = list(curriculum.curriculum_courses.all())
    semesters: dict[int, list] = {}
    for cc in courses:
        semesters.setdefault(cc.semester, []).append(cc)
    return render(
        request,
        "catalog/curriculum_detail.html",
        {
            "curriculum": curriculum,
            "semesters": [
                (semester, rows, sum(cc.credits for cc in rows))
                for semester, rows in sorted(semesters.items())
            ],
            "required_credits": sum(cc.credits for cc in courses if cc.required),
            "elective_credits": sum(cc.credits for cc in courses if not cc.required),
            "certificates": curriculum.required_certificates.all(),
        },
    )


# --- Course–certificate integration (课证融合) ---------------------------------------------------


@records_required
def coverage_list(request):
    """Every curriculum in scope with each certificate it requires or maps: the covered share."""
    filterset = CoverageFilter(
        request.GET or None,
        queryset=selectors.curriculum_list(user=request.user),
        user=request.user,
    )
    certificate_type = (
        filterset.form.cleaned_data.get("certificate_type")
        if filterset.is_bound and filterset.form.is_valid()
        else None
    )
    return list_page(
        request,
        "catalog/coverage_list.html",
        filterset=filterset,
        export=exports.CoverageExport(certificate_type),
        context=lambda page: {
            "summaries": selectors.coverage_summaries(
                page.object_list, certificate_type=certificate_type
            )
        },
    )


def _coverage_context(request, curriculum, certificate_type, level) -> dict:
    matrix = (
        selectors.coverage_matrix(
            curriculum=curriculum, certificate_type=certificate_type, level=level
        )
        if certificate_type is not None
        else None
    )
    return {
        "curriculum": curriculum,
        "matrix": matrix,
        "chart": {
            **(matrix.chart_data() if matrix else {"modules": [], "courses": [], "cells": []}),
            "covered": _("已覆盖"),
            "uncovered": _("未覆盖"),
        },
        "can_edit": selectors.coverage_can_edit(request.user, curriculum),
    }


@records_required
def coverage(request, pk):
    """The coverage matrix of one curriculum and certificate: heat map, table, gaps."""
    curriculum = selectors.access_curriculum(request.user, pk)
    form = CoverageForm(
        request.GET or None,
        certificate_types=selectors.coverage_certificate_options(curriculum),
    )
    certificate_type, level = form.selection()
    context = _coverage_context(request, curriculum, certificate_type, level)
    matrix = context["matrix"]
    if wants_export(request) and matrix is not None:
        return exports.MatrixExport(curriculum, certificate_type, matrix).response(matrix)
    return render(request, "catalog/coverage.html", {**context, "form": form, "level": level})


@require_POST
@records_required
def coverage_cell(request, pk):
    """Tick or untick one cell (academic affairs, or school staff of the curriculum's school)."""
    curriculum = selectors.access_curriculum(request.user, pk)
    if not selectors.coverage_can_edit(request.user, curriculum):
        raise PermissionDenied
    form = CoverageCellForm(request.POST, curriculum=curriculum)
    if not form.is_valid():
        return HttpResponseBadRequest(_("无效的请求"))
    standard_module = form.cleaned_data["standard_module"]
    level = form.cleaned_data["level"]
    try:
        services.course_standard_map_set(
            actor=request.user,
            curriculum=curriculum,
            course=form.cleaned_data["course"],
            standard_module=standard_module,
            mapped=form.cleaned_data["mapped"],
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        error = ""
    certificate_type = standard_module.certificate_type
    if level not in certificate_type.levels:
        level = ""
    if request.htmx:
        context = _coverage_context(request, curriculum, certificate_type, level)
        return render(
            request, "catalog/coverage.html#matrix", {**context, "level": level, "error": error}
        )
    if error:
        messages.error(request, error)
    query = urlencode({"certificate": certificate_type.pk, "level": level})
    return redirect(f"{reverse('catalog:coverage', args=[curriculum.pk])}?{query}")
