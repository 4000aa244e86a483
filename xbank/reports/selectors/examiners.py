"""Examiners (考评员), counted as the faculty and pilot apps count them
(``faculty.selectors.examiner_count`` and ``pilot.selectors.compliance_for``): teachers on a
college's roster whose login holds a qualification valid at the end of the year (today, for the
current year); a pilot major's are its full-time teachers, in its certificates.
"""

from __future__ import annotations

import datetime
from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from xbank.accounts.access import Viewer
from xbank.assessment.models import ExaminerQualification
from xbank.faculty.models import Teacher
from xbank.faculty.queries import on_staff_q
from xbank.pilot.models import PilotMajor

from ..access import examiner_institutions
from .sources import Filters, Reach, pilot_certificates_q


def reference_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """The day a year's examiner figure is taken on: 31 December, or today for this year."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def teachers_in_reach(reach: Reach) -> QuerySet[Teacher]:
    """Teachers with a login on the rosters (教师名册) of the institutions in reach."""
    qs = Teacher.objects.filter(user__isnull=False)
    if reach.institution_id is not None:
        return qs.filter(institution_id=reach.institution_id)
    everywhere, ids = examiner_institutions(reach.user)
    return qs if everywhere else qs.filter(institution_id__in=ids)


def _pilot_major_id_of(pilot_major: int | None) -> QuerySet[PilotMajor, Any] | None:
    return PilotMajor.objects.filter(pk=pilot_major).values("major_id") if pilot_major else None


def _teacher_filter(qs: QuerySet[Teacher], filters: Filters) -> QuerySet[Teacher]:
    """A pilot major's examiners are its full-time teachers (``faculty.compliance_for``)."""
    if filters.major:
        qs = qs.filter(major_id=filters.major)
    if filters.pilot_major:
        qs = qs.filter(
            major_id__in=_pilot_major_id_of(filters.pilot_major), kind=Teacher.Kind.FULL_TIME
        )
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.name:
        qs = qs.filter(name__icontains=filters.name)
    return qs


def _qualification_filter(
    qs: QuerySet[ExaminerQualification], filters: Filters
) -> QuerySet[ExaminerQualification]:
    if filters.certificate_type:
        qs = qs.filter(certificate_type_id=filters.certificate_type)
    if filters.kind:
        qs = qs.filter(certificate_type__kind=filters.kind)
    if filters.pilot:
        qs = qs.filter(pilot_certificates_q("certificate_type", institution=filters.institution))
    if filters.pilot_major:
        qs = qs.filter(pilot_certificates_q("certificate_type", pilot_major=filters.pilot_major))
    return qs


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day, f"{prefix}valid_until__gte": day})


@dataclass(frozen=True)
class ExaminerRow:
    """One examiner qualification of a teacher on a roster."""

    teacher: int
    major: int | None
    full_time: bool
    left_on: datetime.date | None
    certificate: int
    valid_from: datetime.date
    valid_until: datetime.date


def examiner_rows(*, reach: Reach, filters: Filters) -> list[ExaminerRow]:
    """Two queries: the teachers in reach, then their logins' qualifications (a college has a
    few hundred at most)."""
    teachers = {
        user_id: (pk, major, kind == Teacher.Kind.FULL_TIME, left_on)
        for pk, user_id, major, kind, left_on in _teacher_filter(
            teachers_in_reach(reach), replace(filters, name="")
        ).values_list("pk", "user_id", "major_id", "kind", "left_on")
    }
    if not teachers:
        return []
    quals = _qualification_filter(
        ExaminerQualification.objects.filter(user_id__in=list(teachers)), filters
    ).values_list("user_id", "certificate_type_id", "valid_from", "valid_until")
    # A login on two rosters is one teacher record per roster: the last one read stands for it
    # (only a regional reader sees both).
    return [
        ExaminerRow(*teachers[user_id], cert, start, end) for user_id, cert, start, end in quals
    ]


def examiners_valid(
    rows: Iterable[ExaminerRow],
    day: datetime.date,
    certificates: Container[int] | None = None,
    *,
    major: int | None = None,
    full_time_only: bool = False,
) -> int:
    """Teachers on the roster on ``day`` holding a qualification valid on ``day`` (for one of
    ``certificates``), each counted once."""
    return len(
        {
            r.teacher
            for r in rows
            if r.valid_from <= day <= r.valid_until
            and (r.left_on is None or r.left_on > day)
            and (certificates is None or r.certificate in certificates)
            and (major is None or r.major == major)
            and (r.full_time or not full_time_only)
        }
    )


def examiner_list(*, user: Viewer, filters: Filters) -> QuerySet[Teacher]:
    """Teachers on the roster on the year's reference date (or today) whose login holds a
    qualification valid that day, each with those qualifications: one row per teacher, as the
    figure counts teachers."""
    day = reference_date(filters.year) if filters.year else timezone.localdate()
    valid = _qualification_filter(ExaminerQualification.objects.filter(valid_on_q(day)), filters)
    return (
        _teacher_filter(teachers_in_reach(Reach(user=user)), filters)
        .filter(on_staff_q(day), Exists(valid.filter(user_id=OuterRef("user_id"))))
        .select_related("institution", "major", "user")
        .prefetch_related(
            Prefetch(
                "user__examiner_qualifications",
                queryset=valid.select_related("certificate_type").order_by(
                    "certificate_type_id", "-valid_until"
                ),
                to_attr="valid_qualifications",
            )
        )
        .order_by("name_pinyin", "id")
    )
