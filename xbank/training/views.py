"""Staff pages of training: programs, sessions, attendance, registrations, announcements and
statistics. The public pages and the learner's own registrations are in ``public_views``.

Thin views: rows come from the scoped selectors (``access_*`` gives the same 404 for a missing
row and one outside the user's scope), writes go through one service each, and a service's
``ValidationError`` becomes a form error or a message (``run_service``, ``run_action``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required, require
from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.views import form_page, list_page, run_action, run_service, wants_export
from xbank.learners import selectors as learner_selectors
from xbank.orgs.models import Institution

from . import exports, selectors, services
from .filters import EnrollmentFilter, ProgramFilter, StatsFilter
from .forms import (
    AnnouncementForm,
    ProgramForm,
    SessionForm,
    StaffEnrollmentForm,
)
from .models import TrainingProgram

PAGE_SIZE = 50


# Logged in, with a role that sees learner records or that teaches (403 otherwise).
staff_required = require(selectors.is_staff)


def _managed_program(request, pk) -> TrainingProgram:
    program = selectors.access_program(request.user, pk)
    if not selectors.can_manage(request.user, program):
        raise PermissionDenied
    return program


# --- Staff: programs ------------------------------------------------------------------------------


@staff_required
def program_list(request):
    filterset = ProgramFilter(
        request.GET or None, queryset=selectors.program_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "training/program_list.html",
        filterset=filterset,
        export=exports.ProgramExport(),
        context={"may_create": bool(selectors.managed_institution_ids(request.user))},
    )


def _program_form(request, *, program=None):
    managed = Institution.objects.filter(pk__in=selectors.managed_institution_ids(request.user))
    institution = program.institution if program else managed.first()
    return ProgramForm(
        request.POST or None,
        instance=program,
        institutions=managed,
        instructors=selectors.instructor_options(institution=institution),
        editing=program is not None,
    )


@staff_required
def program_create(request):
    if not selectors.managed_institution_ids(request.user):
        raise PermissionDenied
    form = _program_form(request)
    return form_page(
        request,
        "training/program_form.html",
        form,
        lambda data: services.program_create(actor=request.user, **data),
        then=lambda program: redirect("training:program-manage", pk=program.pk),
        success=_("已创建培训项目（草稿）。"),
        context={"program": None},
    )


@staff_required
def program_edit(request, pk):
    program = _managed_program(request, pk)
    form = _program_form(request, program=program)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        instructors = data.pop("instructors")
        ok, _updated = run_service(
            form,
            lambda: services.program_update(
                actor=request.user, program=program, instructors=instructors, **data
            ),
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("training:program-manage", pk=program.pk)
    return render(request, "training/program_form.html", {"form": form, "program": program})


# The buttons of the manage page: status → the actions offered.
NEXT_ACTIONS = {
    "draft": [("publish", "发布")],
    "published": [("open", "开始报名")],
    "enrolling": [("close", "截止报名")],
    "closed": [("open", "重新开放报名"), ("finish", "结班并认定结业")],
    "finished": [],
}


def _manage_context(request, program, **extra) -> dict:
    may_manage = selectors.can_manage(request.user, program)
    return {
        "program": program,
        "counts": selectors.program_counts(program=program),
        "sessions": selectors.program_sessions(program=program),
        "enrollments": selectors.program_enrollments(user=request.user, program=program),
        "may_manage": may_manage,
        # Only continuing education decides a proposed change; others see the badge, no link.
        "may_check_changes": program.institution_id
        in learner_selectors.change_institution_ids(request.user),
        "may_take_attendance": may_manage
        or any(u.pk == request.user.pk for u in program.instructors.all()),
        "actions": [(a, _(label)) for a, label in NEXT_ACTIONS[program.status]]
        if may_manage
        else [],
        "session_form": extra.pop("session_form", None) or SessionForm(),
        "staff_form": extra.pop("staff_form", None) or StaffEnrollmentForm(learners=None),
        **extra,
    }


@staff_required
def program_manage(request, pk):
    program = selectors.access_program(request.user, pk)
    return render(request, "training/program_manage.html", _manage_context(request, program))


@require_POST
@staff_required
def program_transition(request, pk):
    program = _managed_program(request, pk)
    action = request.POST.get("action", "")
    if action not in services.TRANSITIONS:
        raise Http404("Unknown action")
    if action == "finish":
        ok, result = run_action(
            request, lambda: services.program_finish(actor=request.user, program=program)
        )
        if ok:
            messages.success(
                request,
                _("已结班：结业 %(c)s 人，未结业 %(n)s 人。")
                % {"c": result.completed, "n": result.not_completed},
            )
    else:
        ok, changed = run_action(
            request,
            lambda: services.program_transition(actor=request.user, program=program, action=action),
        )
        if ok:
            messages.success(
                request, _("状态已改为「%(s)s」。") % {"s": changed.get_status_display()}
            )
    return redirect("training:program-manage", pk=pk)


@require_POST
@staff_required
def session_create(request, pk):
    program = _managed_program(request, pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        ok, _session = run_service(
            form,
            lambda: services.session_add(actor=request.user, program=program, **form.cleaned_data),
        )
        if ok:
            messages.success(request, _("已添加课次。"))
            return redirect("training:program-manage", pk=pk)
    return render(
        request,
        "training/program_manage.html",
        _manage_context(request, program, session_form=form),
        status=400,
    )


@require_POST
@staff_required
def enrollment_decide(request, pk):
    """Approve or reject the ticked registrations of a program, one or many at once."""
    program = _managed_program(request, pk)
    approve = request.POST.get("decision") == "approve"
    ids = [int(i) for i in request.POST.getlist("enrollment") if i.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选报名记录。"))
    else:
        ok, n = run_action(
            request,
            lambda: services.enrollments_decide(
                actor=request.user,
                program=program,
                enrollment_ids=ids,
                approve=approve,
                reason=request.POST.get("reason", "").strip(),
            ),
        )
        if ok:
            messages.success(
                request,
                (_("已录取 %(n)s 人。") if approve else _("已不予录取 %(n)s 人。")) % {"n": n},
            )
    if request.htmx:
        program = selectors.access_program(request.user, pk)
        return render(
            request,
            "training/program_manage.html#enrollments",
            _manage_context(request, program),
        )
    return redirect("training:program-manage", pk=pk)


@require_POST
@staff_required
def enrollment_add(request, pk):
    """Staff register a learner of their scope (代报名)."""
    program = _managed_program(request, pk)
    form = StaffEnrollmentForm(
        request.POST, learners=learner_selectors.learner_list(user=request.user)
    )
    if form.is_valid():
        ok, enrollment = run_service(
            form,
            lambda: services.enrollment_register_staff(
                actor=request.user, program=program, learner=form.cleaned_data["learner"]
            ),
        )
        if ok:
            messages.success(
                request,
                _("已为%(name)s报名：%(status)s。")
                % {"name": enrollment.account.name, "status": enrollment.get_status_display()},
            )
            return redirect("training:program-manage", pk=pk)
    return render(
        request,
        "training/program_manage.html",
        _manage_context(request, program, staff_form=form),
        status=400,
    )


# --- Staff: attendance ----------------------------------------------------------------------------


@staff_required
def session_attendance(request, pk):
    """Who came: a checkbox per admitted person, saved at once."""
    session = selectors.access_session(request.user, pk)
    program = session.program
    if not selectors.can_take_attendance(request.user, program):
        raise PermissionDenied
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("present") if i.isdigit()]
        ok, n = run_action(
            request,
            lambda: services.attendance_record(
                actor=request.user, session=session, present_ids=ids
            ),
        )
        if ok:
            messages.success(request, _("已保存出勤：%(n)s 人到课。") % {"n": n})
            return redirect("training:session-attendance", pk=pk)
    roster = selectors.session_roster(session=session)
    not_started = session.date > timezone.localdate()
    return render(
        request,
        "training/session_attendance.html",
        {
            "session": session,
            "program": program,
            "roster": roster,
            "present": sum(1 for _row, here in roster if here),
            "editable": program.status != TrainingProgram.Status.FINISHED and not not_started,
            "not_started": not_started,
        },
    )


@staff_required
def session_sign_in_sheet(request, pk):
    """The printable sign-in sheet (签到表) of a session, as PDF."""
    session = selectors.access_session(request.user, pk)
    if not selectors.can_take_attendance(request.user, session.program):
        raise PermissionDenied
    roster = [row for row, _here in selectors.session_roster(session=session)]
    content = render_pdf(
        "training/pdf/sign_in_sheet.html",
        {"session": session, "program": session.program, "roster": roster},
    )
    return pdf_response(f"签到表-{session.program.title}-{session.date:%Y%m%d}.pdf", content)


# --- Staff: registrations -------------------------------------------------------------------------


@staff_required
def enrollment_list(request):
    filterset = EnrollmentFilter(
        request.GET or None,
        queryset=selectors.enrollment_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request,
        "training/enrollment_list.html",
        filterset=filterset,
        export=exports.EnrollmentExport(),
    )


@staff_required
def my_programs(request):
    """我的培训班: the programs the user teaches."""
    return render(
        request,
        "training/my_programs.html",
        {"programs": selectors.taught_programs(user=request.user)},
    )


# --- Staff: announcements -------------------------------------------------------------------------


@staff_required
def announcement_manage_list(request):
    page = Paginator(selectors.announcement_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/announcement_list.html",
        {
            "page_obj": page,
            "managed": selectors.managed_institution_ids(request.user),
        },
    )


@staff_required
def announcement_create(request):
    managed = selectors.managed_institution_ids(request.user)
    if not managed:
        raise PermissionDenied
    form = AnnouncementForm(
        request.POST or None,
        initial={"year": timezone.localdate().year},
        institutions=Institution.objects.filter(pk__in=managed),
        programs=selectors.announceable_programs(user=request.user),
    )
    return form_page(
        request,
        "training/announcement_form.html",
        form,
        lambda data: services.announcement_create(actor=request.user, **data),
        then=lambda announcement: redirect("training:announcement-manage-list"),
        success=lambda announcement: _("已创建公告 %(n)s（草稿）。") % {"n": announcement.number},
    )


@require_POST
@staff_required
def announcement_publish(request, pk):
    announcement = selectors.access_announcement(request.user, pk)
    if announcement.institution_id not in selectors.managed_institution_ids(request.user):
        raise PermissionDenied
    ok, _published = run_action(
        request,
        lambda: services.announcement_publish(actor=request.user, announcement=announcement),
    )
    if ok:
        messages.success(request, _("公告已发布。"))
    return redirect("training:announcement-manage-list")


# --- Staff: statistics ----------------------------------------------------------------------------


def _stats_filters(request):
    filterset = StatsFilter(
        request.GET or None, queryset=selectors.stats_base(user=request.user), user=request.user
    )
    carried = {
        key: value
        for key, value in request.GET.items()
        if key in filterset.filters and value and not filterset.form.errors
    }
    group = request.GET.get("group")
    return filterset, carried, group if group in selectors.GROUPS else "year"


@records_required
def stats(request):
    """培训统计: persons (人数) and person-times (人次), grouped; each count drills down to names."""
    filterset, carried, group = _stats_filters(request)
    result = selectors.training_stats(enrollments=filterset.qs, group=group)
    if wants_export(request):
        return exports.StatsExport(result.group).response(result)
    base = reverse("training:stats-names")

    def drill(**params) -> str:
        return f"{base}?{urlencode({**carried, **params})}"

    rows = [(row, drill(group=group, key=row.key)) for row in result.rows]
    return render(
        request,
        "training/stats.html",
        {
            "filter": filterset,
            "stats": result,
            "rows": rows,
            "group": group,
            "groups": [(key, _(label)) for key, (label, _fields) in selectors.GROUPS.items()],
            "group_label": _(selectors.GROUPS[group][0]),
            "total_url": drill(),
        },
    )


@records_required
def stats_names(request):
    """The names behind a statistics count: one row per person-time, and the persons."""
    filterset, carried, _group = _stats_filters(request)
    enrollments = filterset.qs
    group, key = request.GET.get("group"), request.GET.get("key")
    if group in selectors.GROUPS and key:
        try:
            enrollments = enrollments.filter(selectors.group_filter(group, key))
        except ValueError:
            enrollments = enrollments.none()
    names = selectors.stats_names(enrollments=enrollments)
    return list_page(
        request,
        "training/stats_names.html",
        filterset=filterset,
        queryset=names,
        export=exports.NamesExport(),
        context=lambda page: {
            "person_times": page.paginator.count,
            "persons": names.order_by().values("account_id").distinct().count(),
            "back_url": f"{reverse('training:stats')}?{urlencode(carried)}",
        },
    )
