"""Pages of a session's confidentiality record (保密记录) and incidents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.core.views import run_action, run_service

from .. import forms, selectors, services
from ..models import ConfidentialityStep, ExamSession, SessionIncident


def _confidentiality_session(user, pk) -> ExamSession:
    """Staff who run the session, and the session's examiners, keep its confidentiality record."""
    try:
        return selectors.access_session(user, pk, manage=True)
    except Http404:
        return selectors.access_examiner_session(user, pk)


@login_required
def confidentiality(request, pk):
    session = _confidentiality_session(request.user, pk)
    form = forms.ConfidentialityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _step = run_service(
            form,
            lambda: services.confidentiality_sign(
                actor=request.user, session=session, **form.cleaned_data
            ),
        )
        if ok:
            messages.success(request, _("已签字记录，请另一人复核"))
            return redirect("assessment:confidentiality", pk=session.pk)
    steps = selectors.confidentiality_steps(session)
    return render(
        request,
        "assessment/confidentiality.html",
        {
            "session": session,
            "form": form,
            "steps": [
                (value, label, steps.get(value))
                for value, label in ConfidentialityStep.Step.choices
            ],
            "incidents": selectors.session_incidents(session),
            "incident_form": forms.IncidentForm(),
            "resolve_form": forms.IncidentResolveForm(),
            "missing": services.confidentiality_missing(session),
            "recording": session.status in services.CONFIDENTIALITY_STATUSES,
        },
    )


@require_POST
@login_required
def confidentiality_countersign(request, pk, step_pk):
    session = _confidentiality_session(request.user, pk)
    step = get_object_or_404(ConfidentialityStep, session=session, pk=step_pk)
    ok, _step = run_action(
        request, lambda: services.confidentiality_countersign(actor=request.user, step=step)
    )
    if ok:
        messages.success(request, _("已复核"))
    return redirect("assessment:confidentiality", pk=session.pk)


@require_POST
@login_required
def incident_add(request, pk):
    session = _confidentiality_session(request.user, pk)
    form = forms.IncidentForm(request.POST)
    if form.is_valid():
        ok, _incident = run_action(
            request,
            lambda: services.incident_report(
                actor=request.user, session=session, **form.cleaned_data
            ),
        )
        if ok:
            messages.success(request, _("已记录异常情况"))
    else:
        messages.error(request, _("请填写发生时间和情况"))
    return redirect("assessment:confidentiality", pk=session.pk)


@require_POST
@login_required
def incident_resolve(request, pk, incident_pk):
    session = _confidentiality_session(request.user, pk)
    incident = get_object_or_404(SessionIncident, session=session, pk=incident_pk)
    form = forms.IncidentResolveForm(request.POST)
    if form.is_valid():
        ok, _incident = run_action(
            request,
            lambda: services.incident_resolve(
                actor=request.user, incident=incident, handling=form.cleaned_data["handling"]
            ),
        )
        if ok:
            messages.success(request, _("已记录处理结果"))
    else:
        messages.error(request, _("请填写处理结果"))
    return redirect("assessment:confidentiality", pk=session.pk)
