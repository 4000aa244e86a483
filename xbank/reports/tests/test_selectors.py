"""The figures: what each source counts, scoping, every figure equal to its named list, examiner
counts at the year's reference date, and the performance report's actuals recomputed from the
data as new results arrive."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from xbank.assessment.tests import factories as af
from xbank.core.actors import SYSTEM
from xbank.creditbank.tests.factories import build_credit_world
from xbank.faculty import selectors as faculty_selectors
from xbank.faculty import services as faculty_services
from xbank.faculty.tests import factories as faculty
from xbank.learners.tests.factories import student
from xbank.pilot import selectors as pilot_selectors
from xbank.reports import access, selectors, services
from xbank.reports.figures import dashboard_get, performance_report, performance_rows
from xbank.reports.forms import RecordFilterForm
from xbank.reports.models import CertificateScope, Metric
from xbank.reports.selectors import Filters
from xbank.testing.world import build_report_world

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw():
    return build_report_world()


def board(user, filters=None):
    return dashboard_get(
        user=user, filters=filters or Filters(), sections=access.dashboard_sections(user)
    )


def kpis(dashboard) -> dict[str, object]:
    return {k.cell.metric or "pass_rate": k.cell.value for k in dashboard.kpis}


def named_count(user, cell, page_filters: Filters) -> int:
    """How many records the named list of ``cell`` shows, reached through the list's own form
    (as the link on the page reaches it)."""
    params = {**page_filters.params(), **cell.params}
    form = RecordFilterForm(params, user=user)
    filters = form.filters()
    assert filters is not None, form.errors
    return selectors.record_list(user=user, metric=cell.metric, filters=filters).count()


def test_academic_affairs_sees_the_figures_of_their_college(rw):
    figures = kpis(board(rw.users["academic_affairs_a"]))
    assert figures[Metric.CANDIDATES] == 7  # five of A1, bob, the member of the public
    assert figures[Metric.EXAMINED] == 7
    assert figures[Metric.PASSED] == 6
    assert figures["pass_rate"] == Decimal("85.7")
    # Held: alice's and bob's imported certificates, six awards, bob's qualification (2023).
    assert figures[Metric.CERTIFICATES] == 9
    assert figures[Metric.TRAINING] == 4
    assert figures[Metric.CONVERSIONS] == 0


def test_school_staff_see_the_records_of_their_own_students(rw):
    figures = kpis(board(rw.users["school_staff_a1"]))
    assert figures[Metric.CANDIDATES] == 5
    assert figures[Metric.PASSED] == 4
    assert figures[Metric.TRAINING] == 2
    assert figures[Metric.CERTIFICATES] == 1 + 4  # alice's imported one, four awards
    assert Metric.EXAMINERS not in figures  # school staff have no examiners section


def test_another_college_and_the_region(rw):
    assert kpis(board(rw.users["school_staff_b1"]))[Metric.CANDIDATES] == 1
    region = kpis(board(rw.users["bank_admin"]))
    assert region[Metric.CANDIDATES] == 8
    assert region[Metric.CERTIFICATES] == 9 + 2  # and carol's two


def test_hr_sees_only_the_examiners(rw):
    dashboard = board(rw.users["hr_a"])
    assert dashboard.sections == [access.EXAMINERS]
    # College A's four qualified teachers; not college B's, not the sessions' external examiners.
    assert kpis(dashboard) == {Metric.EXAMINERS: 4}


def test_by_major_and_by_audience(rw):
    matrices = {m.key: m for m in board(rw.users["academic_affairs_a"]).matrices["breakdown"]}
    by_major = {row.label: [c.value for c in row.cells] for row in matrices["by-major"].rows}
    # columns: candidates, passed, certificates, training, conversions
    assert by_major[rw.base.major_a1.name] == [5, 4, 5, 2, 0]
    assert by_major[rw.base.major_a2.name] == [1, 1, 3, 0, 0]  # bob: two x, one qualification
    assert by_major["社会人员"] == [1, 1, 1, 2, 0]
    by_audience = {row.key: [c.value for c in row.cells] for row in matrices["by-audience"].rows}
    assert by_audience == {"student": [6, 5, 8, 2, 0], "social": [1, 1, 1, 2, 0]}


@pytest.mark.parametrize(
    "role", ["academic_affairs_a", "school_staff_a1", "bank_admin", "continuing_ed_a", "hr_a"]
)
def test_every_figure_equals_its_named_list(rw, role):
    user = rw.users[role]
    dashboard = board(user)
    checked = 0
    for cell in dashboard.cells():
        if cell.metric and cell.value:
            assert named_count(user, cell, Filters()) == cell.value, (cell.metric, cell.params)
            checked += 1
    assert checked >= 3


def test_every_figure_equals_its_named_list_under_filters(rw):
    user = rw.users["academic_affairs_a"]
    for page in (
        Filters(year=2024),
        Filters(audience="social"),
        Filters(major=rw.base.major_a1.pk, kind="skill_level"),
        Filters(certificate_type=rw.qualification.pk),
        Filters(pilot=True),
    ):
        for cell in board(user, page).cells():
            if cell.metric and cell.value:
                assert named_count(user, cell, page) == cell.value, (page, cell.params)


def test_a_pass_rate_counts_only_those_examined(rw):
    staff = rw.users["continuing_ed_a"]
    people = [student(major=rw.base.major_a1) for _ in range(4)]
    f.exam(
        institution=rw.base.college_a,
        certificate_type=rw.x,
        people=people,
        absent=1,
        fail=1,
        on=datetime.date(2023, 6, 1),
    )
    figures = kpis(board(staff, Filters(year=2023)))
    assert (figures[Metric.CANDIDATES], figures[Metric.EXAMINED], figures[Metric.PASSED]) == (
        4,
        3,
        2,
    )
    assert figures["pass_rate"] == Decimal("66.7")


def test_cancelled_sessions_and_revoked_certificates_are_not_counted(rw):
    from xbank.assessment import services as assessment
    from xbank.assessment.models import CertificateAward

    session = af.session(institution=rw.base.college_a, certificate_type=rw.x)
    assessment.session_cancel(actor=SYSTEM, session=session, reason="考点停电")
    award = CertificateAward.objects.filter(account=rw.a1[1].account).get()
    assessment.award_revoke(actor=SYSTEM, award=award, reason="信息有误")
    figures = kpis(board(rw.users["academic_affairs_a"]))
    assert figures[Metric.CANDIDATES] == 7
    assert figures[Metric.CERTIFICATES] == 8


def test_conversions_are_granted_lines_of_approved_requests():
    world = build_credit_world()
    learner = world.learner()
    world.rule()
    request = world.decide(learner, [world.certificate(learner)])
    user = world.users["academic_affairs"]
    figures = kpis(board(user))
    assert figures[Metric.CONVERSIONS] == 1
    year = request.decided_at.astimezone(datetime.UTC).year
    matrix = board(user).matrices["conversions"][0]
    (row,) = matrix.rows
    assert row.label == world.elderly_care.name
    assert row.total.value == 1
    rows = selectors.record_list(user=user, metric=Metric.CONVERSIONS, filters=Filters(year=year))
    assert [line.request for line in rows] == [request]


# --- Examiners -----------------------------------------------------------------------------------


def test_examiners_are_teachers_counted_on_the_last_day_of_the_year(rw):
    college, hr = rw.base.college_a, rw.users["hr_a"]
    day = datetime.date(2024, 12, 31)

    def counted() -> int:
        rows = selectors.examiner_rows(reach=selectors.Reach(user=hr), filters=Filters())
        return selectors.examiners_valid(rows, day)

    before = counted()
    until_new_year = faculty.teacher(major=rw.base.major_a1)
    f.qualify(until_new_year, rw.x, valid_until=day)
    lapsing = faculty.teacher(major=rw.base.major_a1)
    f.qualify(lapsing, rw.x, valid_until=day - datetime.timedelta(days=1))
    leaver = faculty.teacher(major=rw.base.major_a1)
    f.qualify(leaver, rw.x)
    faculty_services.teacher_update(
        actor=SYSTEM, teacher=leaver, status="left", left_on=datetime.date(2024, 9, 1)
    )
    assert counted() == before + 1
    # The faculty app's own count of the indicator agrees, and so does the named list.
    assert faculty_selectors.examiner_count(institution=college, on_date=day) == before + 1
    assert selectors.examiner_list(user=hr, filters=Filters(year=2024)).count() == before + 1
    assert selectors.reference_date(2024, today=datetime.date(2024, 7, 1)) == datetime.date(
        2024, 7, 1
    )


def test_a_teacher_with_two_qualifications_is_one_examiner(rw):
    hr = rw.users["hr_a"]
    t = faculty.teacher(major=rw.base.major_a1)
    f.qualify(t, rw.x)
    f.qualify(t, rw.qualification, level="grade4")
    figures = kpis(board(hr, Filters(year=2025)))
    listed = selectors.examiner_list(user=hr, filters=Filters(year=2025))
    assert figures[Metric.EXAMINERS] == listed.count() == 5
    row = next(teacher for teacher in listed if teacher.pk == t.pk)
    assert len(row.user.valid_qualifications) == 2


# --- Performance ----------------------------------------------------------------------------------


def target(indicator, owner, value, year=2024):
    kind = "department" if owner.__class__.__name__ == "Department" else "pilot_major"
    return services.target_set(
        actor=SYSTEM, indicator=indicator, year=year, target=value, **{kind: owner}
    )


def actuals(user) -> dict[str, Decimal | None]:
    rows = performance_rows(selectors.target_list(user=user))
    return {r.target.indicator.name: r.actual for r in rows}


def test_actuals_are_computed_from_the_data_and_rise_when_new_results_arrive(rw):
    college = rw.base.college_a
    ce = rw.departments["continuing_ed"]
    for metric in (Metric.CANDIDATES, Metric.PASSED, Metric.PASS_RATE, Metric.CERTIFICATES):
        target(f.indicator(institution=college, metric=metric, name=metric), ce, 10)
    user = rw.users["academic_affairs_a"]
    assert actuals(user) == {
        "candidates": Decimal(7),
        "passed": Decimal(6),
        "pass_rate": Decimal("85.7"),
        "certificates": Decimal(8),  # in 2024: not bob's qualification of 2023
    }
    # A new candidate passes and is awarded the certificate, all through the services.
    newcomer = student(major=rw.base.major_a1, name="新来者")
    f.exam(institution=college, certificate_type=rw.x, people=[newcomer])
    assert actuals(user) == {
        "candidates": Decimal(8),
        "passed": Decimal(7),
        "pass_rate": Decimal("87.5"),
        "certificates": Decimal(9),
    }


def test_a_pilot_majors_actuals_are_its_students_in_its_certificates(rw):
    college = rw.base.college_a
    candidates = f.indicator(
        institution=college, metric=Metric.CANDIDATES, name="试点证书考试人数", scope="pilot"
    )
    examiners = f.indicator(institution=college, metric=Metric.EXAMINERS, name="考评员")
    qualification_holders = f.indicator(
        institution=college,
        metric=Metric.CERTIFICATES,
        name="养老护理员持证",
        certificate_type=rw.qualification,
    )
    target(candidates, rw.pilot, 6)
    target(examiners, rw.pilot, 3)
    target(qualification_holders, rw.departments["academic_affairs"], 2, year=2023)
    rows = {
        r.target.indicator.name: r
        for r in performance_rows(selectors.target_list(user=rw.users["bank_admin"]))
    }
    assert rows["试点证书考试人数"].actual == 5  # A1's five, not bob or the public
    assert rows["试点证书考试人数"].achieved == Decimal("83.3")
    assert not rows["试点证书考试人数"].met
    # Its full-time teachers holding a qualification for its certificate, as the faculty app's
    # compliance page counts them (the part-time one is listed there, not counted).
    assert rows["考评员"].actual == 2
    (compliance,) = pilot_selectors.compliance_for([rw.pilot], selectors.reference_date(2024))
    assert compliance.count == 2
    assert rows["养老护理员持证"].actual == 1
    assert rows["养老护理员持证"].achieved == 50
    # Each actual is the count of its named list.
    user = rw.users["academic_affairs_a"]
    for row in rows.values():
        assert named_count(user, row.cell, Filters()) == row.actual, row.target.indicator.name


def test_the_report_of_one_department_and_year(rw):
    college = rw.base.college_a
    training = f.indicator(institution=college, metric=Metric.TRAINING, name="培训人次")
    target(training, rw.departments["continuing_ed"], 4)
    target(training, rw.departments["continuing_ed"], 4, year=2023)
    report = performance_report(
        user=rw.users["continuing_ed_a"], year=2024, department=rw.departments["continuing_ed"]
    )
    assert [(r.actual, r.achieved, r.met) for r in report] == [(4, 100, True)]


def test_a_target_counts_only_its_indicators_certificates(rw):
    college = rw.base.college_a
    qualifications = f.indicator(
        institution=college, metric=Metric.CERTIFICATES, scope=CertificateScope.QUALIFICATION
    )
    x = f.indicator(institution=college, metric=Metric.CERTIFICATES, scope="skill_level")
    for ind in (qualifications, x):
        target(ind, rw.departments["academic_affairs"], 1, year=2023)
        target(ind, rw.departments["academic_affairs"], 1, year=2024)
    rows = performance_rows(selectors.target_list(user=rw.users["academic_affairs_a"]))
    got = {(r.target.indicator.certificate_scope, r.target.year): r.actual for r in rows}
    assert got == {
        ("qualification", 2023): 1,
        ("qualification", 2024): 0,
        ("skill_level", 2023): 0,
        ("skill_level", 2024): 8,
    }


def test_targets_are_read_within_reach(rw):
    college = rw.base.college_a
    ind = f.indicator(institution=college, metric=Metric.TRAINING)
    hr_target = target(ind, rw.departments["hr"], 1)
    pilot_target = target(ind, rw.pilot, 1)
    finance_target = target(ind, rw.departments["finance"], 1)

    def seen(role):
        return set(selectors.target_list(user=rw.users[role]))

    assert seen("academic_affairs_a") == {hr_target, pilot_target, finance_target}
    assert seen("hr_a") == {hr_target}
    assert seen("school_staff_a1") == {pilot_target}
    assert seen("school_staff_a2") == set()
    assert seen("bank_admin") == {hr_target, pilot_target, finance_target}
    assert seen("learner") == set()


def test_query_parameters_round_trip():
    filters = Filters(year=2024, certificate_type=3, kind="skill_level", pilot=True, major=5)
    assert dict(parse_qsl("year=2024&certificate_type=3&kind=skill_level&major=5&pilot=on")) == (
        filters.params()
    )
