"""Reads of the teacher team, scoped through ``access.access_for`` with their related rows
fetched, and the examiner count of a college's roster (考评员人数).

A qualification is valid from ``valid_from`` to ``valid_until``, both days included: one that
expires tomorrow still counts today; one that expired yesterday does not.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from xbank.accounts.access import Viewer
from xbank.assessment.models import ExaminerQualification
from xbank.catalog.models import CertificateType
from xbank.orgs.models import Institution

from .access import access_for
from .filters import TeacherFilter, TrainingFilter
from .models import Teacher, TeacherCertificate, TeacherTraining
from .queries import has_valid_qualification, on_staff_q, valid_on_q

IMPORT_KIND = "teachers"

M = TypeVar("M", bound=Model)


def _get_or_404(queryset: QuerySet[M], pk: int | str, what: str) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}") from None


# --- Teachers -----------------------------------------------------------------------------------


def teacher_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None, today: datetime.date | None = None
) -> QuerySet[Teacher]:
    """Teachers in the user's scope, with their school and major, ``has_examiner`` (a
    qualification valid today) and ``user.valid_qualifications`` (those qualifications)."""
    today = today or timezone.localdate()
    valid_today = (
        ExaminerQualification.objects.filter(valid_on_q(today))
        .select_related("certificate_type")
        .order_by("certificate_type__name", "-valid_until")
    )
    qs = (
        Teacher.objects.filter(access_for(user).teacher_q())
        .select_related("institution", "school", "major", "user")
        .annotate(has_examiner=has_valid_qualification(today))
        .prefetch_related(
            Prefetch(
                "user__examiner_qualifications",
                queryset=valid_today,
                to_attr="valid_qualifications",
            )
        )
        .order_by("institution__code", "school__code", "name_pinyin", "id")
    )
    if filters is not None:
        qs = TeacherFilter(filters, queryset=qs, user=user).qs
    return qs


def access_teacher(user: Viewer, pk: int | str, *, manage: bool = False) -> Teacher:
    """A teacher the user sees (or keeps, with ``manage``); the same 404 for missing and not
    in scope. With ``manage`` a reader who sees the teacher gets 403 rather than 404."""
    access = access_for(user)
    teacher = _get_or_404(
        Teacher.objects.filter(access.teacher_q()).select_related(
            "institution", "school", "major", "user"
        ),
        pk,
        "teacher",
    )
    if manage and not access.manages_institution(teacher.institution_id):
        raise PermissionDenied
    return teacher


def teacher_qualifications(teacher: Teacher) -> list[ExaminerQualification]:
    """The examiner qualifications of the teacher's login, newest expiry first."""
    if teacher.user_id is None:
        return []
    return list(
        ExaminerQualification.objects.filter(user_id=teacher.user_id)
        .select_related("certificate_type", "institution")
        .order_by("certificate_type__name", "-valid_until", "id")
    )


def teacher_certificates(teacher: Teacher) -> QuerySet[TeacherCertificate]:
    return teacher.certificates.select_related("certificate_type").order_by(
        "kind", "-valid_from", "id"
    )


def teacher_trainings(teacher: Teacher) -> QuerySet[TeacherTraining]:
    return teacher.trainings.select_related("certificate_type").order_by("-start_date", "id")


def access_certificate(user: Viewer, pk: int | str) -> TeacherCertificate:
    """A certificate of a teacher the user keeps (HR)."""
    access = access_for(user)
    return _get_or_404(
        TeacherCertificate.objects.filter(
            teacher__institution__in=access.manage_institutions
        ).select_related("teacher__institution", "teacher__school", "teacher__major"),
        pk,
        "certificate",
    )


# --- Teacher training ---------------------------------------------------------------------------


def training_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[TeacherTraining]:
    qs = (
        TeacherTraining.objects.filter(access_for(user).teacher_q("teacher__"))
        .select_related(
            "teacher__institution", "teacher__school", "teacher__major", "certificate_type"
        )
        .order_by("-start_date", "teacher__name_pinyin", "id")
    )
    if filters is not None:
        qs = TrainingFilter(filters, queryset=qs, user=user).qs
    return qs


def access_training(user: Viewer, pk: int | str) -> TeacherTraining:
    """A training record of a teacher the user keeps (HR)."""
    access = access_for(user)
    return _get_or_404(
        TeacherTraining.objects.filter(
            teacher__institution__in=access.manage_institutions
        ).select_related("teacher__institution", "teacher__school", "teacher__major"),
        pk,
        "training",
    )


# --- Examiners -----------------------------------------------------------------------------------


def examiner_count(
    *,
    institution: Institution,
    on_date: datetime.date,
    certificate_type: CertificateType | None = None,
    kind: str | None = None,
) -> int:
    """How many teachers of ``institution``'s roster hold an examiner qualification valid on
    ``on_date`` (for ``certificate_type`` when given), full-time and part-time alike unless
    ``kind`` names one; each teacher counts once. One query (the 考评员 indicator)."""
    teachers = Teacher.objects.filter(
        on_staff_q(on_date), institution=institution, user__isnull=False
    )
    if kind:
        teachers = teachers.filter(kind=kind)
    types = None if certificate_type is None else [certificate_type]
    return teachers.filter(has_valid_qualification(on_date, types)).count()
