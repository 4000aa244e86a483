"""Evidence rosters (佐证材料): the names behind a year's figure, certificate by certificate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from xbank.accounts.access import Viewer
from xbank.catalog.models import CertificateType

from ..models import Metric
from ..selectors import (
    METRIC_SOURCES,
    SKILL_LEVEL,
    Filters,
    Reach,
    apply_filters,
    certificate_order,
    certificate_types,
    cube,
    records,
    with_related,
)

EVIDENCE_METRICS = (Metric.CANDIDATES, Metric.CERTIFICATES, Metric.TRAINING)
X_SUFFIX = "职业技能等级证书"


def short_name(ct: CertificateType) -> str:
    """老年照护职业技能等级证书 → 1+X 老年照护证书; other certificates keep their name."""
    if ct.kind == SKILL_LEVEL and ct.name.endswith(X_SUFFIX):
        return f"1+X {ct.name[: -len(X_SUFFIX)]}证书"
    return ct.name


@dataclass
class EvidenceSection:
    certificate: CertificateType
    names: list[str]
    students_only: bool
    line: str = ""

    @property
    def count(self) -> int:
        return len(self.names)


@dataclass
class Evidence:
    year: int
    metric: str
    title: str
    sections: list[EvidenceSection]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)


def evidence_certificate_options(
    *, user: Viewer, year: int, metric: str
) -> list[tuple[CertificateType, int]]:
    """Certificate types with records of ``metric`` in ``year``, with their counts (one query)."""
    source, _measure = METRIC_SOURCES[metric]
    rows = cube(
        source, apply_filters(source, records(source, reach=Reach(user=user)), Filters(year=year))
    )
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.certificate is not None:
            counts[row.certificate] += row.counts["n"]
    types = certificate_types(counts)
    return [(types[c], counts[c]) for c in sorted(types, key=lambda c: certificate_order(types[c]))]


def evidence_get(*, user: Viewer, year: int, metric: str, certificate_ids: list[int]) -> Evidence:
    """The roster of each certificate (in the order the records are listed: seat order for
    candidates, certificate number for holders, program and name for training): one query for
    the names, one for the certificate types."""
    source, _measure = METRIC_SOURCES[metric]
    types = certificate_types(certificate_ids)
    qs = with_related(
        source,
        apply_filters(source, records(source, reach=Reach(user=user)), Filters(year=year)).filter(
            **{f"{source.certificate}_id__in": list(types)}
        ),
    )
    by_type: dict[int, list[str]] = defaultdict(list)
    students: dict[int, bool] = defaultdict(lambda: True)
    account = source.account
    for row in qs.values_list("dim_certificate", f"{account}__name", "dim_major"):
        cert, name, major = row
        by_type[cert].append(name)
        students[cert] = students[cert] and major is not None
    ordered = sorted(types, key=lambda c: (certificate_order(types[c]), certificate_ids.index(c)))
    sections = [
        EvidenceSection(types[c], by_type.get(c, []), students[c] if by_type.get(c) else True)
        for c in ordered
    ]
    for s in sections:
        s.line = _section_line(metric, s)
    return Evidence(
        year=year, metric=metric, title=_evidence_title(year, metric, sections), sections=sections
    )


def _section_line(metric: str, s: EvidenceSection) -> str:
    who = _("学生") if s.students_only else _("考生")
    if metric == Metric.CANDIDATES:
        return _("{certificate} {count} 名{who}考试").format(
            certificate=short_name(s.certificate), count=s.count, who=who
        )
    if metric == Metric.CERTIFICATES:
        return _("{certificate}（{count} 人）").format(
            certificate=s.certificate.name, count=s.count
        )
    return _("{certificate}培训 {count} 人次").format(
        certificate=short_name(s.certificate), count=s.count
    )


def _evidence_title(year: int, metric: str, sections: list[EvidenceSection]) -> str:
    n = len(sections)
    all_x = bool(sections) and all(s.certificate.kind == SKILL_LEVEL for s in sections)
    what_of: dict[str, str] = {
        Metric.CANDIDATES: _("考试人数佐证"),
        Metric.CERTIFICATES: _("获证人数佐证"),
        Metric.TRAINING: _("培训人次佐证"),
    }
    what = what_of[metric]
    if all_x:
        return _("{year} 年 1+X 证书 {n} 个项目{what}").format(year=year, n=n, what=what)
    return _("{year} 年 {n} 个证书项目{what}").format(year=year, n=n, what=what)
