"""The report pages: who may open each (every URL of the namespace, every role), every figure on
the dashboard equal to the list its link opens, query counts that do not grow with the data,
Excel and PDF exports that reopen with the same figures, and the indicator and target forms."""

from __future__ import annotations

import io
import re
import subprocess
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import missing_tool
from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.learners.tests.factories import student
from xbank.reports import services
from xbank.reports.models import Indicator, IndicatorTarget, Metric
from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ROLES, build_report_world

from . import factories as f

pytestmark = pytest.mark.django_db

ALL_ROLES = [*ROLES, "academic_affairs_b", "finance_a"]


@pytest.fixture
def rw():
    world = build_report_world()
    world.users["academic_affairs_b"] = user_with_role(
        Role.ACADEMIC_AFFAIRS, institution=world.base.college_b
    )
    world.users["finance_a"] = user_with_role(Role.FINANCE, institution=world.base.college_a)
    world.indicator = f.indicator(
        institution=world.base.college_a, metric=Metric.TRAINING, name="培训人次"
    )
    world.target = services.target_set(
        actor=SYSTEM,
        indicator=world.indicator,
        year=2024,
        target=4,
        department=world.departments["continuing_ed"],
    )
    return world


def fresh_target(w) -> dict:
    """A target of its own for each request that deletes one."""
    target = services.target_set(
        actor=SYSTEM,
        indicator=w.indicator,
        year=2000 + IndicatorTarget.objects.count(),
        target=1,
        department=w.departments["continuing_ed"],
    )
    return {"pk": target.pk}


ANON = None
RECORD_ROLES = {
    "sysadmin": 200,
    "bank_admin": 200,
    "academic_affairs_a": 200,
    "academic_affairs_b": 200,
    "continuing_ed_a": 200,
    "school_staff_a1": 200,
    "school_staff_a2": 200,
    "school_staff_b1": 200,
    "major_staff_a1": 200,
}
NOBODY_ELSE = {"hr_a": 403, "finance_a": 403, "learner": 403, "learner_without_account": 403}
RECORDS = {ANON: 302, **RECORD_ROLES, **NOBODY_ELSE}
DASHBOARD = {**RECORDS, "hr_a": 200}
EXAMINERS = {
    **RECORDS,
    "school_staff_a1": 403,
    "school_staff_a2": 403,
    "school_staff_b1": 403,
    "major_staff_a1": 403,
    "hr_a": 200,
}
PERFORMANCE = {**RECORDS, "hr_a": 200, "finance_a": 200}
MANAGE = {
    **{role: 403 for role in ALL_ROLES},
    ANON: 302,
    "sysadmin": 200,
    "academic_affairs_a": 200,
    "academic_affairs_b": 200,
}
# A row of college A: its own academic affairs and the system administrator manage it; college
# B's academic affairs gets the 404 of a missing row.
MANAGE_A = {**MANAGE, "academic_affairs_b": 404}
DELETE_A = {**MANAGE_A, "sysadmin": 302, "academic_affairs_a": 302}

# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    "reports:dashboard": ("get", lambda w: {}, DASHBOARD),
    "reports:records": ("get", lambda w: {"metric": "candidates"}, RECORDS),
    "reports:evidence": ("get", lambda w: {}, RECORDS),
    "reports:annual": ("get", lambda w: {}, RECORDS),
    "reports:performance": ("get", lambda w: {}, PERFORMANCE),
    "reports:target-list": ("get", lambda w: {}, PERFORMANCE),
    "reports:target-create": ("get", lambda w: {}, MANAGE),
    "reports:target-edit": ("get", lambda w: {"pk": w.target.pk}, MANAGE_A),
    "reports:target-delete": ("post", fresh_target, DELETE_A),
    "reports:indicator-list": ("get", lambda w: {}, PERFORMANCE),
    "reports:indicator-create": ("get", lambda w: {}, MANAGE),
    "reports:indicator-edit": ("get", lambda w: {"pk": w.indicator.pk}, MANAGE_A),
}


