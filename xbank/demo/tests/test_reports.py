"""The reports over the whole demo: the seed's own figures on the dashboard, its evidence page
("2024 年 1+X 证书 4 个项目考试人数佐证"), the annual summaries of 2021 and 2022, and the demo's
indicator targets against the actual figures."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from xbank.accounts.models import User
from xbank.catalog.models import CertificateType
from xbank.demo import data
from xbank.reports import access, figures, selectors
from xbank.reports.models import Indicator, IndicatorTarget, Metric
from xbank.reports.selectors import Filters

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def user(name: str) -> User:
    return User.objects.get(username=name)


def cert(name: str) -> int:
    return CertificateType.objects.get(name=name).pk


def test_a_second_run_writes_nothing():
    before = (Indicator.objects.count(), IndicatorTarget.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Indicator.objects.count(), IndicatorTarget.objects.count()) == before
    assert before == (7, 35)


def test_the_dashboard_shows_the_seeds_figures():
    aa = user("academic_affairs")
    board = figures.dashboard_get(
        user=aa, filters=Filters(), sections=access.dashboard_sections(aa)
    )
    (candidates,) = board.matrices["assessment"]
    column = candidates.columns.index("2024")
    by_cert = {row.key: row.cells[column].value for row in candidates.rows}
    assert {
        name: by_cert[str(cert(name))]
        for name in (data.ELDERLY_CARE, data.MATERNAL_CARE, data.INFANT_CARE, data.MASSAGE)
    } == {data.ELDERLY_CARE: 100, data.MATERNAL_CARE: 30, data.INFANT_CARE: 30, data.MASSAGE: 40}
    footer = {row.key: row for row in candidates.footer}
    col_2021 = candidates.columns.index("2021")
    col_2022 = candidates.columns.index("2022")
    assert footer[Metric.EXAMINED].cells[col_2021].value == 456
    assert footer[Metric.EXAMINED].cells[col_2022].value == 400
    (training,) = board.matrices["training"]
    totals = training.footer[0].cells
    assert totals[training.columns.index("2021")].value == 550
    assert totals[training.columns.index("2022")].value == 400
    assert totals[training.columns.index("2023")].value > 250  # 清远
    (certificates,) = board.matrices["certificates"]
    held = {
        row.key: row.cells[certificates.columns.index("2024")].value for row in certificates.rows
    }
    for name, count in data.SEED_CERTIFICATE_FIGURES.items():
        assert held[str(cert(name))] == count, name


def test_the_2024_evidence_page_of_the_four_exams():
    aa = user("academic_affairs")
    options = figures.evidence_certificate_options(user=aa, year=2024, metric=Metric.CANDIDATES)
    report = figures.evidence_get(
        user=aa,
        year=2024,
        metric=Metric.CANDIDATES,
        certificate_ids=[ct.pk for ct, _n in options],
    )
    assert report.title == "2024 年 1+X 证书 4 个项目考试人数佐证"
    assert [s.line for s in report.sections] == [
        "1+X 老年照护证书 100 名学生考试",
        "1+X 母婴护理证书 30 名学生考试",
        "1+X 幼儿照护证书 30 名学生考试",
        "1+X 家庭保健按摩证书 40 名学生考试",
    ]
    assert not set(report.sections[0].names) & data.SEED_ROSTER_NAMES


def test_the_annual_summaries_of_2021_and_2022():
    aa = user("academic_affairs")
    first = figures.annual_summary(user=aa, year=2021)
    assert (first.training, first.examined) == (550, 456)
    assert first.lines[0].startswith("培训人次 550 人次")
    second = figures.annual_summary(user=aa, year=2022)
    assert (second.training, second.examined, second.passed) == (400, 400, 400)


def test_the_performance_report_shows_targets_against_actuals():
    rows = figures.performance_rows(
        selectors.target_list(user=user("academic_affairs")).filter(year__in=[2021, 2024])
    )
    got = {(str(r.target.owner), r.target.indicator.name, r.target.year): r for r in rows}
    training_2021 = got[("继续教育学院", "培训人次", 2021)]
    assert (training_2021.target.target, training_2021.actual) == (500, 550)
    assert training_2021.achieved == Decimal("110.0") and training_2021.met
    assert got[("继续教育学院", "职业技能鉴定人数", 2021)].actual == 456
    assert got[("护理", "1+X 证书考试人数", 2024)].actual == 100
    assert got[("助产", "1+X 证书考试人数", 2024)].actual == 30
    # Some are met and some are not, so both colours show.
    assert {r.met for r in rows} == {True, False}
    # The school staff of 护理学院 read their pilot majors' report only.
    staff_rows = selectors.target_list(user=user("school_staff"))
    assert {str(t.owner) for t in staff_rows} == {"护理", "助产"}
