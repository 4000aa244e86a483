"""Catalogue pages (证书与人才培养方案): certificate types and their standard modules, curricula
with their courses and graduation requirements. Curricula are scoped like learners."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required
from xbank.core.xlsx import dated_filename, write_rows, xlsx_response

from . import selectors, services
from .filters import CertificateTypeFilter, CoverageFilter, CurriculumFilter
from .forms import CoverageCellForm, CoverageForm

PAGE_SIZE = 50


@records_required
def certificate_list(request):
    filterset = CertificateTypeFilter(
        request.GET or None, queryset=selectors.certificate_type_list()
    )
    types = filterset.qs
    if request.GET.get("export") == "xlsx":
        headers = [
            _("证书名称"),
            _("类别"),
            _("培训评价组织/发证机构"),
            _("等级"),
            _("别名"),
            _("标准模块数"),
            _("状态"),
            _("遴选状态"),
            _("取消日期"),
        ]
        rows = (
            [
                ct.name,
                ct.get_kind_display(),
                ct.issuer,
                "、".join(str(label) for _code, label in ct.level_choices()),
                "、".join(alias.alias for alias in ct.aliases.all()),
                ct.module_count,
                ct.get_status_display(),
                ct.get_admission_display(),
                ct.cancelled_on,
            ]
            for ct in types
        )
        content = write_rows(headers, rows, sheet_name=_("证书类型"))
        return xlsx_response(dated_filename(_("证书类型")), content)
    page = Paginator(types, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/certificate_list.html", {"filter": filterset, "page_obj": page})


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
    curricula = filterset.qs
    if request.GET.get("export") == "xlsx":
        headers = [
            _("院校"),
            _("二级学院"),
            _("专业代码"),
            _("专业"),
            _("年级"),
            _("方案名称"),
            _("毕业总学分"),
            _("课程数"),
            _("毕业须持证书（至少一项）"),
        ]
        rows = (
            [
                c.major.institution.name,
                c.major.school.name,
                c.major.code,
                c.major.name,
                c.cohort_year,
                str(c),
                c.total_credits,
                c.course_count,
                "、".join(ct.name for ct in c.required_certificates.all()),
            ]
            for c in curricula
        )
        content = write_rows(headers, rows, sheet_name=_("人才培养方案"))
        return xlsx_response(dated_filename(_("人才培养方案")), content)
    page = Paginator(curricula, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/curriculum_list.html", {"filter": filterset, "page_obj": page})


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
    if request.GET.get("export") == "xlsx":
        summaries = selectors.coverage_summaries(filterset.qs, certificate_type=certificate_type)
        headers = [
            _("专业代码"),
            _("专业"),
            _("年级"),
            _("证书"),
            _("毕业要求证书"),
            _("标准模块数"),
            _("已覆盖模块数"),
            _("覆盖率（%）"),
            _("对应课程数"),
        ]
        rows = (
            [
                s.curriculum.major.code,
                s.curriculum.major.name,
                s.curriculum.cohort_year,
                s.certificate_type.name,
                _("是") if s.required else _("否"),
                s.module_count,
                s.covered_count,
                s.share,
                s.mapped_course_count,
            ]
            for s in summaries
        )
        content = write_rows(headers, rows, sheet_name=_("课证融合"))
        return xlsx_response(dated_filename(_("课证融合覆盖率")), content)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = selectors.coverage_summaries(page.object_list, certificate_type=certificate_type)
    return render(
        request,
        "catalog/coverage_list.html",
        {"filter": filterset, "page_obj": page, "summaries": summaries},
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


def _matrix_rows(matrix) -> tuple[list[str], list[list]]:
    headers = [
        _("课程代码"),
        _("课程名称"),
        _("课程类别"),
        *[f"{m.get_level_display()} {m.code} {m.name}" for m in matrix.modules],
        _("对应模块数"),
    ]
    rows: list[list] = []
    for row in matrix.rows:
        cells = [
            "" if cell is None else (cell.course_module.name if cell.course_module else "●")
            for cell in row.cells
        ]
        rows.append(
            [
                row.course.code,
                row.course.name,
                row.curriculum_course.get_category_display(),
                *cells,
                row.mapped_count,
            ]
        )
    rows.append(["", _("覆盖课程数"), "", *matrix.module_course_counts, ""])
    return headers, rows


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
    if request.GET.get("export") == "xlsx" and matrix is not None:
        headers, rows = _matrix_rows(matrix)
        title = _(
            "{curriculum} · {certificate} 课证融合矩阵：覆盖 {covered}/{total} 个模块"
        ).format(
            curriculum=curriculum,
            certificate=certificate_type.name,
            covered=matrix.covered_count,
            total=matrix.module_count,
        )
        content = write_rows(headers, rows, sheet_name=_("课证融合矩阵"), title=title)
        return xlsx_response(dated_filename(_("课证融合矩阵")), content)
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