def _url_names() -> list[str]:
    return url_names("reports")


def test_every_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert sorted(names) == sorted(EXPECTED)
    for name in names:
        assert set(EXPECTED[name][2]) == set(ALL_ROLES), name


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, rw, name):
    method, kwargs, expected = EXPECTED[name]
    # The URL is made for each role: some rows (a target to delete) are made afresh each time.
    got = statuses(
        client, rw.users, ALL_ROLES, lambda c: getattr(c, method)(reverse(name, kwargs=kwargs(rw)))
    )
    assert got == expected


def test_examiner_list_per_role(client, rw):
    url = reverse("reports:records", kwargs={"metric": "examiners"})
    got = {}
    for role in ALL_ROLES:
        client.logout()
        if role is not None:
            client.force_login(rw.users[role])
        got[role] = client.get(url).status_code
    assert got == EXAMINERS


def test_an_unknown_metric_is_not_found(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    assert client.get(reverse("reports:records", kwargs={"metric": "salaries"})).status_code == 404
    assert client.get(reverse("reports:records", kwargs={"metric": "pass_rate"})).status_code == 404


# --- Figures and their lists ---------------------------------------------------------------------

LINK = re.compile(r'<a href="(/reports/records/[^"]+)" data-count="(\d+)"')
KPI = re.compile(r'data-kpi="(\w+)"><a href="([^"]+)">(\d+)</a>')
COUNT = re.compile(r'id="record-count" data-count="(\d+)"')


def listed(client, url: str) -> int:
    response = client.get(unescape(url))
    assert response.status_code == 200, url
    return int(COUNT.search(response.content.decode()).group(1))


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("academic_affairs_a", ""),
        ("academic_affairs_a", "?year=2024&audience=student"),
        ("school_staff_a1", ""),
        ("bank_admin", "?kind=skill_level"),
        ("hr_a", ""),
    ],
)
def test_every_figure_on_the_dashboard_opens_a_list_of_as_many_records(client, rw, role, query):
    client.force_login(rw.users[role])
    html = client.get(reverse("reports:dashboard") + query).content.decode()
    links = LINK.findall(html) + [(url, n) for _metric, url, n in KPI.findall(html)]
    assert len(links) >= 3
    for url, count in set(links):
        assert listed(client, url) == int(count), url


