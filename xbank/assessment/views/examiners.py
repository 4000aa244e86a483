"""Pages of examiner qualifications (考评员资格)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.core.views import form_page, list_page, run_service

from .. import exports, forms, selectors, services
from ..access import access_for
from ..decorators import (
    qualifications_manage_required,
    qualifications_required,
)
from ..filters import QualificationFilter
from .common import _list_context


@qualifications_required
def qualification_list(request):
    filterset = QualificationFilter(
        request.GET or None,
        queryset=selectors.qualification_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request,
        "assessment/qualification_list.html",
        filterset=filterset,
        export=exports.QualificationExport(),
        context={
            **_list_context(request.user),
            "may_edit": bool(access_for(request.user).qualifications),
        },
    )


@qualifications_manage_required
def qualification_create(request):
    form = forms.QualificationForm(request.POST or None, user=request.user)
    return form_page(
        request,
        "assessment/form.html",
        form,
        lambda data: services.qualification_create(actor=request.user, **data),
        then=lambda _qualification: redirect("assessment:qualification-list"),
        success=_("已登记考评员资格"),
        context={
            "title": _("登记考评员资格"),
            "back_url": reverse("assessment:qualification-list"),
        },
    )


@qualifications_manage_required
def qualification_edit(request, pk):
    qualification = selectors.access_qualification(request.user, pk, manage=True)
    form = forms.QualificationForm(request.POST or None, instance=qualification, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in services.QUALIFICATION_FIELDS}
        qualification.refresh_from_db()
        ok, _qualification = run_service(
            form,
            lambda: services.qualification_update(
                actor=request.user, qualification=qualification, **values
            ),
        )
        if ok:
            messages.success(request, _("已保存"))
            return redirect("assessment:qualification-list")
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考评员资格"),
            "back_url": reverse("assessment:qualification-list"),
        },
    )
