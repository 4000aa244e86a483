"""Pages of learners (学习者), learning outcomes (学习成果) and the learner's own account.

Staff pages need a role that sees learner records (403 otherwise); rows come from the scoped
selectors, so a record outside the user's scope is a 404 like a missing one.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xbank.accounts.access import Grants
from xbank.accounts.decorators import records_required, require
from xbank.accounts.models import LEARNER_RECORD_ROLES, REVEAL_ID_ROLES
from xbank.accounts.scoping import scope_for
from xbank.core.throttling import with_retry_after
from xbank.core.views import list_page, run_action, run_service, wants_export
from xbank.core.xlsx import dated_filename, xlsx_response

from . import exports, selectors, services
from .filters import CertificateStatsFilter, LearnerFilter, OutcomeFilter
from .forms import FullExportDecisionForm, FullExportRequestForm
from .links import learner_links
from .models import FullIdExport, ProfileChange

PAGE_SIZE = 50


@records_required
def learner_list(request):
    """The learner list. Its filter bar is posted: the answer is a redirect to the same filters
    with a document number replaced by its keyed hash, so no number enters a URL (access log,
    history, the links of the page). A number in the address (an old bookmark) is moved out the
    same way."""
    scope = scope_for(request.user)
    queryset = selectors.learner_list(user=request.user)
    if request.method == "POST" or "id_number" in request.GET:
        data = request.POST if request.method == "POST" else request.GET
        filterset = LearnerFilter(data, queryset=queryset, user=request.user)
        if filterset.is_valid():
            query = urlencode(filterset.url_params())
            # 303: the browser follows with a GET, and a reload does not post the number again.
            return HttpResponseRedirect(
                f"{request.path}?{query}" if query else request.path, status=303
            )
        if request.method == "GET":
            return HttpResponseBadRequest(_("证件号不能放在网址中，请在筛选栏中输入后查询。"))
    else:
        filterset = LearnerFilter(request.GET or None, queryset=queryset, user=request.user)
    # Masked numbers only: a file with full numbers is a request of its own (full_export_*).
    return list_page(
        request,
        "learners/learner_list.html",
        filterset=filterset,
        export=exports.LearnerExport(),
        context={
            "may_reveal": scope.may_reveal_id,
            "by_id": bool(request.GET.get("id")),
            "export_form": FullExportRequestForm(initial={"query": request.GET.urlencode()}),
            "approval_required": settings.XBANK_FULL_EXPORT_APPROVAL,
            "daily_limit": settings.XBANK_FULL_EXPORT_DAILY_LIMIT,
        },
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
        # 相关记录: the apps above say which of their pages this user may open (no query: the
        # grants are read once per request).
        "links": learner_links(request.user, learner),
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
    return list_page(
        request,
        "learners/outcome_list.html",
        filterset=filterset,
        export=exports.OutcomeExport(),
    )


@records_required
def certificate_stats(request):
    filterset = CertificateStatsFilter(
        request.GET or None,
        queryset=selectors.outcomes_in_scope(user=request.user),
        user=request.user,
    )
    stats = selectors.certificate_stats(outcomes=filterset.qs)
    if wants_export(request):
        return exports.StatsExport(stats).response(stats)
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


# --- Full-ID exports (完整证件号导出) ----------------------------------------------------------------


def _reveals(grants: Grants) -> bool:
    """Sees learner records and holds a role that may see full document numbers."""
    return grants.has(*LEARNER_RECORD_ROLES) and grants.has(*REVEAL_ID_ROLES)


reveal_required = require(_reveals)


@reveal_required
def full_export_list(request):
    services.full_exports_expire()
    return render(
        request,
        "learners/full_export_list.html",
        {
            "exports": selectors.full_export_list(user=request.user)[:50],
            "to_approve": selectors.full_exports_to_approve(user=request.user),
        },
    )


@reveal_required
def full_export_create(request):
    """Ask for the current learner list with full numbers (POST; GET shows the form).

    Without approval the encrypted file is prepared at once and its password shown; with
    approval the request waits on its page for a second person.
    """
    if request.method != "POST":
        form = FullExportRequestForm(initial={"query": request.GET.urlencode()})
        return render(request, "learners/full_export_form.html", {"form": form})
    form = FullExportRequestForm(request.POST)
    status = 400
    if form.is_valid():
        filterset = LearnerFilter(
            QueryDict(form.cleaned_data["query"]),
            queryset=selectors.learner_list(user=request.user),
            user=request.user,
        )
        if not filterset.is_valid():
            form.add_error(None, _("筛选条件有误，请回到学习者列表重新查询后再申请导出。"))
        else:
            ok, export = run_service(
                form,
                lambda: services.full_export_request(
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    filters=filterset.url_params(),
                    description=filterset.describe(),
                    rows=filterset.qs.count(),
                    request=request,
                ),
                fields={"reason": "reason"},
            )
            if not ok and form.has_error(NON_FIELD_ERRORS, code="limit"):
                status = 429  # the daily limit
            if ok:
                if export.status == FullIdExport.Status.APPROVED:
                    return _prepare(request, export)
                messages.success(request, _("导出申请已提交，等待其他有权限的人员审批。"))
                return redirect("learners:full-export-detail", pk=export.pk)
    response = render(request, "learners/full_export_form.html", {"form": form}, status=status)
    if status == 429:
        # The limit is per local day: it lifts at the next local midnight.
        now = timezone.localtime()
        midnight = (now + datetime.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        with_retry_after(response, (midnight - now).total_seconds())
    return response


def _detail(request, export, *, form=None, error=None, status=200):
    return render(
        request,
        "learners/full_export_detail.html",
        {
            "export": export,
            "is_requester": export.requester_id == request.user.pk,
            "form": form or FullExportDecisionForm(),
            "error": error,
        },
        status=status,
    )


@reveal_required
def full_export_detail(request, pk):
    services.full_exports_expire()
    return _detail(request, selectors.access_full_export(request.user, pk))


@require_POST
@reveal_required
def full_export_decide(request, pk):
    export = selectors.access_full_export(request.user, pk)
    if export.requester_id == request.user.pk:
        raise PermissionDenied(services.ERR_EXPORT_SELF_APPROVAL)
    form = FullExportDecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, export, form=form, status=400)
    try:
        services.full_export_decide(
            actor=request.user,
            export=export,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as exc:
        return _detail(request, export, form=form, error=exc.messages[0], status=400)
    return redirect("learners:full-export-detail", pk=pk)


def _prepare(request, export):
    """Build, encrypt and keep the file; show its one-time password on this page only."""
    content, rows = exports.full_export_workbook(export, selectors.full_export_learners(export))
    try:
        password = services.full_export_prepare(
            actor=request.user, export=export, workbook=content, rows=rows
        )
    except ValidationError as exc:
        export.refresh_from_db()
        return _detail(request, export, error=exc.messages[0], status=400)
    return render(
        request,
        "learners/full_export_password.html",
        {"export": export, "password": password, "rows": rows},
    )


@never_cache
@require_POST
@reveal_required
def full_export_prepare(request, pk):
    export = selectors.access_full_export(request.user, pk)
    if export.requester_id != request.user.pk:
        raise PermissionDenied
    return _prepare(request, export)


@require_POST
@reveal_required
def full_export_download(request, pk):
    export = selectors.access_full_export(request.user, pk)
    if export.requester_id != request.user.pk:
        raise PermissionDenied
    try:
        content = services.full_export_download(actor=request.user, export=export, request=request)
    except ValidationError as exc:
        export.refresh_from_db()
        return _detail(request, export, error=exc.messages[0], status=400)
    return xlsx_response(dated_filename(_("学习者名单（含完整证件号，已加密）")), content)


# --- Proposed changes of stored details (信息变更申请) ------------------------------------------


# Continuing-education staff of some institution (403 otherwise).
changes_required = require(selectors.decides_changes)


@never_cache
@changes_required
def change_list(request):
    """The to-do list of continuing-education staff: details from public registrations that
    differ from what is stored, among them names that disagree with the account's."""
    status = request.GET.get("status", ProfileChange.Status.PENDING)
    if status not in ProfileChange.Status.values:
        status = ""
    page = Paginator(
        selectors.profile_change_list(user=request.user, status=status or None), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "learners/change_list.html",
        {"page_obj": page, "status": status, "statuses": ProfileChange.Status.choices},
    )


@never_cache
@changes_required
def change_detail(request, pk):
    """What is stored beside what was proposed; accept (采纳) or reject (不采纳)."""
    change = selectors.access_profile_change(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        service = {
            "accept": services.profile_change_accept,
            "reject": services.profile_change_reject,
        }.get(action)
        if service is None:
            raise Http404("No such action")
        ok, _change = run_action(
            request,
            lambda: service(actor=request.user, change=change, note=request.POST.get("note", "")),
        )
        if ok:
            messages.success(
                request, _("已采纳，信息已更新") if action == "accept" else _("未采纳")
            )
            return redirect("learners:change-list")
    account = change.account
    learner = change.learner
    rows = [
        (_("姓名"), account.name, change.name),
        (_("手机号"), account.phone_masked, change.phone),
        (_("学历"), learner.education if learner else "", change.education),
        (_("工作单位"), learner.employer if learner else "", change.employer),
    ]
    return render(
        request,
        "learners/change_detail.html",
        {"change": change, "account": account, "rows": rows},
    )