def test_the_dashboard_shows_the_charts_data_and_no_inline_script(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="report-charts" type="application/json"' in html
    assert "js/reports-dashboard.js" in html
    assert "echarts-6.1.0/echarts.min.js" in html
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []
    for key in ("candidates", "certificates", "training", "conversions", "by-major", "examiners"):
        assert f'data-report-chart="{key}"' in html or f'data-matrix="{key}"' in html


def test_a_bad_filter_shows_nothing_rather_than_everyone(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    response = client.get(reverse("reports:records", kwargs={"metric": "candidates"}) + "?year=x")
    assert int(COUNT.search(response.content.decode()).group(1)) == 0
    assert "筛选条件有误" in response.content.decode()


def test_the_list_filters_by_name(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    url = reverse("reports:records", kwargs={"metric": "candidates"})
    assert listed(client, url + "?name=甘") == 1
    assert listed(client, url + f"?major={rw.base.major_a1.pk}") == 5
    assert listed(client, url + "?audience=social") == 1


# --- Query counts --------------------------------------------------------------------------------


def grow(rw, n: int) -> None:
    """``n`` more students of alice's major who sit an exam, finish a class and hold a
    qualification certificate."""
    people = [student(major=rw.base.major_a1) for _ in range(n)]
    f.exam(institution=rw.base.college_a, certificate_type=rw.x, people=people, fail=1)
    f.training_class(institution=rw.base.college_a, certificate_type=rw.x, people=people)
    for p in people:
        f.held(p, rw.qualification)


PAGES = [
    # dashboard: session, user, role assignments; the four grouped queries (candidates,
    # certificates, training, conversions); teachers and qualifications; names of certificate
    # types and majors; the filter bar's certificates and majors (and its pilot majors).
    reverse("reports:dashboard"),
    # the named list: session, user, roles; count; page; majors' names; the filter bar's choices
    reverse("reports:records", kwargs={"metric": "candidates"}) + "?year=2024",
    reverse("reports:records", kwargs={"metric": "training"}),
    reverse("reports:records", kwargs={"metric": "certificates"}),
    reverse("reports:records", kwargs={"metric": "examiners"}),
    # evidence: certificate options (grouped), roster (one query), certificate names
    reverse("reports:evidence") + "?year=2024&metric=candidates",
    reverse("reports:annual") + "?year=2024",
    reverse("reports:performance") + "?year=2024",
    reverse("reports:target-list"),
]


@pytest.mark.parametrize("url", PAGES)
def test_queries_per_page_do_not_grow_with_the_data(client, rw, url, django_assert_num_queries):
    client.force_login(rw.users["academic_affairs_a"])
    grow(rw, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(rw, 27)
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_the_dashboard_query_count(client, rw, django_assert_num_queries):
    """Session, user, role assignments (scope), the pilot scope's none; four grouped queries,
    teachers, qualifications, certificate and major names; the filter bar's certificate types,
    majors and pilot majors."""
    client.force_login(rw.users["academic_affairs_a"])
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("reports:dashboard"))
    assert len(queries) <= 16, [q["sql"][:80] for q in queries]


# --- Exports -------------------------------------------------------------------------------------


def sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_dashboard_exports_its_tables(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    response = client.get(reverse("reports:dashboard") + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = sheets(response.content)
    candidates = next(rows for name, rows in book.items() if "考试人数" in name)
    header = candidates[1]
    total_row = next(row for row in candidates if row[0] == "合计")
    assert total_row[header.index("2024")] == 7


def test_a_list_exports_every_record(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    url = reverse("reports:records", kwargs={"metric": "candidates"})
    rows = next(iter(sheets(client.get(url + "?export=xlsx").content).values()))
    names = {row[1] for row in rows[2:]}
    assert len(rows) - 2 == 7
    assert "甘雨" in names and "龙社会" in names
    examiners = reverse("reports:records", kwargs={"metric": "examiners"})
    rows = next(iter(sheets(client.get(examiners + "?export=xlsx").content).values()))
    assert len(rows) - 2 == 4


def pdf_text(content: bytes) -> str:
    try:
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
    except FileNotFoundError:
        missing_tool("pdftotext (apt-get install poppler-utils)")


def test_the_performance_report_in_excel_and_pdf(client, rw):
    client.force_login(rw.users["continuing_ed_a"])
    url = reverse("reports:performance") + "?year=2024"
    html = client.get(url).content.decode()
    assert 'data-actual="4"' in html and 'data-achieved="100.0"' in html
    rows = next(iter(sheets(client.get(url + "&export=xlsx").content).values()))
    (line,) = [row for row in rows if row[3] == "培训人次"]
    assert line[7:10] == [4.0, 4.0, 100.0]
    response = client.get(url + "&export=pdf")
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "培训人次" in text and "100.0%" in text


def test_the_annual_summary(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    url = reverse("reports:annual") + "?year=2024"
    html = client.get(url).content.decode()
    assert 'data-figure="training">4<' in html
    assert 'data-figure="candidates">7<' in html
    book = sheets(client.get(url + "&export=xlsx").content)
    overview = dict((row[0], row[1]) for row in book["年度概况"][2:])
    assert overview["培训人次"] == 4 and overview["鉴定人数（人次）"] == 7
    text = pdf_text(client.get(url + "&export=pdf").content)
    assert "培训人次 4 人次" in text


def test_the_target_list_exports_targets_with_their_actuals(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    rows = next(
        iter(sheets(client.get(reverse("reports:target-list") + "?export=xlsx").content).values())
    )
    assert rows[1][3] == "培训人次" and rows[1][7:9] == [4.0, 4.0]
    indicators = sheets(client.get(reverse("reports:indicator-list") + "?export=xlsx").content)
    assert next(iter(indicators.values()))[1][1] == "培训人次"


# --- Forms ---------------------------------------------------------------------------------------


def test_academic_affairs_types_in_a_target(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    url = reverse("reports:target-create")
    data = {
        "indicator": rw.indicator.pk,
        "year": 2025,
        "department": rw.departments["continuing_ed"].pk,
        "pilot_major": rw.pilot.pk,
        "target": "120",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert services.ERR_ONE_OWNER in response.content.decode()
    del data["pilot_major"]
    response = client.post(url, data)
    assert response.status_code == 302
    target = IndicatorTarget.objects.get(year=2025)
    assert (target.target, target.updated_by) == (120, rw.users["academic_affairs_a"])
    assert AuditEntry.objects.filter(action="reports.target.created", object_id=str(target.pk))
    edit = reverse("reports:target-edit", kwargs={"pk": target.pk})
    assert client.post(edit, {**data, "target": "130"}).status_code == 302
    target.refresh_from_db()
    assert target.target == 130
    # The same owner, year and indicator twice is refused.
    response = client.post(url, data)
    assert "目标已存在" in response.content.decode()


def test_a_target_of_another_college_is_refused(client, rw):
    client.force_login(rw.users["academic_affairs_b"])
    response = client.post(
        reverse("reports:target-create"),
        {
            "indicator": rw.indicator.pk,
            "year": 2025,
            "department": rw.departments["continuing_ed"].pk,
            "target": "1",
        },
    )
    # Neither the indicator nor the department is among college B's choices.
    assert response.status_code == 200
    assert not IndicatorTarget.objects.filter(year=2025).exists()


def test_academic_affairs_defines_an_indicator(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    data = {
        "institution": rw.base.college_a.pk,
        "name": "1+X 证书合格率",
        "metric": "pass_rate",
        "certificate_scope": "skill_level",
        "position": 2,
        "is_active": "on",
    }
    assert client.post(reverse("reports:indicator-create"), data).status_code == 302
    indicator = Indicator.objects.get(name="1+X 证书合格率")
    edit = reverse("reports:indicator-edit", kwargs={"pk": indicator.pk})
    assert client.post(edit, {**data, "name": "1+X 合格率"}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "1+X 合格率" and indicator.unit == "%"
    assert AuditEntry.objects.filter(action="reports.indicator.updated").exists()
    # A pass-rate target above 100 % is refused.
    response = client.post(
        reverse("reports:target-create"),
        {
            "indicator": indicator.pk,
            "year": 2025,
            "department": rw.departments["continuing_ed"].pk,
            "target": "101",
        },
    )
    assert services.ERR_RATE_RANGE in response.content.decode()


def test_deleting_a_target_is_audited(client, rw):
    client.force_login(rw.users["academic_affairs_a"])
    pk = rw.target.pk
    assert client.post(reverse("reports:target-delete", kwargs={"pk": pk})).status_code == 302
    assert not IndicatorTarget.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action="reports.target.deleted", object_id=str(pk)).exists()


def test_the_indicator_list_filters(client, rw):
    client.force_login(rw.users["bank_admin"])
    url = reverse("reports:indicator-list")
    assert (
        f'data-indicator="{rw.indicator.pk}"'
        in client.get(url + "?metric=training").content.decode()
    )
    assert "data-indicator=" not in client.get(url + "?metric=pass_rate").content.decode()
    assert "data-indicator=" not in client.get(url + "?metric=nonsense").content.decode()
