"""The engine's policy, through the approval path: grandfathering, caps, equivalence, highest
level only, exclusive groups, invariant 4 (no course exempted twice), and the explanations."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.models import CourseModule
from xbank.catalog.tests.factories import (
    CertificateTypeFactory,
    CourseFactory,
    CurriculumCourseFactory,
    CurriculumFactory,
)
from xbank.core.actors import SYSTEM
from xbank.creditbank import ledger, services
from xbank.creditbank.models import CreditEntry, Exemption, LineResult
from xbank.creditbank.tests.factories import (
    TODAY,
    build_credit_world,
    curriculum_for_cohort,
)
from xbank.learners.services import outcome_revoke
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import MajorFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_credit_world()


def results(request):
    return [(line.result, line.course.name if line.course else "", line.credits) for line in
            request.lines.select_related("course")]  # fmt: skip


def test_an_approved_request_exempts_the_course_and_explains_why(world):
    rule = world.rule()
    learner = world.learner()
    cert = world.certificate(learner, "intermediate")
    request = world.decide(learner, [cert])
    (line,) = request.lines.all()
    assert (line.result, line.course, line.credits, line.rule) == (
        LineResult.GRANTED,
        world.courses["老年护理"],
        4,
        rule,
    )
    for words in [rule.name, f"{rule.code} 第1版", cert.number, "免修课程「老年护理」", "4.0 学分",
                  "转换学分上限 70.0", "毕业总学分 140.0 的 50%"]:  # fmt: skip
        assert words in line.explanation
    exemption = Exemption.objects.get()
    assert (exemption.rule, exemption.outcome, exemption.credits) == (rule, cert, 4)
    assert line.entry == exemption.entry
    assert exemption.entry.rule == rule  # the decision records the version that applied


def test_a_cohort_keeps_the_version_in_force_when_it_enrolled(world):
    aa = world.users["academic_affairs"]
    v1 = world.rule(courses=["老年护理", "老年照护实训"])  # 6 credits, from 2020
    v2 = services.rule_publish(
        actor=aa,
        rule=services.rule_revise(
            actor=aa,
            rule=v1,
            effective_from=datetime.date(2024, 9, 1),
            courses=[world.courses["老年护理"]],  # 4 credits: less favourable
        ),
    )
    enrolled_2023 = world.learner(cohort_year=2023)
    curriculum_for_cohort(world, 2024)
    enrolled_2024 = world.learner(cohort_year=2024)
    old = world.decide(enrolled_2023, [world.certificate(enrolled_2023)])
    new = world.decide(enrolled_2024, [world.certificate(enrolled_2024)])
    assert {line.rule for line in old.lines.all()} == {v1}
    assert sorted(c for _, c, _ in results(old)) == ["老年护理", "老年照护实训"]
    assert "第1版，按入学时有效的版本" in old.lines.first().explanation
    assert {line.rule for line in new.lines.all()} == {v2}
    assert [c for _, c, _ in results(new)] == ["老年护理"]


def test_a_later_version_applies_when_it_is_more_favourable(world):
    aa = world.users["academic_affairs"]
    v1 = world.rule()  # 中级 → 老年护理
    v2 = services.rule_publish(
        actor=aa,
        rule=services.rule_revise(
            actor=aa,
            rule=v1,
            effective_from=datetime.date(2024, 9, 1),
            credits=2,
            credit_category="elective",
        ),
    )
    learner = world.learner(cohort_year=2023)
    request = world.decide(learner, [world.certificate(learner)])
    assert {line.rule for line in request.lines.all()} == {v2}
    assert sum(line.credits for line in request.lines.all()) == 6
    assert "第2版，较入学时的第 1 版更有利" in request.lines.first().explanation


def test_a_retired_rule_still_serves_the_cohorts_enrolled_under_it(world):
    rule = world.rule()
    services.rule_retire(
        actor=world.users["academic_affairs"], rule=rule, on=datetime.date(2024, 1, 1)
    )
    enrolled_2023 = world.learner(cohort_year=2023)
    curriculum_for_cohort(world, 2024)
    enrolled_2024 = world.learner(cohort_year=2024)
    assert results(world.decide(enrolled_2023, [world.certificate(enrolled_2023)])) == [
        (LineResult.GRANTED, "老年护理", 4)
    ]
    assert results(world.decide(enrolled_2024, [world.certificate(enrolled_2024)])) == [
        (LineResult.NO_MATCH, "", 0)
    ]


def test_converted_credits_stay_within_the_cap(world):
    services.policy_set(
        actor=world.users["academic_affairs"], institution=world.college, max_converted_share="0.05"
    )  # 5% of 140 = 7 credits
    world.rule(courses=["老年护理", "护理学基础"], credits=4, credit_category="elective")
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    assert results(request) == [
        (LineResult.GRANTED, "老年护理", 4),  # 4 of 7
        (LineResult.CAPPED, "护理学基础", 0),  # 8 more would pass 7: not exempted at all
        (LineResult.PARTIAL, "", 3),  # 4 elective credits, 3 left under the cap
    ]
    capped = request.lines.get(result=LineResult.CAPPED)
    assert "超出转换学分上限 7.0" in capped.explanation
    assert "仅计入 3.0 学分" in request.lines.get(result=LineResult.PARTIAL).explanation
    assert ledger_converted(learner) == 7
    # A later request finds the cap reached.
    other = CertificateTypeFactory(name="母婴护理职业技能等级证书")
    world.rule(
        certificate_type=other, name="母婴", courses=[], credits=2, credit_category="elective"
    )
    request = world.decide(learner, [world.certificate(learner, certificate_type=other)])
    assert results(request) == [(LineResult.CAPPED, "", 0)]
    assert ledger_converted(learner) == 7


def ledger_converted(learner):
    return sum(
        e.credits
        for e in CreditEntry.objects.filter(account=learner.account).exclude(kind="course")
    )


def test_only_the_highest_level_of_one_certificate_counts(world):
    world.rule(min_level="junior", courses=["老年照护实训"], name="初级")
    learner = world.learner()
    junior = world.certificate(learner, "junior", issued_on=datetime.date(2023, 6, 1))
    senior = world.certificate(learner, "senior", issued_on=datetime.date(2024, 6, 1))
    request = world.decide(learner, [junior, senior])
    by_outcome = {line.outcome: line for line in request.lines.all()}
    assert by_outcome[junior].result == LineResult.LOWER_LEVEL
    assert "只计入最高等级" in by_outcome[junior].explanation
    assert by_outcome[senior].result == LineResult.GRANTED


def test_an_equivalent_outcome_converts_once_under_a_rule(world):
    world.rule(min_level="junior", courses=[], credits=2, credit_category="elective")
    learner = world.learner()
    world.decide(learner, [world.certificate(learner, "junior")])
    # A second certificate of the same type (another level) does not convert again.
    request = world.decide(learner, [world.certificate(learner, "intermediate")])
    assert results(request) == [(LineResult.USED, "", 0)]
    assert ledger_converted(learner) == 2


def test_one_outcome_is_spent_on_one_rule_of_an_exclusive_group(world):
    world.rule(name="甲", code="GROUP-A", exclusive_group="G", courses=["老年护理"])
    world.rule(
        name="乙",
        code="GROUP-B",
        exclusive_group="G",
        courses=[],
        credits=2,
        credit_category="elective",
    )
    world.rule(name="丙（不在组内）", code="FREE-C", courses=["老年照护实训"])
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    by_code = {line.rule.code: line for line in request.lines.select_related("rule")}
    assert by_code["GROUP-A"].result == LineResult.GRANTED  # 4 credits beats 2
    assert by_code["GROUP-B"].result == LineResult.CONFLICT
    assert "互斥组「G」" in by_code["GROUP-B"].explanation
    assert by_code["FREE-C"].result == LineResult.GRANTED
    # Later, with only rule B's requirement met again, the spent outcome class still conflicts.
    request = world.decide(learner, [world.certificate(learner, "senior")])
    assert {line.result for line in request.lines.all()} <= {LineResult.CONFLICT, LineResult.USED}
    assert ledger_converted(learner) == 6


def test_a_course_is_exempted_at_most_once(world):
    other = CertificateTypeFactory(name="养老护理员", kind="qualification", levels=[])
    world.rule()
    world.rule(
        name="养老护理员免修老年护理",
        certificate_type=other,
        outcome_kind="qualification",
        min_level="",
    )
    learner = world.learner()
    world.decide(learner, [world.certificate(learner)])
    request = world.decide(learner, [world.certificate(learner, "", certificate_type=other)])
    assert results(request) == [(LineResult.EXEMPTED, "老年护理", 0)]
    assert Exemption.objects.filter(status="active").count() == 1
    # The database refuses a second active exemption even if the engine were bypassed.
    first = Exemption.objects.get()
    (entry,) = ledger_post_exemption(learner, world, key="bypass")
    with pytest.raises(IntegrityError), transaction.atomic():
        Exemption.objects.create(
            account=first.account,
            curriculum=first.curriculum,
            course=first.course,
            credits=4,
            rule=first.rule,
            outcome=first.outcome,
            entry=entry,
        )


def ledger_post_exemption(learner, world, *, key):
    with transaction.atomic():
        return ledger.post(
            actor=None,
            account_id=learner.account_id,
            drafts=[
                ledger.EntryDraft(
                    kind=CreditEntry.Kind.EXEMPTION,
                    credits=Decimal("4"),
                    key=key,
                    curriculum_id=world.curriculum.pk,
                    course_id=world.courses["老年护理"].pk,
                )
            ],
        )


def test_a_course_already_passed_is_not_exempted(world):
    world.rule()
    learner = world.learner()
    services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, "老年护理"))
    request = world.decide(learner, [world.certificate(learner)])
    assert results(request) == [(LineResult.PASSED, "老年护理", 0)]


@pytest.mark.parametrize(
    ("condition", "outcome_kwargs", "matches"),
    [
        ({"min_score": 80}, {"score": Decimal("85")}, True),
        ({"min_score": 80}, {"score": Decimal("79")}, False),
        ({"min_score": 80}, {}, False),
        ({"max_age_years": 2}, {"issued_on": datetime.date(2023, 3, 1)}, True),
        ({"max_age_years": 2}, {"issued_on": datetime.date(2023, 2, 28)}, False),
        ({"issuer": "中福长者"}, {"issuer": "中福长者"}, True),
        ({"issuer": "中福长者"}, {"issuer": "别的机构"}, False),
        ({"min_level": "senior"}, {}, False),
    ],
)
def test_rule_conditions(world, condition, outcome_kwargs, matches):
    world.rule(**condition)
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner, **outcome_kwargs)])
    assert [line.result for line in request.lines.all()] == [
        LineResult.GRANTED if matches else LineResult.NO_MATCH
    ]


def test_a_regional_rule_serves_every_college_that_teaches_the_course(world):
    partner_school = SchoolFactory(name="合作院校护理系")
    partner_major = MajorFactory(school=partner_school, name="护理")
    partner_curriculum = CurriculumFactory(major=partner_major, cohort_year=2023, total_credits=120)
    partner_course = CourseFactory(
        institution=partner_school.institution, name="老年护理", credits=3
    )
    CurriculumCourseFactory(curriculum=partner_curriculum, course=partner_course, credits=3)
    s = services
    rule = s.rule_publish(
        actor=world.users["bank_admin"],
        rule=s.rule_create(
            actor=world.users["bank_admin"],
            institution=None,
            name="区域互认：老年照护中级免修老年护理",
            outcome_kind="skill_certificate",
            certificate_type=world.elderly_care,
            min_level="intermediate",
            effective_from=datetime.date(2020, 9, 1),
            courses=[world.courses["老年护理"], partner_course],
        ),
    )
    partner_student = student(major=partner_major)
    partner_student.account.user = user_with_role("learner", institution=partner_major.institution)
    partner_student.account.save()
    reviewer = user_with_role("school_staff", school=partner_school)
    approver = user_with_role("academic_affairs", institution=partner_major.institution)
    request = s.recognition_submit(
        actor=partner_student.account.user,
        learner=partner_student,
        outcomes=[world.certificate(partner_student)],
        on=TODAY,
    )
    s.recognition_school_approve(actor=reviewer, request=request)
    request = s.recognition_approve(actor=approver, request=request, on=TODAY)
    assert results(request) == [(LineResult.GRANTED, "老年护理", 3)]  # the partner's own credits
    assert request.lines.get().rule == rule
    # The home college's students get it too, with their own course.
    learner = world.learner()
    assert results(world.decide(learner, [world.certificate(learner)])) == [
        (LineResult.GRANTED, "老年护理", 4)
    ]


def test_a_module_exemption_excuses_the_module_without_credits(world):
    module = CourseModule.objects.create(
        course=world.courses["护理学基础"], code="M1", name="生活照护模块", hours=16
    )
    services.rule_publish(
        actor=world.users["academic_affairs"],
        rule=services.rule_create(
            actor=world.users["academic_affairs"],
            institution=world.college,
            name="模块免修",
            outcome_kind="skill_certificate",
            certificate_type=world.elderly_care,
            effective_from=datetime.date(2020, 9, 1),
            modules=[module],
        ),
    )
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    (line,) = request.lines.all()
    assert (line.result, line.module, line.credits) == (LineResult.GRANTED, module, 0)
    assert "模块「生活照护模块」" in line.explanation
    assert Exemption.objects.get().module == module
    # Revoking the certificate reverses a zero-credit entry; the chain still verifies.
    outcome_revoke(actor=SYSTEM, outcome=line.outcome, reason="证书撤销")
    assert Exemption.objects.get().status == "withdrawn"
    assert ledger.verify().intact


def test_an_outcome_without_a_rule_is_explained(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    (line,) = request.lines.all()
    assert line.result == LineResult.NO_MATCH
    assert "没有适用于" in line.explanation


def test_an_exclusive_group_picks_the_rule_that_still_adds_something(world):
    other = CertificateTypeFactory(name="养老护理员", kind="qualification", levels=[])
    world.rule(name="另证免修老年护理", certificate_type=other, outcome_kind="qualification",
               min_level="")  # fmt: skip
    world.rule(name="甲：老年护理", code="G-A", exclusive_group="G")
    world.rule(name="乙：2 选修学分", code="G-B", exclusive_group="G", courses=[], credits=2,
               credit_category="elective")  # fmt: skip
    learner = world.learner()
    world.decide(learner, [world.certificate(learner, "", certificate_type=other)])
    # 老年护理 is exempted already: rule A would add nothing, so the group's 2 credits win.
    request = world.decide(learner, [world.certificate(learner)])
    by_code = {line.rule.code: line.result for line in request.lines.select_related("rule")}
    assert by_code == {"G-B": LineResult.GRANTED, "G-A": LineResult.CONFLICT}
