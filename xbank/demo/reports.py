"""Demo performance indicators (绩效指标, seed 五(三)) of the main college and their targets for
2021–2024, per department and per pilot major, so the performance report shows targets against
the figures the other demos produce (called by ``seed_demo`` after the pilot demo).

The seed gives no targets; these are invented round figures near what the college reported, some
met and some not, so both colours show: the continuing education college is judged by training
person-times and appraisals (2021: 550 person-times and 456 appraised against 500 and 450), the
HR office by the number of certified examiners, academic affairs by certificates and credit
conversions, each pilot major by its own 1+X exam, pass rate, training and its three examiners
(seed 四(四)2: 各试点专业至少有 3 名教师获得考评员资格).

Targets are typed in by the demo ``academic_affairs`` through ``services.target_set``; an
indicator or target that exists is left as it is, so a second run writes nothing.
"""

from __future__ import annotations

from xbank.demo import data
from xbank.orgs.models import Department, Institution
from xbank.pilot.models import PilotMajor
from xbank.reports import services
from xbank.reports.models import CertificateScope, Indicator, IndicatorTarget, Metric

K = Department.Kind
S = CertificateScope

# key: (name, metric, certificate scope, description)
INDICATORS = {
    "x_candidates": ("1+X 证书考试人数", Metric.CANDIDATES, S.SKILL_LEVEL, "参加 1+X 职业技能等级证书考核的人次"),
    "x_pass_rate": ("1+X 证书考核合格率", Metric.PASS_RATE, S.SKILL_LEVEL, "合格人次 ÷ 实考人次"),
    "appraised": ("职业技能鉴定人数", Metric.EXAMINED, S.ALL, "实际参加鉴定（考核）的人次"),
    "certificates": ("获证数", Metric.CERTIFICATES, S.ALL, "当年取得的职业技能等级证书和职业资格证书"),
    "training": ("培训人次", Metric.TRAINING, S.ALL, "培训结业人次（南粤家政、社会培训、1+X 培训）"),
    "examiners": ("1+X 考评员人数", Metric.EXAMINERS, S.PILOT, "年末持有效试点证书考评员资格的人数"),
    "conversions": ("学分转换笔数", Metric.CONVERSIONS, S.ALL, "终审通过并记账的认定、转换"),
}  # fmt: skip

# department kind → {indicator key: {year: target}}
DEPARTMENT_TARGETS = {
    K.CONTINUING_ED: {
        "training": {2021: 500, 2022: 400, 2023: 250, 2024: 220},
        "appraised": {2021: 450, 2022: 400, 2024: 200},
        "x_candidates": {2021: 180, 2024: 200},
        "x_pass_rate": {2021: 90, 2024: 92},
    },
    K.ACADEMIC_AFFAIRS: {
        "certificates": {2022: 350, 2024: 450},
        "conversions": {2024: 20},
    },
    K.HR: {"examiners": {2021: 12, 2022: 12, 2023: 12, 2024: 12}},
}
# pilot major code → {indicator key: {year: target}}
PILOT_TARGETS = {
    data.NURSING: {
        "x_candidates": {2024: 100},
        "x_pass_rate": {2024: 95},
        "examiners": {2021: 3, 2022: 3, 2023: 3, 2024: 3},
    },
    data.MIDWIFERY: {
        "x_candidates": {2024: 30},
        "x_pass_rate": {2024: 95},
        "examiners": {2024: 3},
    },
    data.CHILDCARE: {
        "x_candidates": {2024: 30},
        "x_pass_rate": {2024: 95},
        "examiners": {2024: 3},
    },
    data.REHAB: {
        "x_candidates": {2021: 50, 2024: 40},
        "x_pass_rate": {2024: 95},
        "examiners": {2021: 3, 2024: 3},
    },
}


def seed_indicators(main: Institution, actor) -> dict[str, Indicator]:
    existing = {i.name: i for i in Indicator.objects.filter(institution=main)}
    indicators = {}
    for position, (key, (name, metric, scope, description)) in enumerate(INDICATORS.items(), 1):
        indicators[key] = existing.get(name) or services.indicator_create(
            actor=actor,
            institution=main,
            name=name,
            metric=metric,
            certificate_scope=scope,
            position=position,
            description=description,
        )
    return indicators


def _set(actor, indicator: Indicator, owner: dict, targets: dict[int, int], existing) -> None:
    for year, value in targets.items():
        key = (indicator.pk, year, owner.get("department"), owner.get("pilot_major"))
        if key in existing:
            continue
        services.target_set(
            actor=actor,
            indicator=indicator,
            year=year,
            target=value,
            department=owner.get("department"),
            pilot_major=owner.get("pilot_major"),
        )


def seed(result) -> None:
    main = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    users = {spec.username: user for spec, user in result.users}
    actor = users.get("academic_affairs")
    indicators = seed_indicators(main, actor)
    existing = {
        (t.indicator_id, t.year, t.department, t.pilot_major)
        for t in IndicatorTarget.objects.filter(indicator__institution=main).select_related(
            "department", "pilot_major"
        )
    }
    departments = {d.kind: d for d in Department.objects.filter(institution=main)}
    for kind, by_indicator in DEPARTMENT_TARGETS.items():
        for key, targets in by_indicator.items():
            _set(actor, indicators[key], {"department": departments[kind]}, targets, existing)
    pilots = {
        p.major.code: p
        for p in PilotMajor.objects.filter(major__institution=main).select_related("major")
    }
    for code, by_indicator in PILOT_TARGETS.items():
        if code not in pilots:
            continue
        for key, targets in by_indicator.items():
            _set(actor, indicators[key], {"pilot_major": pilots[code]}, targets, existing)
