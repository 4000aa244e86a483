"""The actual figures of the performance targets (绩效报告): computed from the data of the
indicator's college every time, never typed in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xbank.accounts.access import Viewer
from xbank.catalog.models import CertificateType
from xbank.orgs.models import Department
from xbank.pilot.models import PilotMajor

from ..models import RATE_METRICS, CertificateScope, IndicatorTarget, Metric
from ..selectors import (
    METRIC_SOURCES,
    QUALIFICATION,
    SKILL_LEVEL,
    CubeRow,
    ExaminerRow,
    Filters,
    Reach,
    cube,
    examiner_rows,
    examiners_valid,
    rate,
    records,
    reference_date,
    target_list,
    total,
)
from .matrix import Cell


@dataclass
class PerformanceRow:
    target: IndicatorTarget
    actual: Decimal | None
    cell: Cell  # the actual, with the filters of its named list

    @property
    def achieved(self) -> Decimal | None:
        """实际 / 目标 as a percentage (None without a target or an actual)."""
        if self.actual is None or not self.target.target:
            return None
        return (Decimal(100) * self.actual / self.target.target).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool:
        return self.achieved is not None and self.achieved >= 100


def _indicator_filters(target: IndicatorTarget) -> Filters:
    """The filters of the named list behind a target's actual figure."""
    indicator = target.indicator
    scope = indicator.certificate_scope
    pilot = scope == CertificateScope.PILOT
    examiners = indicator.metric == Metric.EXAMINERS
    own = target.pilot_major_id
    return Filters(
        year=target.year,
        certificate_type=indicator.certificate_type_id,
        kind=scope if scope in (SKILL_LEVEL, QUALIFICATION) else "",
        pilot=pilot and not own,
        # A pilot major's examiners are those of its certificates, whatever the scope.
        pilot_major=own if own and (pilot or examiners) else None,
        major=target.pilot_major.major_id
        if target.pilot_major is not None and not examiners
        else None,
        institution=indicator.institution_id,
    )


def performance_rows(targets: Iterable[IndicatorTarget]) -> list[PerformanceRow]:
    """Each target with its actual figure, computed from the data of the indicator's college:
    per college, one grouped query per source the indicators use, one for the qualifications,
    one for the pilot majors' certificates and one for the certificate kinds."""
    targets = list(targets)
    by_institution: dict[int, list[IndicatorTarget]] = defaultdict(list)
    for t in targets:
        by_institution[t.indicator.institution_id].append(t)
    actuals: dict[int, Decimal | None] = {}
    kinds: dict[int, str] = {}
    if targets:
        kinds = dict(CertificateType.objects.values_list("pk", "kind"))
    for institution_id, group in by_institution.items():
        reach = Reach(institution_id=institution_id)
        years = sorted({t.year for t in group})
        metrics = {t.indicator.metric for t in group}
        cubes: dict[str, list[CubeRow]] = {}
        for metric in metrics - {Metric.EXAMINERS}:
            source = METRIC_SOURCES[metric][0]
            if source.key not in cubes:
                qs = records(source, reach=reach).filter(**{f"{source.date}__year__in": years})
                cubes[source.key] = cube(source, qs)
        quals = examiner_rows(reach=reach, filters=Filters()) if Metric.EXAMINERS in metrics else []
        pilot_certs: dict[int, set[int]] = defaultdict(set)
        for pilot_id, cert_id in PilotMajor.certificate_types.through.objects.filter(
            pilotmajor__major__institution_id=institution_id
        ).values_list("pilotmajor_id", "certificatetype_id"):
            pilot_certs[pilot_id].add(cert_id)
        all_pilot_certs = set().union(*pilot_certs.values()) if pilot_certs else set()
        for t in group:
            actuals[t.pk] = _actual(t, cubes, quals, kinds, pilot_certs, all_pilot_certs)
    return [
        PerformanceRow(
            target=t,
            actual=actuals[t.pk],
            cell=Cell(
                actuals[t.pk],
                Metric.PASSED if t.indicator.metric == Metric.PASS_RATE else t.indicator.metric,
                _indicator_filters(t).params(),
            ),
        )
        for t in targets
    ]


def _actual(
    t: IndicatorTarget,
    cubes: dict[str, list[CubeRow]],
    quals: list[ExaminerRow],
    kinds: dict[int, str],
    pilot_certs: dict[int, set[int]],
    all_pilot_certs: set[int],
) -> Decimal | None:
    indicator = t.indicator
    scope = indicator.certificate_scope

    def counts(cert: int | None) -> bool:
        if indicator.certificate_type_id:
            return cert == indicator.certificate_type_id
        if scope in (SKILL_LEVEL, QUALIFICATION):
            return cert is not None and kinds.get(cert) == scope
        if scope == CertificateScope.PILOT:
            own = pilot_certs.get(t.pilot_major_id, set()) if t.pilot_major_id else all_pilot_certs
            return cert in own
        return True

    if indicator.metric == Metric.EXAMINERS:
        day = reference_date(t.year)
        certs = {q.certificate for q in quals if counts(q.certificate)}
        if t.pilot_major is not None:  # its full-time teachers, in its certificates (seed 四(四)2)
            certs &= pilot_certs.get(t.pilot_major.pk, set())
            return Decimal(
                examiners_valid(
                    quals, day, certs, major=t.pilot_major.major_id, full_time_only=True
                )
            )
        unrestricted = scope == CertificateScope.ALL and not indicator.certificate_type_id
        return Decimal(examiners_valid(quals, day, None if unrestricted else certs))
    source, measure = METRIC_SOURCES[indicator.metric]
    major = t.pilot_major.major_id if t.pilot_major is not None else None
    rows = [
        r
        for r in cubes[source.key]
        if r.year == t.year and counts(r.certificate) and (major is None or r.major == major)
    ]
    if indicator.metric in RATE_METRICS:
        return rate(total(rows, "passed"), total(rows, "examined"))
    return Decimal(total(rows, measure))


def performance_report(
    *,
    user: Viewer,
    year: int,
    department: Department | None = None,
    pilot_major: PilotMajor | None = None,
) -> list[PerformanceRow]:
    """Targets of one department (or pilot major) for one year, with their actual figures."""
    qs = target_list(user=user).filter(year=year)
    qs = (
        qs.filter(department=department)
        if department is not None
        else qs.filter(pilot_major=pilot_major)
    )
    return performance_rows(qs)
