"""Pages of the teacher team (师资队伍): the roster, a teacher's qualifications, certificates and
training and teacher training. The roster is imported on the shared import pages (kind
``teachers``).

Rows come from the scoped selectors (a row outside the user's scope is a 404 like a missing one);
a change the user's role may not make is a 403; a rule refused by a service comes back as a form
error.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import require
from xbank.core.views import form_page, list_page
from xbank.imports import selectors as import_selectors
from xbank.imports import views as import_views

from . import access, exports, selectors, services
from .access import access_for
from .filters import TeacherFilter, TrainingFilter
from .forms import (
    CertificateForm,
    QualificationForm,
    TeacherForm,
    TrainingForm,
)

read_required = require(access.reads_roster)
manage_required = require(access.keeps_roster)


def _to_teacher(teacher) -> HttpResponse:
    """After a change: back to the teacher's page."""
    return redirect("faculty:teacher-detail", pk=teacher.pk)


@read_required
def index(request):
    return redirect("faculty:teacher-list")


# --- Teachers -----------------------------------------------------------------------------------


@read_required
def teacher_list(request):
    today = timezone.localdate()
    filterset = TeacherFilter(
        request.GET or None,
        queryset=selectors.teacher_list(user=request.user, today=today),
        user=request.user,
    )
    return list_page(
        request,
        "faculty/teacher_list.html",
        filterset=filterset,
        export=exports.TeacherExport(),
        context={"today": today, "may_manage": access_for(request.user).manages},
    )


@manage_required
def teacher_create(request):
    form = TeacherForm(request.POST or None, user=request.user)
    return form_page(
        request,
        "faculty/teacher_form.html",
        form,
        lambda data: services.teacher_create(
            actor=request.user, institution=data["institution"], **form.values()
        ),
        then=_to_teacher,
        success=_("已添加教师。"),
    )


@read_required
def teacher_detail(request, pk):
    today = timezone.localdate()
    teacher = selectors.access_teacher(request.user, pk)
    qualifications = selectors.teacher_qualifications(teacher)
    return render(
        request,
        "faculty/teacher_detail.html",
        {
            "teacher": teacher,
            "today": today,
            "qualifications": qualifications,
            "valid_count": sum(1 for q in qualifications if q.is_valid_on(today)),
            "certificates": selectors.teacher_certificates(teacher),
            "trainings": selectors.teacher_trainings(teacher),
            "may_manage": access_for(request.user).manages_institution(teacher.institution_id),
        },
    )


@manage_required
def teacher_edit(request, pk):
    teacher = selectors.access_teacher(request.user, pk, manage=True)
    form = TeacherForm(request.POST or None, user=request.user, teacher=teacher)
    return form_page(
        request,
        "faculty/teacher_form.html",
        form,
        lambda data: services.teacher_update(actor=request.user, teacher=teacher, **form.values()),
        then=lambda _teacher: _to_teacher(teacher),
        success=_("已保存。"),
        context={"teacher": teacher},
    )


@manage_required
def qualification_create(request, pk):
    """登记考评员资格 from the teacher's page: an assessment record on the teacher's login."""
    teacher = selectors.access_teacher(request.user, pk, manage=True)
    form = QualificationForm(request.POST or None)
    return form_page(
        request,
        "faculty/record_form.html",
        form,
        lambda data: services.qualification_register(actor=request.user, teacher=teacher, **data),
        then=lambda _record: _to_teacher(teacher),
        success=_("已登记考评员资格。"),
        context={"teacher": teacher, "title": _("登记考评员资格")},
    )


# --- Certificates -------------------------------------------------------------------------------


@manage_required
def certificate_create(request, pk):
    teacher = selectors.access_teacher(request.user, pk, manage=True)
    form = CertificateForm(request.POST or None)
    return form_page(
        request,
        "faculty/record_form.html",
        form,
        lambda data: services.certificate_create(actor=request.user, teacher=teacher, **data),
        then=lambda _record: _to_teacher(teacher),
        success=_("已登记证书。"),
        context={"teacher": teacher, "title": _("登记教师证书")},
    )


@manage_required
def certificate_edit(request, pk):
    certificate = selectors.access_certificate(request.user, pk)
    teacher = certificate.teacher
    form = CertificateForm(request.POST or None, certificate=certificate)
    return form_page(
        request,
        "faculty/record_form.html",
        form,
        lambda data: services.certificate_update(
            actor=request.user, certificate=certificate, **data
        ),
        then=lambda _record: _to_teacher(teacher),
        success=_("已保存。"),
        context={"teacher": teacher, "title": _("修改教师证书"), "record": certificate},
    )


@require_POST
@manage_required
def certificate_delete(request, pk):
    certificate = selectors.access_certificate(request.user, pk)
    teacher_pk = certificate.teacher_id
    services.certificate_delete(actor=request.user, certificate=certificate)
    messages.success(request, _("已删除证书。"))
    return redirect("faculty:teacher-detail", pk=teacher_pk)


# --- Teacher training ---------------------------------------------------------------------------


@read_required
def training_list(request):
    filterset = TrainingFilter(
        request.GET or None,
        queryset=selectors.training_list(user=request.user),
        user=request.user,
    )
    return list_page(
        request,
        "faculty/training_list.html",
        filterset=filterset,
        export=exports.TrainingExport(),
        context={"may_manage": access_for(request.user).manages},
    )


@manage_required
def training_create(request, pk):
    teacher = selectors.access_teacher(request.user, pk, manage=True)
    form = TrainingForm(request.POST or None)
    return form_page(
        request,
        "faculty/record_form.html",
        form,
        lambda data: services.training_create(actor=request.user, teacher=teacher, **data),
        then=lambda _record: _to_teacher(teacher),
        success=_("已登记师资培训。"),
        context={"teacher": teacher, "title": _("登记师资培训")},
    )


@manage_required
def training_edit(request, pk):
    training = selectors.access_training(request.user, pk)
    teacher = training.teacher
    form = TrainingForm(request.POST or None, training=training)
    return form_page(
        request,
        "faculty/record_form.html",
        form,
        lambda data: services.training_update(actor=request.user, training=training, **data),
        then=lambda _record: _to_teacher(teacher),
        success=_("已保存。"),
        context={"teacher": teacher, "title": _("修改师资培训"), "record": training},
    )


@require_POST
@manage_required
def training_delete(request, pk):
    training = selectors.access_training(request.user, pk)
    teacher_pk = training.teacher_id
    services.training_delete(actor=request.user, training=training)
    messages.success(request, _("已删除培训记录。"))
    return redirect("faculty:teacher-detail", pk=teacher_pk)


# --- The roster import ------------------------------------------------------------------------------
# HR imports the roster (kind ``teachers``) on the shared import pages (``/imports/``), like every
# other import. The faculty app's old addresses stay, for bookmarks: guarded as before, they send
# HR to the shared page of the same thing.


@manage_required
def teacher_import(request):
    return redirect("imports:batch-new", kind=selectors.IMPORT_KIND)


@manage_required
def import_template(request):
    return redirect("imports:template", kind=selectors.IMPORT_KIND)


@manage_required
def import_detail(request, code):
    batch = import_selectors.access_batch(request.user, code)
    return redirect("imports:batch-detail", code=batch.code)


# A confirmation posted from a page opened before the move still confirms the import.
import_commit = require_POST(manage_required(import_views.batch_commit))
