"""Pages of certificate awards (证书发放)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.core.views import list_page, run_service

from .. import exports, forms, selectors, services
from ..decorators import (
    manage_required,
    view_required,
)
from ..filters import AwardFilter
from .common import _back, _list_context


@view_required
def award_list(request):
    filterset = AwardFilter(
        request.GET or None, queryset=selectors.award_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "assessment/award_list.html",
        filterset=filterset,
        export=exports.AwardExport(),
        context=_list_context(request.user),
    )


@manage_required
def award_create(request, pk):
    candidate = selectors.access_candidate(request.user, pk, manage=True)
    form = forms.AwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, award = run_service(
            form,
            lambda: services.award_issue(
                actor=request.user, candidate=candidate, **form.cleaned_data
            ),
            fields={"date": "issued_on", "date_future": "issued_on"},
        )
        if ok:
            messages.success(
                request,
                _("已发放证书 %(number)s，已记入 %(name)s 的学习账户")
                % {"number": award.certificate_no, "name": candidate.account.name},
            )
            return _back(candidate.session_id, "candidates")
    title = _("发放证书") + f" · {candidate.account.name}（{candidate.ticket_no}）"
    back = reverse("assessment:session-detail", args=[candidate.session_id])
    return render(request, "assessment/form.html", {"form": form, "title": title, "back_url": back})


@manage_required
def award_revoke(request, pk):
    award = selectors.access_award(request.user, pk, manage=True)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _revoked = run_service(
            form,
            lambda: services.award_revoke(
                actor=request.user, award=award, reason=form.cleaned_data["reason"]
            ),
        )
        if ok:
            messages.success(request, _("证书已撤销，核验页面将显示“已撤销”"))
            return redirect("assessment:award-list")
    title = _("撤销证书") + f" · {award.certificate_no}（{award.account.name}）"
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": title,
            "danger": True,
            "back_url": reverse("assessment:award-list"),
        },
    )
