"""The named records behind a figure (the drill-down): the same records the figure counts."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from xbank.accounts.access import Viewer
from xbank.assessment.rules import examined_q

from ..models import Metric
from .examiners import examiner_list
from .sources import (
    CANDIDATES,
    CERTIFICATES,
    METRIC_SOURCES,
    TRAINING,
    Filters,
    Reach,
    Source,
    apply_filters,
    records,
)


def record_list(*, user: Viewer, metric: str, filters: Filters) -> QuerySet[Model]:
    """The named records behind a figure, with their related rows fetched."""
    if metric == Metric.EXAMINERS:
        return examiner_list(user=user, filters=filters)
    if metric not in METRIC_SOURCES:
        raise Http404("No such metric")
    source, _measure = METRIC_SOURCES[metric]
    qs = apply_filters(source, records(source, reach=Reach(user=user)), filters)
    if metric == Metric.EXAMINED:
        qs = qs.filter(examined_q())
    elif metric in (Metric.PASSED, Metric.PASS_RATE):
        qs = qs.filter(result__passed=True)
    return with_related(source, qs)


def with_related(source: Source, qs: QuerySet[Model]) -> QuerySet[Model]:
    if source is CANDIDATES:
        return qs.select_related(
            "account", "session__certificate_type", "session__institution", "result"
        ).order_by("session__date", "session_id", "session_room__position", "seat_no", "id")
    if source is CERTIFICATES:
        return qs.select_related("account", "certificate_type").order_by(
            "certificate_type__name", "issued_on", "number", "id"
        )
    if source is TRAINING:
        return qs.select_related("account", "program__certificate_type").order_by(
            "program__end_date", "program_id", "account__name_pinyin", "id"
        )
    return qs.select_related(
        "request__account", "request__learner", "outcome__certificate_type", "course"
    ).order_by("request__decided_at", "request_id", "position", "id")
