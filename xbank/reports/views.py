"""Pages of the reports: the dashboard (统计看板), the named records behind every figure, evidence
reports (佐证材料), the annual summary, and performance indicators (绩效指标) with their targets.

Figures and rows come from the scoped selectors; every figure links to its named list, whose
filters reproduce it exactly; every list filters and exports to Excel.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.views import export_format, list_page, run_service, wants_export
from xbank.orgs.models import Department, Institution, Major

from . import access, exports, figures, selectors, services
from .filters import IndicatorFilter, TargetFilter
from .forms import (
    EvidenceForm,
    IndicatorForm,
    PerformanceForm,
    RecordFilterForm,
    ReportFilterForm,
    TargetForm,
)
from .models import Metric

PAGE_SIZE = 100  # a roster of a hundred (the seed's 老年照护 exam) on one page


def _may_list(user, metric: str) -> bool:
    if metric == Metric.EXAMINERS:
        return access.sees_examiners(user)
    return access.sees_records(user)


def _link(user, cells, base: dict[str, str]) -> None:
    """Give each figure the URL of its named list: the page's filters plus the figure's own."""
    for cell in cells:
        if cell.linked and _may_list(user, cell.metric):
            query = urlencode({**base, **cell.params})
            cell.url = reverse("reports:records", kwargs={"metric": cell.metric}) + f"?{query}"


# --- Dashboard -----------------------------------------------------------------------------------


@access.dashboard_required
def dashboard(request):
    sections = access.dashboard_sections(request.user)
    form = ReportFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    board = None
    if filters is not None:
        board = figures.dashboard_get(user=request.user, filters=filters, sections=sections)
        _link(request.user, board.cells(), filters.params())
    matrices = [m for s in sections for m in (board.matrices.get(s, []) if board else [])]
    if wants_export(request):
        return exports.DashboardExport().response(matrices)
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "board": board,
            "matrices": matrices,
            "charts": {m.key: m.chart_data() for m in matrices},
            "sees_records": access.sees_records(request.user),
        },
    )


# --- Named records ----------------------------------------------------------------------------------


@login_required
def records(request, metric):
    if metric not in selectors.LIST_METRICS:
        raise Http404("No such metric")
    if not _may_list(request.user, metric):
        raise PermissionDenied
    form = RecordFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    if filters is None:
        rows_qs = selectors.record_list(
            user=request.user, metric=metric, filters=selectors.Filters()
        ).none()
    else:
        rows_qs = selectors.record_list(user=request.user, metric=metric, filters=filters)
    majors = dict(Major.objects.values_list("pk", "name")) if metric != Metric.EXAMINERS else {}
    evidence_url = ""
    if filters is not None and filters.year and metric in figures.EVIDENCE_METRICS:
        query = {"year": filters.year, "metric": metric}
        if filters.certificate_type:
            query["certificate"] = filters.certificate_type
        evidence_url = reverse("reports:evidence") + "?" + urlencode(query)
    return list_page(
        request,
        "reports/records.html",
        queryset=rows_qs,
        export=exports.RecordExport(metric, majors),
        page_size=PAGE_SIZE,
        context=lambda page: {
            "metric": metric,
            "label": Metric(metric).label,
            "form": form,
            "headers": exports.record_headers(metric),
            "rows": list(
                exports.record_rows(metric, page.object_list, majors, start=page.start_index())
            ),
            "evidence_url": evidence_url,
        },
    )


# --- Evidence reports and the annual summary -----------------------------------------------------------


def _chosen_certificates(request, options) -> list[int]:
    available = [ct.pk for ct, _n in options]
    wanted = []
    for raw in request.GET.getlist("certificate"):
        try:
            wanted.append(int(raw))
        except ValueError:
            continue
    chosen = [pk for pk in wanted if pk in available]
    return chosen or available


@access.records_required
def evidence(request):
    form = EvidenceForm(request.GET or None)
    context = {"form": form, "options": [], "evidence": None, "chosen": []}
    if form.is_bound and form.is_valid():
        year, metric = form.cleaned_data["year"], form.cleaned_data["metric"]
        options = figures.evidence_certificate_options(user=request.user, year=year, metric=metric)
        chosen = _chosen_certificates(request, options)
        report = figures.evidence_get(
            user=request.user, year=year, metric=metric, certificate_ids=chosen
        )
        if export_format(request) == "xlsx":
            return exports.EvidenceExport().response(report)
        if export_format(request) == "pdf":
            content = render_pdf(
                "reports/pdf/evidence.html",
                {"evidence": report, "sections": _roster_sections(report)},
                request=request,
            )
            return pdf_response(f"{report.title}.pdf", content, inline=False)
        context.update(
            options=options,
            chosen=chosen,
            evidence=report,
            sections=_roster_sections(report),
        )
    return render(request, "reports/evidence.html", context)


def _roster_sections(report) -> list[dict]:
    return [{"section": s, "blocks": exports.roster_blocks(s.names)} for s in report.sections]


@access.records_required
def annual(request):
    form = EvidenceForm(request.GET or None)
    del form.fields["metric"]
    summary = None
    if form.is_bound and form.is_valid():
        summary = figures.annual_summary(user=request.user, year=form.cleaned_data["year"])
        title = _("{year} 年 1+X 证书试点工作概况").format(year=summary.year)
        if export_format(request) == "xlsx":
            return exports.AnnualExport().response(summary)
        if export_format(request) == "pdf":
            content = render_pdf(
                "reports/pdf/annual.html", {"summary": summary, "title": title}, request=request
            )
            return pdf_response(f"{title}.pdf", content, inline=False)
    return render(request, "reports/annual.html", {"form": form, "summary": summary})


# --- Performance ----------------------------------------------------------------------------------------


def _owner(request, user, value: str):
    if not value:
        return None
    kind, pk = value[:1], value[1:]
    if kind == "d":
        return selectors.access_department(user, pk)
    if kind == "p":
        return selectors.access_pilot_major(user, pk)
    raise Http404("No such owner")


@access.performance_required
def performance(request):
    """The performance report (绩效报告) of a year: each department's and pilot major's targets
    against the figures computed from the data; one owner, or all the user reads."""
    data = request.GET.copy()
    data.setdefault("year", str(timezone.localdate().year))
    form = PerformanceForm(data, user=request.user)
    groups: list[dict] = []
    rows: list = []
    year = None
    owner = None
    if form.is_valid():
        year = form.cleaned_data["year"]
        owner = _owner(request, request.user, form.cleaned_data["owner"])
        targets = selectors.target_list(user=request.user).filter(year=year)
        if owner is not None:
            field = "department" if isinstance(owner, Department) else "pilot_major"
            targets = targets.filter(**{field: owner})
        rows = _performance_rows(request.user, targets)
        by_owner: dict = defaultdict(list)
        for row in rows:
            by_owner[row.target.owner].append(row)
        groups = [{"owner": o, "rows": r} for o, r in by_owner.items()]
    title = _("{year} 年绩效指标完成情况").format(year=year or "")
    if owner is not None:
        title = _("{owner} {year} 年绩效指标完成情况").format(owner=owner, year=year)
    if export_format(request) == "xlsx" and year:
        return exports.PerformanceExport(title).response(rows)
    if export_format(request) == "pdf" and year:
        content = render_pdf(
            "reports/pdf/performance.html",
            {"title": title, "groups": groups, "year": year, "generated": timezone.localdate()},
            request=request,
        )
        return pdf_response(f"{title}.pdf", content, inline=False)
    return render(
        request,
        "reports/performance.html",
        {
            "form": form,
            "groups": groups,
            "title": title,
            "year": year,
            "manages": access.performance_scope(request.user).manages,
        },
    )


@access.performance_required
def target_list(request):
    filterset = TargetFilter(
        request.GET or None, queryset=selectors.target_list(user=request.user), user=request.user
    )
    ps = access.performance_scope(request.user)
    return list_page(
        request,
        "reports/target_list.html",
        filterset=filterset,
        export=exports.TargetExport(),
        page_size=PAGE_SIZE,
        context=lambda page: {
            "rows": [
                (r, ps.manages_institution(r.target.indicator.institution_id))
                for r in _performance_rows(request.user, page.object_list)
            ],
            "manages": ps.manages,
        },
    )


def _performance_rows(user, targets) -> list:
    """The targets against their actual figures, each figure linked to its named list."""
    rows = figures.performance_rows(targets)
    _link(user, [r.cell for r in rows], {})
    return rows


def _target_form_view(request, target=None):
    form = TargetForm(request.POST or None, user=request.user, instance=target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not access.performance_scope(request.user).manages_institution(
            data["indicator"].institution_id
        ):
            raise PermissionDenied
        ok, _target = run_service(
            form,
            lambda: services.target_set(
                actor=request.user,
                indicator=data["indicator"],
                year=data["year"],
                target=data["target"],
                department=data["department"],
                pilot_major=data["pilot_major"],
                note=data["note"],
                instance=target,
            ),
        )
        if ok:
            messages.success(request, _("已保存年度目标。"))
            return redirect(f"{reverse('reports:target-list')}?year={data['year']}")
    return render(request, "reports/target_form.html", {"form": form, "target": target})


@access.targets_required
def target_create(request):
    return _target_form_view(request)


@access.targets_required
def target_edit(request, pk):
    return _target_form_view(request, selectors.access_target(request.user, pk, manage=True))


@require_POST
@access.targets_required
def target_delete(request, pk):
    target = selectors.access_target(request.user, pk, manage=True)
    year = target.year
    services.target_delete(actor=request.user, target=target)
    messages.success(request, _("已删除年度目标。"))
    return redirect(f"{reverse('reports:target-list')}?year={year}")


@access.performance_required
def indicator_list(request):
    filterset = IndicatorFilter(
        request.GET or None, queryset=selectors.indicator_list(user=request.user)
    )
    ps = access.performance_scope(request.user)
    return list_page(
        request,
        "reports/indicator_list.html",
        filterset=filterset,
        export=exports.IndicatorExport(),
        page_size=None,  # a few per institution, never paginated
        context=lambda page: {
            "indicators": [(i, ps.manages_institution(i.institution_id)) for i in page],
            "manages": ps.manages,
        },
    )


def _managed_institutions(user):
    ps = access.performance_scope(user)
    if ps.manage_everywhere:
        return Institution.objects.order_by("code")
    return Institution.objects.filter(pk__in=ps.manage_institutions).order_by("code")


@access.targets_required
def indicator_create(request):
    form = IndicatorForm(request.POST or None, institutions=_managed_institutions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _indicator = run_service(
            form, lambda: services.indicator_create(actor=request.user, **data)
        )
        if ok:
            messages.success(request, _("已创建绩效指标。"))
            return redirect("reports:indicator-list")
    return render(request, "reports/indicator_form.html", {"form": form, "indicator": None})


@access.targets_required
def indicator_edit(request, pk):
    indicator = selectors.access_indicator(request.user, pk, manage=True)
    form = IndicatorForm(
        request.POST or None,
        instance=indicator,
        institutions=_managed_institutions(request.user),
    )
    if request.method == "POST":
        # Validate on a copy: the service changes the row, not the form's instance.
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
            indicator.refresh_from_db()
            ok, _indicator = run_service(
                form,
                lambda: services.indicator_update(actor=request.user, indicator=indicator, **data),
            )
            if ok:
                messages.success(request, _("已保存绩效指标。"))
                return redirect("reports:indicator-list")
    return render(request, "reports/indicator_form.html", {"form": form, "indicator": indicator})
