"""Pages of learners (学习者), learning outcomes (学习成果) and the learner's own account.

Staff pages need a role that sees learner records (403 otherwise); rows come from the scoped
selectors, so a record outside the user's scope is a 404 like a missing one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required
from xbank.accounts.scoping import scope_for
from xbank.core.xlsx import dated_filename, write_rows, xlsx_response

from . import exports, selectors, services
from .filters import CertificateStatsFilter, LearnerFilter, OutcomeFilter

PAGE_SIZE = 50


def _wants_export(request) -> bool:
    return request.GET.get("export") == "xlsx"


@records_required
def learner_list(request):
    scope = scope_for(request.user)
    filterset = LearnerFilter(
        request.GET or None,
        queryset=selectors.learner_list(user=request.user),
        user=request.user,
    )
    learners = filterset.qs
    if _wants_export(request):
        full_id = scope.may_reveal_id and request.GET.get("full_id") == "1"
        if full_id:
            services.accounts_export_ids(
                actor=request.user,
                rows=learners.count(),
                filters=filterset.form.data.dict() if filterset.is_bound else {},
                request=request,
            )
        content = write_rows(
            exports.learner_headers(),
            exports.learner_rows(learners, full_id=full_id),
            sheet_name=_("学习者"),
        )
        return xlsx_response(dated_filename(_("学习者名单")), content)
    page = Paginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learners/learner_list.html",
        {"filter": filterset, "page_obj": page, "may_reveal": scope.may_reveal_id},
    )


@records_required
def learner_detail(request, pk):
    learner = selectors.access_learner(request.user, pk)
    return render(request, "learners/learner_detail.html", _detail_context(request, learner))


def _detail_context(request, learner, *, revealed: str = "") -> dict:
    return {
        "learner": learner,
        "account": learner.account,
        "other_records": selectors.learner_others(user=request.user, learner=learner),
        "outcomes": selectors.account_outcomes(account=learner.account),
        "may_reveal": scope_for(request.user).may_reveal_id,
        "revealed": revealed,
    }


@never_cache
@require_POST
@records_required
def learner_reveal_id(request, pk):
    """Show the full document number to a role allowed to see it; the service audits it."""
    learner = selectors.access_learner(request.user, pk)
    if not scope_for(request.user).may_reveal_id:
        raise PermissionDenied
    number = services.account_reveal_id(
        actor=request.user, account=learner.account, request=request
    )
    if request.htmx:
        return render(
            request,
            "learners/learner_detail.html#id-number",
            {"account": learner.account, "learner": learner, "revealed": number},
        )
    return render(
        request,
        "learners/learner_detail.html",
        _detail_context(request, learner, revealed=number),
    )


@records_required
def outcome_list(request):
    filterset = OutcomeFilter(
        request.GET or None,
        queryset=selectors.outcome_list(user=request.user),
        user=request.user,
    )
    outcomes = filterset.qs
    if _wants_export(request):
        content = write_rows(
            exports.outcome_headers(), exports.outcome_rows(outcomes), sheet_name=_("学习成果")
        )
        return xlsx_response(dated_filename(_("学习成果")), content)
    page = Paginator(outcomes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learners/outcome_list.html", {"filter": filterset, "page_obj": page})


@records_required
def certificate_stats(request):
    filterset = CertificateStatsFilter(
        request.GET or None,
        queryset=selectors.outcomes_in_scope(user=request.user),
        user=request.user,
    )
    stats = selectors.certificate_stats(outcomes=filterset.qs)
    if _wants_export(request):
        content = write_rows(
            exports.stats_headers(stats),
            exports.stats_rows(stats),
            sheet_name=_("持证统计"),
            title=_("持证统计（按取得年份和证书类型）"),
        )
        return xlsx_response(dated_filename(_("持证统计")), content)
    # Each count links to the outcome list filtered to exactly the records it counts: the
    # page's own filters, plus "held", the certificate type and the year.
    carried = {
        key: value
        for key, value in request.GET.items()
        if key in filterset.filters and value and not filterset.form.errors
    }
    base = reverse("learners:outcome-list")

    def drill(**params) -> str:
        return f"{base}?{urlencode({**carried, 'held': '1', **params})}"

    grid = [
        {
            "row": row,
            "cells": [
                (count, drill(certificate_type=row.certificate_type_id or "none", year=year))
                for count, year in zip(row.counts, stats.years, strict=True)
            ],
            "total_url": drill(certificate_type=row.certificate_type_id or "none"),
        }
        for row in stats.rows
    ]
    year_totals = [
        (count, drill(year=year))
        for count, year in zip(stats.year_totals, stats.years, strict=True)
    ]
    return render(
        request,
        "learners/certificate_stats.html",
        {
            "filter": filterset,
            "stats": stats,
            "grid": grid,
            "year_totals": year_totals,
            "total_url": drill(),
        },
    )


@login_required
def my_account(request):
    """The learner's own account (我的学习账户): records and outcomes, newest first."""
    account = selectors.account_get_for_user(user=request.user)
    if account is None:
        raise Http404("No learning account")
    return render(
        request,
        "learners/my_account.html",
        {"account": account, "outcomes": account.outcomes.all()},
    )
