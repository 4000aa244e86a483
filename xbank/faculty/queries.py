"""Conditions and choices that the selectors, filters and forms of the teacher team share.

Kept apart from ``selectors`` so that the filters, which the selectors apply, need not import
them.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from xbank.assessment.models import ExaminerQualification
from xbank.orgs.models import Institution, Major, School

from .access import access_for


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Examiner qualifications valid on ``day`` (both ends included)."""
    return Q(**{f"{prefix}valid_from__lte": day, f"{prefix}valid_until__gte": day})


def on_staff_q(day: datetime.date, prefix: str = "") -> Q:
    """Teachers on the team on ``day``: not left, or left after it."""
    return Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})


def has_valid_qualification(day: datetime.date, certificate_types=None) -> Exists:
    """``Exists`` for annotating teachers: their login holds a qualification valid on ``day``
    (for one of ``certificate_types`` when given)."""
    qualifications = ExaminerQualification.objects.filter(valid_on_q(day), user=OuterRef("user_id"))
    if certificate_types is not None:
        qualifications = qualifications.filter(certificate_type__in=certificate_types)
    return Exists(qualifications)


# --- Options of forms and filters ---------------------------------------------------------------


def manage_institutions(user) -> QuerySet[Institution]:
    return Institution.objects.filter(pk__in=access_for(user).manage_institutions).order_by("code")


def school_options(user, *, manage: bool = False) -> QuerySet[School]:
    access = access_for(user)
    if manage:
        return School.objects.filter(institution__in=access.manage_institutions).order_by(
            "institution__code", "code"
        )
    q = access.q(institution="institution_id", school="pk", major="majors__pk")
    return School.objects.filter(pk__in=School.objects.filter(q).values("pk")).order_by(
        "institution__code", "code"
    )


def major_options(user, *, manage: bool = False) -> QuerySet[Major]:
    access = access_for(user)
    if manage:
        q = Q(institution__in=access.manage_institutions)
    else:
        q = access.major_q()
    return Major.objects.filter(q).select_related("school").order_by("institution__code", "code")
