"""Reads: simulation, calculator, graduation audit, transcript, scoping — and query counts of the
selectors behind list pages, unchanged when rows are added."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.core.xlsx import write_rows
from xbank.creditbank import selectors, services
from xbank.creditbank.models import ConversionRule, LineResult
from xbank.creditbank.tests.factories import TODAY, build_credit_world, curriculum_for_cohort
from xbank.learners.models import OutcomeKind
from xbank.learners.services import outcome_revoke
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_credit_world()


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# --- Simulation --------------------------------------------------------------------------------------


def test_simulating_a_draft_shows_gains_caps_and_conflicts_without_writing(world):
    aa = world.users["academic_affairs"]
    services.policy_set(actor=aa, institution=world.college, max_converted_share="0.1")  # cap 14
    world.rule(name="已发布：初级 10 选修学分", min_level="junior", courses=[], credits=10,
               credit_category="elective", exclusive_group="G")  # fmt: skip
    draft = world.rule(
        publish=False,
        name="草稿：中级免修老年护理与实训",
        courses=["老年护理", "老年照护实训"],
        exclusive_group="",
    )
    gains = world.learner(name="甲同学")
    world.certificate(gains, "intermediate")
    capped = world.learner(name="乙同学")
    world.decide(capped, [world.certificate(capped, "junior", issued_on=datetime.date(2023, 1, 1))])
    world.certificate(capped, "senior")  # converted 10 of 14: only 4 left
    below = world.learner(name="丙同学")
    world.certificate(below, "junior")
    other_cohort = curriculum_for_cohort(world, 2024)
    outside = world.learner(cohort_year=2024)
    world.certificate(outside, "intermediate")

    before = ConversionRule.objects.count(), draft.status
    sim = selectors.rule_simulate(user=aa, rule=draft, curriculum=world.curriculum, on=TODAY)
    assert (ConversionRule.objects.count(), draft.status) == before
    rows = {row.learner.account.name: row for row in sim.rows}
    assert set(rows) == {"甲同学", "乙同学"}  # 丙 is below the level; the 2024 cohort not asked
    assert rows["甲同学"].exemptions == ["老年护理", "老年照护实训"]
    assert rows["甲同学"].credits == 6 and not rows["甲同学"].capped
    assert rows["乙同学"].exemptions == ["老年护理"]  # 4 fits, the 2 of 实训 would pass 14
    assert rows["乙同学"].capped and rows["乙同学"].result == LineResult.GRANTED
    assert (sim.gaining, sim.capped, sim.learners_considered) == (2, 1, 3)
    assert sim.rule == draft and rows["甲同学"].rule == draft
    # Over every student in scope, the 2024 cohort is included.
    everyone = selectors.rule_simulate(user=aa, rule=draft, on=TODAY)
    assert {r.curriculum for r in everyone.rows} == {world.curriculum, other_cohort}


def test_simulation_shows_a_conflict_with_an_exclusive_rule_already_used(world):
    aa = world.users["academic_affairs"]
    world.rule(name="甲", exclusive_group="G", courses=["老年照护实训"])
    learner = world.learner()
    cert = world.certificate(learner)
    world.decide(learner, [cert])
    draft = world.rule(publish=False, name="乙", exclusive_group="G", courses=["护理学基础"])
    sim = selectors.rule_simulate(user=aa, rule=draft, on=TODAY)
    (row,) = sim.rows
    assert row.conflict and row.result == LineResult.CONFLICT and not row.gains
    assert "互斥组「G」" in row.explanations[0]


def test_simulating_a_new_version_keeps_older_cohorts_on_their_version(world):
    aa = world.users["academic_affairs"]
    v1 = world.rule(courses=["老年护理", "老年照护实训"])
    draft = services.rule_revise(
        actor=aa,
        rule=v1,
        effective_from=datetime.date(2025, 9, 1),
        courses=[world.courses["老年护理"]],
    )
    curriculum_for_cohort(world, 2025)
    old = world.learner(cohort_year=2023)
    new = world.learner(cohort_year=2025)
    for lr in (old, new):
        world.certificate(lr, "intermediate")
    sim = selectors.rule_simulate(user=aa, rule=draft, on=datetime.date(2025, 10, 1))
    by_cohort = {row.curriculum.cohort_year: row for row in sim.rows}
    assert by_cohort[2023].rule == v1 and by_cohort[2023].credits == 6
    assert by_cohort[2025].rule == draft and by_cohort[2025].credits == 4


# --- Calculator -----------------------------------------------------------------------------------


def test_the_calculator_lists_what_a_certificate_brings(world):
    world.rule(min_score=60)
    world.rule(name="高级再加 2 选修学分", min_level="senior", courses=[], credits=2,
               credit_category="elective")  # fmt: skip
    public = selectors.conversion_calculate(
        certificate_type=world.elderly_care, level="intermediate", on=TODAY
    )
    assert [line.rule.name for line in public.lines] == ["老年照护中级免修老年护理"]
    assert public.lines[0].exemptions == [("老年护理", Decimal("4"))]
    assert public.lines[0].institution == world.college.name
    assert "分数不低于 60.0" in public.lines[0].conditions
    senior = selectors.conversion_calculate(
        certificate_type=world.elderly_care, level="senior", curriculum=world.curriculum, on=TODAY
    )
    assert senior.total == 6 and senior.cap == 70
    assert any("要求分数不低于 60.0" in note for note in senior.notes)
    junior = selectors.conversion_calculate(
        certificate_type=world.elderly_care, level="junior", curriculum=world.curriculum, on=TODAY
    )
    assert junior.lines == [] and junior.total == 0


def test_the_calculator_for_a_learner_counts_what_they_already_hold(world):
    world.rule()
    learner = world.learner()
    world.decide(learner, [world.certificate(learner)])
    calc = selectors.conversion_calculate(
        certificate_type=world.elderly_care, level="senior", learner=learner, on=TODAY
    )
    assert calc.curriculum == world.curriculum
    assert calc.total == 0  # 老年护理 is exempted already (and the class was used)


# --- Graduation audit --------------------------------------------------------------------------------


def graduate(world, learner, *, with_certificate=True):
    """Pass every course but 老年护理, which a certificate exempts (or not)."""
    for name in ("护理学基础", "老年照护实训", "岗位实习"):
        services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, name))
    if with_certificate:
        world.decide(learner, [world.certificate(learner)])


def test_the_graduation_audit_shows_who_meets_the_requirements_and_why_not(world):
    small = build_credit_world(total_credits=54)  # the four courses: 4 + 8 + 2 + 40
    small.rule()
    ok = small.learner(name="合格")
    graduate(small, ok)
    no_cert = small.learner(name="缺证")
    graduate(small, no_cert, with_certificate=False)
    services.course_credit_post(actor=SYSTEM, outcome=small.course_result(no_cert, "老年护理"))
    short = small.learner(name="缺学分")
    services.course_credit_post(actor=SYSTEM, outcome=small.course_result(short, "岗位实习"))
    small.decide(short, [small.certificate(short)])
    rows = {
        row.learner.account.name: row
        for row in selectors.graduation_audit(
            user=small.users["academic_affairs"], curriculum=small.curriculum
        )
    }
    assert rows["合格"].meets
    assert (rows["合格"].summary.earned, rows["合格"].summary.exempted) == (50, 4)
    assert rows["合格"].certificates == ["老年照护职业技能等级证书（中级）"]
    assert not rows["缺证"].meets and rows["缺证"].summary.credits_ok
    assert rows["缺证"].reasons == ["未取得本专业要求的证书（至少一项：老年照护职业技能等级证书）"]
    assert not rows["缺学分"].meets and rows["缺学分"].certificate_ok
    assert rows["缺学分"].reasons == ["学分不足：已获 44.0，毕业须 54.0，差 10.0"]
    # A revoked certificate no longer counts, and its exemption is gone.
    cert = rows["合格"].learner.account.outcomes.get(kind=OutcomeKind.SKILL_CERTIFICATE)
    outcome_revoke(actor=SYSTEM, outcome=cert, reason="证书撤销")
    (row,) = [
        r
        for r in selectors.graduation_audit(
            user=small.users["academic_affairs"], curriculum=small.curriculum
        )
        if r.learner.account.name == "合格"
    ]
    assert not row.meets and len(row.reasons) == 2
    # Exportable with the shared Excel renderer.
    data = write_rows(
        selectors.GRADUATION_HEADERS, selectors.graduation_rows_for_export(rows.values())
    )
    assert data[:2] == b"PK"


def test_the_graduation_audit_counts_converted_credits_within_the_cap(world):
    small = build_credit_world(total_credits=54)
    services.policy_set(
        actor=small.users["academic_affairs"], institution=small.college, max_converted_share="0.1"
    )  # cap 5.4
    small.rule(courses=["老年护理"])
    learner = small.learner()
    small.decide(learner, [small.certificate(learner)])
    services.policy_set(
        actor=small.users["academic_affairs"], institution=small.college, max_converted_share="0.05"
    )  # lowered later: cap 2.7, the 4 converted count as 2.7
    (row,) = selectors.graduation_audit(
        user=small.users["academic_affairs"], curriculum=small.curriculum
    )
    assert row.summary.converted == 4 and row.summary.converted_counted == Decimal("2.7")


def test_school_staff_audit_only_their_school(world):
    learner = world.learner()
    other_staff = user_with_role(Role.SCHOOL_STAFF, school=world.school.__class__.objects.create(
        institution=world.college, code="S77", name="药学院"))  # fmt: skip
    assert [r.learner for r in selectors.graduation_audit(user=world.users["school_staff"],
                                                          curriculum=world.curriculum)] == [learner]  # fmt: skip
    assert selectors.graduation_audit(user=other_staff, curriculum=world.curriculum) == []


# --- Transcript -----------------------------------------------------------------------------------


def test_the_transcript_lists_passed_and_exempted_courses_with_their_basis(world):
    rule = world.rule(credits=2, credit_category="elective")
    learner = world.learner()
    services.course_credit_post(
        actor=SYSTEM, outcome=world.course_result(learner, "护理学基础", score=Decimal("88"))
    )
    cert = world.certificate(learner)
    world.decide(learner, [cert])
    transcript = selectors.transcript_get(learner=learner)
    assert [(c.name, c.credits, c.score) for c in transcript.passed] == [("护理学基础", 8, 88)]
    (exempted,) = transcript.exempted
    assert (exempted.name, exempted.credits, exempted.rule, exempted.outcome) == (
        "老年护理", 4, rule, cert
    )  # fmt: skip
    assert [(c.category, c.credits) for c in transcript.credits] == [("选修学分", 2)]
    assert [c.name for c in transcript.pending] == ["老年照护实训", "岗位实习"]
    s = transcript.summary
    assert (s.earned, s.exempted, s.converted_credits, s.total, s.required) == (8, 4, 2, 14, 140)


def test_issuing_a_transcript_makes_a_verifiable_credential(world):
    world.rule()
    learner = world.learner()
    world.decide(learner, [world.certificate(learner)])
    with pytest.raises(Exception, match=services.ERR_NOT_ALLOWED):
        services.transcript_issue(
            actor=world.users["outsider"], learner=learner, curriculum=world.curriculum
        )
    credential = services.transcript_issue(
        actor=learner.account.user, learner=learner, curriculum=world.curriculum
    )
    assert credential.kind == Credential.Kind.TRANSCRIPT and credential.is_valid
    assert credential.holder_name == learner.account.name
    assert ["已获学分", "4.0 / 140.0"] in credential.details
    assert ["免修课程", "1 门"] in credential.details
    assert credential.issuer == world.college.name


# --- Scoping ------------------------------------------------------------------------------------


def test_requests_are_seen_by_the_learner_and_the_staff_in_scope(world):
    world.rule()
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    someone = world.learner()
    assert selectors.access_request(learner.account.user, request.code) == request
    assert selectors.access_request(world.users["school_staff"], request.code) == request
    for user in (someone.account.user, world.users["outsider"]):
        with pytest.raises(Http404):
            selectors.access_request(user, request.code)
    assert list(selectors.review_queue(user=world.users["school_staff"])) == [request]
    assert list(selectors.review_queue(user=world.users["academic_affairs"])) == []
    world.school_approve(request)
    assert list(selectors.review_queue(user=world.users["academic_affairs"])) == [request]
    assert list(selectors.review_queue(user=world.users["school_staff"])) == []


def test_rules_are_scoped_by_institution(world):
    own = world.rule()
    other = build_credit_world()
    foreign = other.rule()
    assert list(selectors.rule_list(user=world.users["academic_affairs"])) == [own]
    assert set(selectors.rule_list(user=world.users["bank_admin"])) == {own, foreign}
    with pytest.raises(Http404):
        selectors.access_rule(world.users["academic_affairs"], foreign.pk)


# --- Query counts --------------------------------------------------------------------------------


def populate(world, n: int):
    for _ in range(n):
        learner = world.learner()
        services.course_credit_post(
            actor=SYSTEM, outcome=world.course_result(learner, "护理学基础")
        )
        world.decide(learner, [world.certificate(learner)])
        world.submit(learner, [world.certificate(learner, certificate_type=world.extra_type)])


def test_list_selectors_make_the_same_queries_for_more_rows(world):
    world.extra_type = CertificateTypeFactory(name="母婴护理职业技能等级证书")
    world.rule(credits=1, credit_category="elective")
    world.rule(certificate_type=world.extra_type, name="母婴", courses=["老年照护实训"])
    aa, staff = world.users["academic_affairs"], world.users["school_staff"]

    def pages():
        some_account = (
            world.curriculum.curriculum_courses.first()
            and selectors.request_list(user=aa).first().account
        )
        return {
            # rules (+ role assignments on first use of the user, cached) + rule exemptions
            "rules": lambda: [list(r.exemptions.all()) for r in selectors.rule_list(user=aa)],
            # requests with learner/account/major/school/curriculum/people joined + outcomes
            "requests": lambda: [
                (
                    r.learner.account.name,
                    r.curriculum.major.name,
                    r.submitted_by.full_name,
                    [o.title for o in r.outcomes.all()],
                )
                for r in selectors.request_list(user=aa)
            ],  # fmt: skip
            # the school's queue: the same two queries
            "queue": lambda: [
                (r.learner.account.name, [o.title for o in r.outcomes.all()])
                for r in selectors.review_queue(user=staff)
            ],
            # one account's ledger with its courses, rules and outcomes joined: 1 query
            "ledger": lambda: [
                (e.course and e.course.name, e.rule and e.rule.label, e.outcome and e.outcome.title)
                for e in selectors.entry_list(account=some_account)
            ],
            # learners, curriculum rows, required types, certificates held, two ledger sums
            "graduation": lambda: selectors.graduation_audit(user=aa, curriculum=world.curriculum),
            # family + group codes, rules + exemptions, learners, curricula, rows, policy,
            # exemptions, converted sums, passed courses, used conversions, outcomes
            "simulation": lambda: (
                selectors.rule_simulate(user=aa, rule=ConversionRule.objects.first(), on=TODAY).rows
            ),
        }

    populate(world, 2)
    for user in (aa, staff):  # the scope and role caches are per user object: warm them
        selectors.request_list(user=user).exists()
        selectors.review_queue(user=user).exists()
    small = {name: queries(fn) for name, fn in pages().items()}
    populate(world, 5)
    large = {name: queries(fn) for name, fn in pages().items()}
    assert large == small, (small, large)
    assert small["ledger"] == 1 and small["requests"] == 2 and small["rules"] == 2
