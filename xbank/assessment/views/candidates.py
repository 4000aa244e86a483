"""Pages of candidates (考生): sign-up, removal, admission tickets (准考证) and sign-in sheets as
PDF, and a learner's own candidacies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.qr import qr_svg_data_uri
from xbank.core.views import form_page, run_action
from xbank.verify import services as verify_services

from .. import forms, selectors, services
from ..decorators import (
    manage_required,
    view_required,
)
from .common import _back


@manage_required
def candidate_add(request, pk):
    """Direct sign-up (报考) of a person with a learning account."""
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.DirectSignUpForm(request.POST or None, user=request.user)
    return form_page(
        request,
        "assessment/form.html",
        form,
        lambda data: services.candidate_add(
            actor=request.user, session=session, account=data["account"]
        ),
        then=lambda candidate: _back(session.pk, "candidates"),
        success=lambda candidate: (
            _("已报考：%(name)s，准考证号 %(ticket)s")
            % {"name": candidate.account.name, "ticket": candidate.ticket_no}
        ),
        context={
            "title": _("直接报考") + f" · {session.title}",
            "back_url": reverse("assessment:session-detail", args=[session.pk]),
        },
    )


@require_POST
@manage_required
def candidate_add_program(request, pk):
    """Sign up every approved enrollment of a training program."""
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.ProgramSignUpForm(request.POST, session=session)
    if not form.is_valid():
        messages.error(request, _("请选择培训项目"))
        return _back(session.pk, "candidates")
    ok, report = run_action(
        request,
        lambda: services.candidates_add_from_program(
            actor=request.user, session=session, program=form.cleaned_data["program"]
        ),
    )
    if not ok:
        return _back(session.pk, "candidates")
    messages.success(
        request,
        _("已报考 %(added)d 人，此前已报考 %(already)d 人")
        % {"added": len(report.added), "already": report.already},
    )
    for name, reason in report.refused:
        messages.error(request, f"{name}：{reason}")
    return _back(session.pk, "candidates")


@require_POST
@manage_required
def candidate_remove(request, pk):
    candidate = selectors.access_candidate(request.user, pk, manage=True)
    ok, _removed = run_action(
        request, lambda: services.candidate_remove(actor=request.user, candidate=candidate)
    )
    if ok:
        messages.success(request, _("已移出考生"))
    return _back(candidate.session_id, "candidates")


def _ticket_context(request, candidates: list) -> dict:
    tickets = []
    for candidate in candidates:
        credential = candidate.ticket_credential
        url = verify_services.public_url(credential, request) if credential is not None else ""
        tickets.append(
            {"candidate": candidate, "verify_url": url, "qr": qr_svg_data_uri(url) if url else ""}
        )
    return {"tickets": tickets}


@view_required
def ticket_pdf(request, pk):
    candidate = selectors.access_candidate(request.user, pk)
    content = render_pdf("assessment/pdf/tickets.html", _ticket_context(request, [candidate]))
    return pdf_response(f"准考证-{candidate.ticket_no}.pdf", content)


@view_required
def tickets_pdf(request, pk):
    """All admission tickets of a session in one PDF, a page per candidate."""
    session = selectors.access_session(request.user, pk)
    candidates = list(selectors.session_candidates(session))
    for candidate in candidates:
        candidate.session = session
    content = render_pdf("assessment/pdf/tickets.html", _ticket_context(request, candidates))
    return pdf_response(f"准考证-{session.title}.pdf", content)


@view_required
def signin_sheet_pdf(request, pk):
    """签到表: a page per room, candidates in seat order, a column to sign."""
    session = selectors.access_session(request.user, pk)
    rooms = selectors.session_rooms(session)
    by_room: dict[int, list] = {room.pk: [] for room in rooms}
    for candidate in selectors.session_candidates(session):
        by_room[candidate.session_room_id].append(candidate)
    content = render_pdf(
        "assessment/pdf/signin_sheet.html",
        {"session": session, "rooms": [(room, by_room[room.pk]) for room in rooms]},
    )
    return pdf_response(f"签到表-{session.title}.pdf", content)


@login_required
def my_results(request):
    """我的考试: the user's candidacies, tickets, published results and certificates."""
    candidacies = list(selectors.my_candidacies(user=request.user))
    return render(request, "assessment/my_results.html", {"candidacies": candidacies})


@login_required
def my_ticket(request, pk):
    candidate = selectors.access_my_candidate(request.user, pk)
    content = render_pdf("assessment/pdf/tickets.html", _ticket_context(request, [candidate]))
    return pdf_response(f"准考证-{candidate.ticket_no}.pdf", content)
