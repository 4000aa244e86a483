"""The departments and pilot majors whose performance a user reads: the choices of the filters
and forms, and what ``selectors.access_department`` and ``access_pilot_major`` accept.

Kept apart from ``selectors`` so that the filters, which the selectors apply, need not import
them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from xbank.orgs.models import Department
from xbank.pilot.models import PilotMajor

from .access import performance_scope


def department_options(user) -> QuerySet[Department]:
    return (
        Department.objects.filter(performance_scope(user).departments())
        .select_related("institution")
        .order_by("institution__code", "kind")
    )


def pilot_major_options(user) -> QuerySet[PilotMajor]:
    return (
        PilotMajor.objects.filter(performance_scope(user).pilot_majors())
        .select_related("major__institution")
        .order_by("major__institution__code", "major__code")
    )
