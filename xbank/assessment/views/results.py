"""Pages of pass marks (合格线), examiners' score sheets, candidates with their results and the
appraisal statistics (鉴定统计)."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.catalog.models import CertificateType
from xbank.core.views import PAGE_SIZE, list_page, run_service, wants_export

from .. import exports, forms, selectors, services
from ..access import access_for
from ..decorators import (
    manage_required,
    view_required,
)
from ..filters import CandidateFilter
from ..models import ExamSession
from .common import _list_context

Status = ExamSession.Status


def _pass_mark_entries():
    types = (
        CertificateType.objects.exclude(kind=CertificateType.Kind.DIPLOMA)
        .select_related("pass_mark")
        .order_by("kind", "name")
    )
    return [(ct, services.pass_mark_for(ct)) for ct in types]


@view_required
def pass_mark_list(request):
    entries = _pass_mark_entries()
    if wants_export(request):
        return exports.PassMarkExport().response(entries)
    return render(
        request,
        "assessment/pass_mark_list.html",
        {"entries": entries, "may_manage": bool(access_for(request.user).manage)},
    )


@manage_required
def pass_mark_edit(request, pk):
    certificate_type = get_object_or_404(CertificateType, pk=pk)
    mark = services.pass_mark_for(certificate_type)
    initial = {
        "theory": mark.theory,
        "practical": mark.practical,
        "theory_full": mark.theory_full,
        "practical_full": mark.practical_full,
    }
    form = forms.PassMarkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.pass_mark_set(
            actor=request.user, certificate_type=certificate_type, **form.cleaned_data
        )
        messages.success(request, _("已保存合格线"))
        return redirect("assessment:pass-mark-list")
    title = _("合格线") + f" · {certificate_type.name}"
    back = reverse("assessment:pass-mark-list")
    return render(request, "assessment/form.html", {"form": form, "title": title, "back_url": back})


@login_required
def my_sessions(request):
    """The sessions the user examines (考核评分)."""
    sessions = selectors.examiner_sessions(user=request.user)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/my_sessions.html", {"page_obj": page})


@login_required
def score_sheet(request, pk):
    """An examiner's score sheet: the candidates of the rooms they examine in the session."""
    session = selectors.access_examiner_session(request.user, pk)
    candidates = list(selectors.examiner_candidates(user=request.user, session=session))
    open_for_scores = session.status in (Status.IN_PROGRESS, Status.SCORED)
    rows = []
    saved = failed = 0
    for candidate in candidates:
        candidate.session = session
        result = getattr(candidate, "result", None)
        initial = {
            "theory": result.theory_score if result else None,
            "practical": result.practical_score if result else None,
            "absent": result.absent if result else False,
        }
        prefix = f"c{candidate.pk}"
        posted = request.method == "POST" and open_for_scores
        form = forms.ScoreForm(request.POST if posted else None, initial=initial, prefix=prefix)
        if posted and form.is_valid() and form.has_changed():
            data = form.cleaned_data
            # partial, not a lambda: it binds this row's candidate and scores, not the loop's.
            ok, _result = run_service(
                form,
                partial(
                    services.result_enter,
                    actor=request.user,
                    candidate=candidate,
                    theory_score=data["theory"],
                    practical_score=data["practical"],
                    absent=data["absent"],
                ),
                denied=True,
            )
            if ok:
                saved += 1
            else:
                failed += 1
        elif posted and not form.is_valid():
            failed += 1
        rows.append((candidate, form))
    if request.method == "POST":
        if not open_for_scores:
            messages.error(
                request,
                _("考核批次当前状态为「%(status)s」，不能录入成绩")
                % {"status": session.get_status_display()},
            )
        elif not failed:
            messages.success(request, _("已保存 %(count)d 名考生的成绩") % {"count": saved})
            return redirect("assessment:score-sheet", pk=session.pk)
        else:
            messages.error(
                request, _("%(count)d 名考生的成绩未能保存，请查看标红的行") % {"count": failed}
            )
    return render(
        request,
        "assessment/score_sheet.html",
        {
            "session": session,
            "rows": rows,
            "open_for_scores": open_for_scores,
            "rooms": selectors.examiner_rooms(user=request.user, session=session),
            "pass_mark": services.pass_mark_for(session.certificate_type),
        },
    )


@view_required
def candidate_list(request):
    """Candidates with their results: the drill-down of the statistics, filterable, exportable."""
    filterset = CandidateFilter(
        request.GET or None, queryset=selectors.candidate_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "assessment/candidate_list.html",
        filterset=filterset,
        export=exports.CandidateExport(),
        context=_list_context(request.user),
    )


@view_required
def stats(request):
    """鉴定人数 and pass rates by year, certificate and level; each count opens its names."""
    filterset = CandidateFilter(
        request.GET or None, queryset=selectors.candidate_list(user=request.user), user=request.user
    )
    for name in list(filterset.filters):
        if name not in {"year", "certificate_type", "level", "institution"}:
            del filterset.filters[name]
    data = selectors.appraisal_stats(candidates=filterset.qs)
    if wants_export(request):
        return exports.StatsExport().response(data)
    carried = {
        key: value
        for key, value in request.GET.items()
        if key in filterset.filters and value and not filterset.form.errors
    }
    base = reverse("assessment:candidate-list")

    def drill(**params) -> str:
        return f"{base}?{urlencode({**carried, **params})}"

    rows = [
        {
            "row": row,
            "candidates_url": drill(
                year=row.year, certificate_type=row.certificate_type_id, level=row.level
            ),
            "examined_url": drill(
                year=row.year,
                certificate_type=row.certificate_type_id,
                level=row.level,
                examined="on",
            ),
            "passed_url": drill(
                year=row.year,
                certificate_type=row.certificate_type_id,
                level=row.level,
                passed="on",
            ),
        }
        for row in data.rows
    ]
    years = [
        {
            "year": year,
            "candidates": n,
            "examined": examined,
            "passed": passed,
            "examined_url": drill(year=year, examined="on"),
            "passed_url": drill(year=year, passed="on"),
            "candidates_url": drill(year=year),
        }
        for year, n, examined, passed in data.years
    ]
    return render(
        request,
        "assessment/stats.html",
        {"filter": filterset, "stats": data, "rows": rows, "years": years},
    )
