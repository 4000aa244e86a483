"""Pages of training for the public and for learners: the announcement, program and
registration pages (no login, in Chinese and English) and a learner's own registrations. The
staff pages are in ``views``.

A service's messages on these pages are marked for the English catalog (``gettext_noop``), so
they are looked up in the page's language (``translate=True``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from xbank.core.net import client_ip
from xbank.core.throttling import ratelimit_seconds_left, too_many
from xbank.core.views import run_action, run_service

from . import selectors, services
from .consent import CURRENT_VERSION, consent_text, consent_text_en
from .forms import PublicRegistrationForm
from .models import Enrollment

PUBLIC_PAGE_SIZE = 10


# --- Public pages -------------------------------------------------------------------------------


def announcement_list(request):
    """培训公告: published announcements with their programs, newest first."""
    page = Paginator(selectors.announcements_public(), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "training/public/announcement_list.html", {"page_obj": page})


def announcement_detail(request, code):
    announcement = selectors.announcement_public_get(code)
    return render(
        request, "training/public/announcement_detail.html", {"announcement": announcement}
    )


def program_detail(request, code):
    program = selectors.program_public_get(code)
    own = selectors.own_enrollment_for(request.user, program)
    account = (
        getattr(request.user, "learning_account", None) if request.user.is_authenticated else None
    )
    return render(
        request,
        "training/public/program_detail.html",
        {
            "program": program,
            "seats_left": selectors.program_seats_left(program=program),
            "own": own,
            "may_enroll_with_login": account is not None
            and own is None
            and program.is_open
            and program.takes_students,
        },
    )


def _register_rate(group, request):
    """Public registrations per client address; None (no limit) for load tests."""
    return getattr(settings, "XBANK_TRAINING_REGISTER_RATE", "20/m")


def _client(group, request):
    return client_ip(request) or "unknown"


# Which form field a service error belongs to.
_ERROR_FIELDS = {
    "consent_required": "consent",
    "consent_version": "consent",
}


@never_cache
@ratelimit(key=_client, rate=_register_rate, method="POST", block=False)
def program_register(request, code):
    """The public registration form (社会人员报名)."""
    program = selectors.program_for_registration(code)
    if getattr(request, "limited", False):
        seconds = ratelimit_seconds_left(
            request, fn=program_register, key=_client, rate=_register_rate, method="POST"
        )
        return too_many(request, "training/public/ratelimited.html", seconds=seconds or 60)
    accepting = program.is_open and program.takes_public
    form = PublicRegistrationForm(request.POST or None)
    if request.method == "POST" and accepting and form.is_valid():
        data = form.cleaned_data
        ok, enrollment = run_service(
            form,
            lambda: services.enrollment_register_public(
                program=program,
                document=data["document"],
                name=data["name"],
                phone=data["phone"],
                education=data["education"],
                employer=data["employer"],
                consent_given=data["consent"],
                consent_version=data["consent_version"],
                ip=client_ip(request),
            ),
            fields=_ERROR_FIELDS,
            translate=True,  # the service's messages are marked for the English catalog
        )
        if ok:
            return redirect("training:registration-status", code=enrollment.code)
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
    return render(
        request,
        "training/public/register.html",
        {
            "program": program,
            "form": form,
            "accepting": accepting,
            "seats_left": selectors.program_seats_left(program=program),
            "consent_version": CURRENT_VERSION,
            "consent_text": consent_text(CURRENT_VERSION, institution=program.institution.name),
            "consent_text_en": consent_text_en(
                CURRENT_VERSION, institution=program.institution.name
            ),
        },
    )


@never_cache
def registration_status(request, code):
    """The confirmation page of a registration, reached through its secret link."""
    enrollment = selectors.enrollment_by_code(code)
    return render(request, "training/public/registration_status.html", {"enrollment": enrollment})


@require_POST
def registration_withdraw(request, code):
    enrollment = selectors.enrollment_by_code(code)
    ok, _withdrawn = run_action(
        request,
        lambda: services.enrollment_withdraw_by_link(enrollment=enrollment),
        translate=True,
    )
    if ok:
        messages.success(request, _("已退出报名。"))
    return redirect("training:registration-status", code=code)


# --- The learner's own registrations ------------------------------------------------------------


@require_POST
@login_required
def enroll(request, code):
    """A logged-in learner registers with their own learning account."""
    program = selectors.program_public_get(code)
    ok, enrollment = run_action(
        request,
        lambda: services.enrollment_register_student(actor=request.user, program=program),
        translate=True,
    )
    if not ok:
        return redirect("training:program-detail", code=code)
    if enrollment.status == Enrollment.Status.WAITLISTED:
        messages.warning(
            request,
            _("名额已满，您已进入候补，顺位第 %(n)s 位。") % {"n": enrollment.waitlist_position},
        )
    else:
        messages.success(
            request, _("报名成功：%(status)s。") % {"status": enrollment.get_status_display()}
        )
    return redirect("training:my-enrollments")


@login_required
def my_enrollments(request):
    enrollments = selectors.my_enrollments(user=request.user)
    return render(request, "training/my_enrollments.html", {"enrollments": enrollments})


@require_POST
@login_required
def my_withdraw(request, pk):
    enrollment = selectors.access_own_enrollment(request.user, pk)
    ok, _withdrawn = run_action(
        request,
        lambda: services.enrollment_withdraw_by_link(enrollment=enrollment),
        translate=True,
    )
    if ok:
        messages.success(request, _("已退出报名。"))
    return redirect("training:my-enrollments")
