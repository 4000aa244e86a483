"""Pages of assessment sessions (考核批次): the landing page, the list, a session's page with its
rooms and examiners, and the status transitions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.core.views import form_page, list_page, run_action, run_service, wants_export

from .. import exports, forms, selectors, services
from ..access import access_for
from ..decorators import (
    manage_required,
    view_required,
)
from ..filters import SessionFilter
from ..models import ExamSession, SessionExaminer
from .common import _back, _list_context

Status = ExamSession.Status


@login_required
def index(request):
    access = access_for(request.user)
    if access.view:
        return redirect("assessment:session-list")
    if access.qualifications:
        return redirect("assessment:qualification-list")
    if selectors.examiner_sessions(user=request.user).exists():
        return redirect("assessment:my-sessions")
    return redirect("assessment:my-results")


@view_required
def session_list(request):
    filterset = SessionFilter(
        request.GET or None, queryset=selectors.session_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "assessment/session_list.html",
        filterset=filterset,
        export=exports.SessionExport(),
        context=_list_context(request.user),
    )


@manage_required
def session_create(request):
    form = forms.SessionForm(request.POST or None, user=request.user)
    return form_page(
        request,
        "assessment/form.html",
        form,
        lambda data: services.session_create(actor=request.user, **data),
        then=lambda session: redirect("assessment:session-detail", pk=session.pk),
        success=_("已新建考核批次，请安排考场和考评员"),
        context={"title": _("新建考核批次"), "back_url": reverse("assessment:session-list")},
    )


@manage_required
def session_edit(request, pk):
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.SessionForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in services.SESSION_FIELDS}
        session.refresh_from_db()
        ok, _session = run_service(
            form, lambda: services.session_update(actor=request.user, session=session, **values)
        )
        if ok:
            messages.success(request, _("已保存"))
            return redirect("assessment:session-detail", pk=session.pk)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考核批次"),
            "back_url": reverse("assessment:session-detail", args=[session.pk]),
        },
    )


@view_required
def session_detail(request, pk):
    session = selectors.access_session(request.user, pk)
    if wants_export(request):
        return exports.SessionCandidateExport().response(selectors.session_candidates(session))
    may_manage = session.institution_id in access_for(request.user).manage
    rooms = selectors.session_rooms(session)
    candidates = list(selectors.session_candidates(session))
    context = {
        "session": session,
        "rooms": rooms,
        "candidates": candidates,
        "seats": sum(r.seats for r in rooms),
        "may_manage": may_manage,
        "problems": services.session_problems(session)
        if session.status in (Status.DRAFT, Status.SCHEDULED)
        else [],
        "missing": services.confidentiality_missing(session),
        "pass_mark": services.pass_mark_for(session.certificate_type),
        "editable": session.status in (Status.DRAFT, Status.SCHEDULED),
        "passed": sum(1 for c in candidates if getattr(c, "result", None) and c.result.passed),
    }
    if may_manage and context["editable"]:
        context["room_form"] = forms.SessionRoomForm(session=session)
        context["examiner_form"] = forms.SessionExaminerForm(session=session, rooms=rooms)
        context["signup_form"] = forms.DirectSignUpForm(user=request.user)
        context["program_form"] = forms.ProgramSignUpForm(session=session)
    return render(request, "assessment/session_detail.html", context)


@require_POST
@manage_required
def session_room_add(request, pk):
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.SessionRoomForm(request.POST, session=session)
    if form.is_valid():
        ok, _session_room = run_action(
            request,
            lambda: services.session_room_add(
                actor=request.user,
                session=session,
                room=form.cleaned_data["room"],
                seats=form.cleaned_data["seats"],
            ),
        )
        if ok:
            messages.success(request, _("已安排考场"))
    else:
        messages.error(request, _("请选择考场"))
    return _back(session.pk, "rooms")


@require_POST
@manage_required
def session_room_remove(request, pk, room_pk):
    session = selectors.access_session(request.user, pk, manage=True)
    session_room = get_object_or_404(session.session_rooms, pk=room_pk)
    ok, _removed = run_action(
        request,
        lambda: services.session_room_remove(actor=request.user, session_room=session_room),
    )
    if ok:
        messages.success(request, _("已移出考场"))
    return _back(session.pk, "rooms")


@require_POST
@manage_required
def session_examiner_add(request, pk):
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.SessionExaminerForm(
        request.POST,
        session=session,
        rooms=list(session.session_rooms.select_related("room__site")),
    )
    if form.is_valid():
        ok, _assignment = run_action(
            request,
            lambda: services.session_examiner_add(
                actor=request.user,
                session_room=form.cleaned_data["session_room"],
                examiner=form.cleaned_data["examiner"],
            ),
        )
        if ok:
            messages.success(request, _("已安排考评员"))
    else:
        messages.error(request, _("请选择考场和考评员"))
    return _back(session.pk, "rooms")


@require_POST
@manage_required
def session_examiner_remove(request, pk, assignment_pk):
    session = selectors.access_session(request.user, pk, manage=True)
    assignment = get_object_or_404(
        SessionExaminer.objects.select_related("session_room__room"),
        session=session,
        pk=assignment_pk,
    )
    ok, _removed = run_action(
        request, lambda: services.session_examiner_remove(actor=request.user, assignment=assignment)
    )
    if ok:
        messages.success(request, _("已移出考评员"))
    return _back(session.pk, "rooms")


TRANSITIONS = {
    "schedule": (services.session_schedule, _("已排考")),
    "unschedule": (services.session_unschedule, _("已退回草稿")),
    "start": (services.session_start, _("考核已开始，考评员可以录入成绩")),
    "finish": (services.session_finish_scoring, _("评分已结束")),
    "reopen": (services.session_reopen_scoring, _("已重新开放评分")),
    "publish": (services.session_publish, _("成绩已发布，考生可以查看")),
    "cancel": (services.session_cancel, _("考核批次已取消")),
}


@require_POST
@manage_required
def session_transition(request, pk, action):
    session = selectors.access_session(request.user, pk, manage=True)
    if action not in TRANSITIONS:
        raise Http404("No such action")
    service, done = TRANSITIONS[action]
    ok, _session = run_action(request, lambda: service(actor=request.user, session=session))
    if ok:
        messages.success(request, done)
    return _back(session.pk)
