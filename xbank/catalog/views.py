"""Catalogue pages (证书与人才培养方案): certificate types and their standard modules, curricula
with their courses and graduation requirements. Curricula are scoped like learners."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from xbank.accounts.decorators import records_required
from xbank.core.xlsx import dated_filename, write_rows, xlsx_response

from . import selectors
from .filters import CertificateTypeFilter, CurriculumFilter

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
