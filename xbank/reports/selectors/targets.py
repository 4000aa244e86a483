"""Reads of the performance indicators (绩效指标) and their yearly targets, scoped by
``access.performance_scope``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from xbank.accounts.access import Viewer
from xbank.orgs.models import Department, Institution
from xbank.pilot.models import PilotMajor

from ..access import performance_scope
from ..filters import TargetFilter
from ..models import Indicator, IndicatorTarget
from ..options import department_options, pilot_major_options


def indicator_list(*, user: Viewer) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(performance_scope(user).indicators())
        .select_related("institution", "certificate_type")
        .annotate(target_count=Count("targets"))
        .order_by("institution__code", "position", "id")
    )


def access_indicator(user: Viewer, pk: int | str, *, manage: bool = False) -> Indicator:
    try:
        indicator = indicator_list(user=user).get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError):
        raise Http404("No such indicator") from None
    if manage and not performance_scope(user).manages_institution(indicator.institution_id):
        raise Http404("No such indicator")
    return indicator


def target_scope_q(user: Viewer) -> Q:
    ps = performance_scope(user)
    if ps.everywhere:
        return Q()
    return (
        Q(indicator__institution_id__in=ps.read_institutions)
        | Q(department__in=Department.objects.filter(ps.departments()))
        | Q(pilot_major__in=PilotMajor.objects.filter(ps.pilot_majors()))
    )


def target_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[IndicatorTarget]:
    """Targets the user reads, newest year first, with indicator and owner fetched."""
    qs = (
        IndicatorTarget.objects.filter(target_scope_q(user))
        .select_related(
            "indicator__institution",
            "indicator__certificate_type",
            "department__institution",
            "pilot_major__major__institution",
            "updated_by",
        )
        .order_by(
            "-year",
            "indicator__institution__code",
            F("pilot_major").asc(nulls_first=True),  # departments first
            "department__kind",
            "pilot_major__major__code",
            "indicator__position",
            "indicator_id",
            "id",
        )
    )
    if filters is not None:
        qs = TargetFilter(filters, queryset=qs, user=user).qs
    return qs


def access_target(user: Viewer, pk: int | str, *, manage: bool = False) -> IndicatorTarget:
    try:
        target = target_list(user=user).get(pk=pk)
    except (IndicatorTarget.DoesNotExist, ValueError, TypeError):
        raise Http404("No such target") from None
    if manage and not performance_scope(user).manages_institution(target.indicator.institution_id):
        raise Http404("No such target")
    return target


def access_department(user: Viewer, pk: int | str) -> Department:
    try:
        return department_options(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise Http404("No such department") from None


def access_pilot_major(user: Viewer, pk: int | str) -> PilotMajor:
    try:
        return pilot_major_options(user).get(pk=pk)
    except (PilotMajor.DoesNotExist, ValueError, TypeError):
        raise Http404("No such pilot major") from None


def institution_of(owner: Department | PilotMajor) -> Institution:
    if isinstance(owner, Department):
        return owner.institution
    return owner.major.institution
