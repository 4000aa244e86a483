"""Reads of the teacher team, scoped through ``access.access_for`` with their related rows
fetched, and the examiner compliance of the pilot majors (考评员达标, seed 四(四)2).

The compliance rule (``compliance_rows``): a pilot major is compliant on a day when at least
``MIN_EXAMINERS`` (3) of its teachers hold, that day, an examiner qualification (考评员资格) for
any of the pilot's certificates, at any level. Counted teachers are:

- teachers of the pilot's major (``Teacher.major``), the team the seed builds "以专业为主体";
  teachers of the school without a major count for none of its pilot majors;
- full-time teachers (专任教师): 四(四)2 is about the major's own backbone teachers; part-time
  teachers who examine (兼职考评员, 四(四)3) are listed beside the count but not in it;
- on the team that day (a teacher who left counts until the day they left);
- with a login: examiner qualifications are the assessment app's records, held by a user.

A qualification is valid from ``valid_from`` to ``valid_until``, both days included: one that
expires tomorrow still counts today; one that expired yesterday does not.

The warning (预警) looks ``WARNING_DAYS`` (90) ahead: a compliant major whose count on
today + 90 would fall below three is flagged, with the qualifications that lapse before then. A
renewal already registered (a new qualification starting within the 90 days) counts ahead.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.assessment.models import ExaminerQualification
from xbank.catalog.models import CertificateType
from xbank.imports.models import ImportBatch
from xbank.orgs.models import Major
from xbank.pilot.models import PilotMajor

from .access import access_for
from .filters import TeacherFilter, TrainingFilter
from .models import Teacher, TeacherCertificate, TeacherTraining
from .queries import has_valid_qualification, on_staff_q, valid_on_q

MIN_EXAMINERS = 3
WARNING_DAYS = 90
IMPORT_KIND = "teachers"


def _get_or_404(queryset: QuerySet, pk, what: str):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}") from None


# --- Teachers -----------------------------------------------------------------------------------


def teacher_list(
    *, user, filters: Mapping | None = None, today: datetime.date | None = None
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


def access_teacher(user, pk, *, manage: bool = False) -> Teacher:
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


def teacher_pilot_majors(teacher: Teacher) -> list[PilotMajor]:
    """The pilot majors the teacher counts for (their major's pilot, if it is one)."""
    if teacher.major_id is None:
        return []
    return list(
        PilotMajor.objects.filter(major_id=teacher.major_id).prefetch_related("certificate_types")
    )


def access_certificate(user, pk) -> TeacherCertificate:
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


def training_list(*, user, filters: Mapping | None = None) -> QuerySet[TeacherTraining]:
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


def access_training(user, pk) -> TeacherTraining:
    """A training record of a teacher the user keeps (HR)."""
    access = access_for(user)
    return _get_or_404(
        TeacherTraining.objects.filter(
            teacher__institution__in=access.manage_institutions
        ).select_related("teacher__institution", "teacher__school", "teacher__major"),
        pk,
        "training",
    )


# --- Examiner compliance of the pilot majors ------------------------------------------------------


@dataclass
class Examiner:
    """A teacher with the qualifications that make them count (valid on the day)."""

    teacher: Teacher
    qualifications: list[ExaminerQualification]

    @property
    def valid_until(self) -> datetime.date:
        return max(q.valid_until for q in self.qualifications)


@dataclass
class ComplianceRow:
    """One pilot major on one day: who counts, and whether that makes three, now and ahead."""

    pilot_major: PilotMajor
    certificate_types: list[CertificateType]
    on_date: datetime.date
    examiners: list[Examiner] = field(default_factory=list)
    ahead_count: int = 0
    # Counted on the day but not WARNING_DAYS later, soonest first.
    expiring: list[Examiner] = field(default_factory=list)
    # Part-time teachers of the major who hold a valid qualification: listed, not counted.
    part_time: list[Examiner] = field(default_factory=list)

    OK = "ok"
    WARNING = "warning"
    SHORT = "short"
    LABELS = {OK: _("达标"), WARNING: _("达标（即将不足）"), SHORT: _("不达标")}

    @property
    def major(self) -> Major:
        return self.pilot_major.major

    @property
    def count(self) -> int:
        return len(self.examiners)

    @property
    def compliant(self) -> bool:
        return self.count >= MIN_EXAMINERS

    @property
    def warning(self) -> bool:
        """Compliant on the day, below three WARNING_DAYS later."""
        return self.compliant and self.ahead_count < MIN_EXAMINERS

    @property
    def status(self) -> str:
        if not self.compliant:
            return self.SHORT
        return self.WARNING if self.warning else self.OK

    @property
    def status_label(self) -> str:
        return str(self.LABELS[self.status])

    @property
    def ahead_date(self) -> datetime.date:
        return self.on_date + datetime.timedelta(days=WARNING_DAYS)

    @property
    def shortfall(self) -> int:
        return max(0, MIN_EXAMINERS - self.count)


def _pilot_majors(user) -> QuerySet[PilotMajor]:
    return (
        PilotMajor.objects.filter(access_for(user).major_q("major__"))
        .select_related("major__school", "major__institution")
        .prefetch_related("certificate_types")
        .order_by("major__institution__code", "major__code")
    )


def compliance_for(pilots: list[PilotMajor], on_date: datetime.date) -> list[ComplianceRow]:
    """The compliance of the given pilot majors (``certificate_types`` prefetched): two queries
    whatever their number — the teachers of their majors, then those teachers' qualifications
    for the pilots' certificates that are valid on the day or within the next WARNING_DAYS."""
    ahead = on_date + datetime.timedelta(days=WARNING_DAYS)
    types_of = {p.pk: {ct.pk for ct in p.certificate_types.all()} for p in pilots}
    all_types = set().union(*types_of.values()) if types_of else set()
    teachers = list(
        Teacher.objects.filter(
            on_staff_q(on_date),
            major_id__in=[p.major_id for p in pilots],
            user__isnull=False,
        ).order_by("name_pinyin", "id")
    )
    by_user: dict[int, list[ExaminerQualification]] = {}
    if teachers and all_types:
        qualifications = (
            ExaminerQualification.objects.filter(
                user_id__in={t.user_id for t in teachers},
                certificate_type_id__in=all_types,
                valid_until__gte=on_date,
                valid_from__lte=ahead,
            )
            .select_related("certificate_type")
            .order_by("valid_until", "id")
        )
        for q in qualifications:
            by_user.setdefault(q.user_id, []).append(q)
    teachers_of: dict[int, list[Teacher]] = {}
    for teacher in teachers:
        teachers_of.setdefault(teacher.major_id, []).append(teacher)

    rows = []
    for pilot in pilots:
        types = types_of[pilot.pk]
        row = ComplianceRow(
            pilot_major=pilot,
            certificate_types=sorted(pilot.certificate_types.all(), key=lambda ct: ct.name),
            on_date=on_date,
        )
        for teacher in teachers_of.get(pilot.major_id, []):
            held = [q for q in by_user.get(teacher.user_id, []) if q.certificate_type_id in types]
            now = [q for q in held if q.is_valid_on(on_date)]
            later = teacher.on_staff(ahead) and any(q.is_valid_on(ahead) for q in held)
            if teacher.kind == Teacher.Kind.PART_TIME:
                if now:
                    row.part_time.append(Examiner(teacher, now))
                continue
            if later:
                row.ahead_count += 1
            if now:
                examiner = Examiner(teacher, now)
                row.examiners.append(examiner)
                if not later:
                    row.expiring.append(examiner)
        row.expiring.sort(key=lambda e: (e.valid_until, e.teacher.name_pinyin))
        rows.append(row)
    return rows


def compliance_rows(*, user, on_date: datetime.date) -> list[ComplianceRow]:
    """The examiner compliance of every pilot major in the user's scope on ``on_date``
    (four queries: pilot majors, their certificates, teachers, qualifications)."""
    return compliance_for(list(_pilot_majors(user)), on_date)


def examiner_count(
    *,
    institution,
    on_date: datetime.date,
    certificate_type=None,
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


# --- Teacher imports (HR's own upload page) -------------------------------------------------------


def import_batches(user) -> QuerySet[ImportBatch]:
    """Teacher import batches of the colleges whose roster the user keeps.

    HR cannot reach the shared import pages (their role gives no import scope there), so the
    faculty app lists the ``teachers`` batches itself; reads only."""
    return (
        ImportBatch.objects.filter(
            kind=IMPORT_KIND, institution__in=access_for(user).manage_institutions
        )
        .select_related("institution")
        .defer("errors", "warnings")
        .order_by("-created_at", "-id")
    )


def access_import_batch(user, code) -> ImportBatch:
    try:
        return (
            ImportBatch.objects.filter(
                kind=IMPORT_KIND, institution__in=access_for(user).manage_institutions
            )
            .select_related("institution")
            .get(code=code)
        )
    except (ImportBatch.DoesNotExist, ValueError):
        raise Http404("No such import batch") from None
