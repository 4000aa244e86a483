"""The year's headline figures (年度概况)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from xbank.accounts.access import Viewer
from xbank.catalog.models import CertificateType

from ..selectors import (
    CANDIDATES,
    CERTIFICATES,
    CONVERSIONS,
    TRAINING,
    Filters,
    Reach,
    apply_filters,
    certificate_order,
    certificate_types,
    cube,
    examiner_rows,
    examiners_valid,
    rate,
    records,
    reference_date,
    total,
)


@dataclass
class AnnualSummary:
    year: int
    training: int
    training_persons: int
    candidates: int
    examined: int
    passed: int
    pass_rate: Decimal | None
    certificates: list[tuple[CertificateType, int]]
    certificates_total: int
    conversions: int
    examiners: int
    lines: list[str] = field(default_factory=list)


def annual_summary(*, user: Viewer, year: int) -> AnnualSummary:
    """The year's headline figures (年度总结): training person-times (and distinct people),
    appraisal counts and pass rate, certificates by type, conversions, examiners."""
    reach = Reach(user=user)
    f = Filters(year=year)
    cubes = {
        s.key: cube(s, apply_filters(s, records(s, reach=reach), f))
        for s in (CANDIDATES, CERTIFICATES, CONVERSIONS)
    }
    training_qs = apply_filters(TRAINING, records(TRAINING, reach=reach), f)
    training = training_qs.order_by().aggregate(
        n=Count("id"), persons=Count("account_id", distinct=True)
    )
    by_type: dict[int | None, int] = defaultdict(int)
    for row in cubes["certificates"]:
        by_type[row.certificate] += row.counts["n"]
    types = certificate_types(by_type)
    certificates = [
        (types[c], by_type[c]) for c in sorted(types, key=lambda c: certificate_order(types[c]))
    ]
    quals = examiner_rows(reach=reach, filters=Filters())
    examined = total(cubes["candidates"], "examined")
    passed = total(cubes["candidates"], "passed")
    summary = AnnualSummary(
        year=year,
        training=training["n"],
        training_persons=training["persons"],
        candidates=total(cubes["candidates"], "n"),
        examined=examined,
        passed=passed,
        pass_rate=rate(passed, examined),
        certificates=certificates,
        certificates_total=sum(by_type.values()),
        conversions=total(cubes["conversions"], "n"),
        examiners=examiners_valid(quals, reference_date(year)),
    )
    summary.lines = [
        _("培训人次 {n} 人次（{persons} 人），开展职业技能鉴定人数 {examined} 人次。").format(
            n=summary.training, persons=summary.training_persons, examined=examined
        ),
        _("考试人数 {candidates} 人次，合格 {passed} 人次，合格率 {rate}。").format(
            candidates=summary.candidates,
            passed=passed,
            rate=f"{summary.pass_rate}%" if summary.pass_rate is not None else "—",
        ),
        _("获证 {n} 张：{detail}。").format(
            n=summary.certificates_total,
            detail="；".join(
                _("{name}（{count} 人）").format(name=ct.name, count=n) for ct, n in certificates
            )
            or "—",
        ),
        _("学分转换 {n} 笔；有效考评员 {examiners} 人。").format(
            n=summary.conversions, examiners=summary.examiners
        ),
    ]
    return summary
