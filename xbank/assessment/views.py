"""Pages of skill assessment (考核) and certificate awards (证书发放).

Thin views: a guard (``decorators``) for the role, ``selectors.access_*`` for the row (the same
404 for missing and out of scope), one service call, a message or a form error, a redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.catalog.models import CertificateType
from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.qr import qr_svg_data_uri
from xbank.core.xlsx import dated_filename, write_rows, xlsx_response
from xbank.verify import services as verify_services

from . import exports, forms, selectors, services
from .access import access_for
from .decorators import (
    manage_required,
    qualifications_manage_required,
    qualifications_required,
    view_required,
)
from .filters import (
    AwardFilter,
    CandidateFilter,
    QualificationFilter,
    RoomFilter,
    SessionFilter,
    SiteFilter,
)
from .models import ConfidentialityStep, ExamSession, SessionExaminer, SessionIncident

PAGE_SIZE = 50
Status = ExamSession.Status


def _export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _xlsx(title: str, export, items):
    headers, rows = export()
    return xlsx_response(dated_filename(title), write_rows(headers, rows(items), sheet_name=title))


def _list_page(request, template: str, filterset, title: str, export, extra=None):
    items = filterset.qs
    if _export(request):
        return _xlsx(title, export, items)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    access = access_for(request.user)
    context = {
        "filter": filterset,
        "page_obj": page,
        "may_manage": bool(access.manage),
        "show_nav": bool(access.view),
    }
    return render(request, template, {**context, **(extra or {})})


def _error(request, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


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


# --- Sites and rooms ----------------------------------------------------------------------------


@view_required
def site_list(request):
    filterset = SiteFilter(
        request.GET or None, queryset=selectors.site_list(user=request.user), user=request.user
    )
    return _list_page(
        request, "assessment/site_list.html", filterset, _("考点"), exports.site_export
    )


@manage_required
def site_create(request):
    form = forms.SiteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(
                actor=request.user,
                **{
                    k: form.cleaned_data[k]
                    for k in ("institution", "name", "address", "contact", "notes")
                },
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已新增考点"))
            return redirect("assessment:site-detail", pk=site.pk)
    return render(
        request,
        "assessment/form.html",
        {"form": form, "title": _("新增考点"), "back_url": reverse("assessment:site-list")},
    )


@view_required
def site_detail(request, pk):
    site = selectors.access_site(request.user, pk)
    may_manage = site.institution_id in access_for(request.user).manage
    return render(
        request,
        "assessment/site_detail.html",
        {
            "site": site,
            "rooms": selectors.site_rooms(site),
            "may_manage": may_manage,
            "room_form": forms.RoomForm() if may_manage else None,
        },
    )


@manage_required
def site_edit(request, pk):
    site = selectors.access_site(request.user, pk, manage=True)
    form = forms.SiteForm(request.POST or None, instance=site, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in services.SITE_FIELDS}
        site.refresh_from_db()
        services.site_update(actor=request.user, site=site, **values)
        messages.success(request, _("已保存"))
        return redirect("assessment:site-detail", pk=site.pk)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考点"),
            "back_url": reverse("assessment:site-detail", args=[site.pk]),
        },
    )


@manage_required
def room_create(request, pk):
    site = selectors.access_site(request.user, pk, manage=True)
    form = forms.RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.room_create(actor=request.user, site=site, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已新增考场"))
            return redirect("assessment:site-detail", pk=site.pk)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("新增考场") + f" · {site.name}",
            "back_url": reverse("assessment:site-detail", args=[site.pk]),
        },
    )


@view_required
def room_list(request):
    filterset = RoomFilter(
        request.GET or None, queryset=selectors.room_list(user=request.user), user=request.user
    )
    return _list_page(
        request, "assessment/room_list.html", filterset, _("考场"), exports.room_export
    )


@manage_required
def room_edit(request, pk):
    room = selectors.access_room(request.user, pk, manage=True)
    form = forms.RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        room.refresh_from_db()
        try:
            services.room_update(actor=request.user, room=room, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("assessment:site-detail", pk=room.site_id)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考场"),
            "back_url": reverse("assessment:site-detail", args=[room.site_id]),
        },
    )


# --- Examiner qualifications and pass marks -----------------------------------------------------


@qualifications_required
def qualification_list(request):
    filterset = QualificationFilter(
        request.GET or None,
        queryset=selectors.qualification_list(user=request.user),
        user=request.user,
    )
    return _list_page(
        request,
        "assessment/qualification_list.html",
        filterset,
        _("考评员资格"),
        exports.qualification_export,
        {"may_edit": bool(access_for(request.user).qualifications)},
    )


@qualifications_manage_required
def qualification_create(request):
    form = forms.QualificationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已登记考评员资格"))
            return redirect("assessment:qualification-list")
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
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
        try:
            services.qualification_update(actor=request.user, qualification=qualification, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
    if _export(request):
        return _xlsx(_("合格线"), exports.pass_mark_export, entries)
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


# --- Sessions -----------------------------------------------------------------------------------


@view_required
def session_list(request):
    filterset = SessionFilter(
        request.GET or None, queryset=selectors.session_list(user=request.user), user=request.user
    )
    return _list_page(
        request, "assessment/session_list.html", filterset, _("考核批次"), exports.session_export
    )


@manage_required
def session_create(request):
    form = forms.SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已新建考核批次，请安排考场和考评员"))
            return redirect("assessment:session-detail", pk=session.pk)
    return render(
        request,
        "assessment/form.html",
        {"form": form, "title": _("新建考核批次"), "back_url": reverse("assessment:session-list")},
    )


@manage_required
def session_edit(request, pk):
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.SessionForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in services.SESSION_FIELDS}
        session.refresh_from_db()
        try:
            services.session_update(actor=request.user, session=session, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
    if _export(request):
        return _xlsx(_("考生名单"), exports.candidate_export, selectors.session_candidates(session))
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


def _back(session_pk: int, anchor: str = ""):
    url = reverse("assessment:session-detail", kwargs={"pk": session_pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
@manage_required
def session_room_add(request, pk):
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.SessionRoomForm(request.POST, session=session)
    if form.is_valid():
        try:
            services.session_room_add(
                actor=request.user,
                session=session,
                room=form.cleaned_data["room"],
                seats=form.cleaned_data["seats"],
            )
            messages.success(request, _("已安排考场"))
        except ValidationError as exc:
            _error(request, exc)
    else:
        messages.error(request, _("请选择考场"))
    return _back(session.pk, "rooms")


@require_POST
@manage_required
def session_room_remove(request, pk, room_pk):
    session = selectors.access_session(request.user, pk, manage=True)
    session_room = get_object_or_404(session.session_rooms, pk=room_pk)
    try:
        services.session_room_remove(actor=request.user, session_room=session_room)
        messages.success(request, _("已移出考场"))
    except ValidationError as exc:
        _error(request, exc)
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
        try:
            services.session_examiner_add(
                actor=request.user,
                session_room=form.cleaned_data["session_room"],
                examiner=form.cleaned_data["examiner"],
            )
            messages.success(request, _("已安排考评员"))
        except ValidationError as exc:
            _error(request, exc)
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
    try:
        services.session_examiner_remove(actor=request.user, assignment=assignment)
        messages.success(request, _("已移出考评员"))
    except ValidationError as exc:
        _error(request, exc)
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
    try:
        service(actor=request.user, session=session)
        messages.success(request, done)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return _back(session.pk)


@manage_required
def candidate_add(request, pk):
    """Direct sign-up (报考) of a person with a learning account."""
    session = selectors.access_session(request.user, pk, manage=True)
    form = forms.DirectSignUpForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_add(
                actor=request.user, session=session, account=form.cleaned_data["account"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已报考：%(name)s，准考证号 %(ticket)s")
                % {"name": candidate.account.name, "ticket": candidate.ticket_no},
            )
            return _back(session.pk, "candidates")
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
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
    try:
        report = services.candidates_add_from_program(
            actor=request.user, session=session, program=form.cleaned_data["program"]
        )
    except ValidationError as exc:
        _error(request, exc)
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
    try:
        services.candidate_remove(actor=request.user, candidate=candidate)
        messages.success(request, _("已移出考生"))
    except ValidationError as exc:
        _error(request, exc)
    return _back(candidate.session_id, "candidates")


# --- PDFs ---------------------------------------------------------------------------------------


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


# --- Confidentiality record ---------------------------------------------------------------------


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
        try:
            services.confidentiality_sign(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
    try:
        services.confidentiality_countersign(actor=request.user, step=step)
        messages.success(request, _("已复核"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("assessment:confidentiality", pk=session.pk)


@require_POST
@login_required
def incident_add(request, pk):
    session = _confidentiality_session(request.user, pk)
    form = forms.IncidentForm(request.POST)
    if form.is_valid():
        try:
            services.incident_report(actor=request.user, session=session, **form.cleaned_data)
            messages.success(request, _("已记录异常情况"))
        except ValidationError as exc:
            _error(request, exc)
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
        try:
            services.incident_resolve(
                actor=request.user, incident=incident, handling=form.cleaned_data["handling"]
            )
            messages.success(request, _("已记录处理结果"))
        except ValidationError as exc:
            _error(request, exc)
    else:
        messages.error(request, _("请填写处理结果"))
    return redirect("assessment:confidentiality", pk=session.pk)


# --- Examiners: score entry ---------------------------------------------------------------------


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
            try:
                services.result_enter(
                    actor=request.user,
                    candidate=candidate,
                    theory_score=data["theory"],
                    practical_score=data["practical"],
                    absent=data["absent"],
                )
                saved += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                form.add_error(None, text)
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


# --- Results, candidates, statistics ------------------------------------------------------------


@view_required
def candidate_list(request):
    """Candidates with their results: the drill-down of the statistics, filterable, exportable."""
    filterset = CandidateFilter(
        request.GET or None, queryset=selectors.candidate_list(user=request.user), user=request.user
    )
    return _list_page(
        request, "assessment/candidate_list.html", filterset, _("考生"), exports.candidate_export
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
    if _export(request):
        return _xlsx(_("鉴定统计"), exports.stats_export, data)
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


# --- Awards -------------------------------------------------------------------------------------


@view_required
def award_list(request):
    filterset = AwardFilter(
        request.GET or None, queryset=selectors.award_list(user=request.user), user=request.user
    )
    return _list_page(
        request, "assessment/award_list.html", filterset, _("证书发放"), exports.award_export
    )


@manage_required
def award_create(request, pk):
    candidate = selectors.access_candidate(request.user, pk, manage=True)
    form = forms.AwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            award = services.award_issue(
                actor=request.user, candidate=candidate, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
        try:
            services.award_revoke(
                actor=request.user, award=award, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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


# --- A learner's own candidacies ----------------------------------------------------------------


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
