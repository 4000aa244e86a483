"""Credit-bank demo data (called by ``seed_demo`` after the assessment demo): published rules for
the four pilot certificates, a regional rule with the partner college, recognition requests in
every state, course credits in the ledger, and a cohort whose graduation audit shows both
outcomes.

- Rules (main college, 教务处): 老年照护 中级 → 免修 老年护理 (4 credits, nursing; version 1 from
  2021, version 2 from 2024-09 also asks for a certificate under three years old, so the 2022
  and 2023 cohorts keep version 1); 老年照护 初级 → 免修 老年照护实训, in one exclusive group with
  the 中级 rule (a certificate is spent on one of them); 母婴护理 → 免修 母婴护理实训 (midwifery);
  幼儿照护 → 免修 幼儿照护实训 (childcare); 家庭保健按摩 → 免修 家庭保健按摩实训 (rehabilitation);
  养老护理员 四级 → 2 选修学分 (nursing). A draft version 3 of the 中级 rule is left for the
  simulation page. Regional (学分银行): 老年照护 中级 → 免修 the partner college's 老年护理.
- Requests: the demo ``learner`` (2022 nursing) had 老年照护实训 exempted on their 初级
  certificate (submitted by themselves, reviewed by ``school_staff``, approved by
  ``academic_affairs``), and their 养老护理员 request waits for ``academic_affairs``. A batch
  started by ``continuing_ed`` for the twelve 2023 nursing students who passed 老年照护 中级 in
  January 2025: eight approved, one rejected by the school, one rejected by 教务处 and appealed
  (back with the school), one waiting for the school, and one approved and then reversed when the
  evaluation organisation withdrew the certificate. At the partner college, two students' requests
  under the regional rule: one approved, one waiting for ``partner_academic_affairs``; the
  partner's earlier steps were taken by two staff without a demo login.
- Ledger: every course result in the demo is posted as course credits; the 2021 midwifery cohort
  (graduated) gets its full results, three students failing 助产技术, so its graduation audit
  shows those who meet the requirements, those short of credits and those without a required
  certificate (护士资格证, 母婴护理 or 育婴员).

The 中级 certificates (LNZH-2025-2-…) and the 2021 midwifery results are the demo's own
synthetic records. Everything goes through the services. Each part is skipped when it exists
(rules by code and version, requests by learner and outcome, the batch by cohort and
certificate), so a second run writes nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.catalog.models import CertificateType, Course, Curriculum
from xbank.core.actors import SYSTEM
from xbank.creditbank import services
from xbank.creditbank.models import ConversionRule, RecognitionBatch, RecognitionRequest
from xbank.demo import data
from xbank.demo.seed import curriculum_rows
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.orgs.models import Institution, School

D = datetime.date
ELDERLY_CARE_ORG = "北京中福长者文化科技有限公司"
INTERMEDIATE_ISSUED = D(2025, 1, 10)
BATCH_SIZE = 12


def seed(result) -> None:
    """Called by ``seed_demo`` with its result (the demo users)."""
    users = {spec.username: user for spec, user in result.users}
    main = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    partner = Institution.objects.get(code=data.INSTITUTIONS[data.PARTNER]["code"])
    types = {ct.name: ct for ct in CertificateType.objects.all()}
    outcomes_before = LearningOutcome.objects.count()
    rules = seed_rules(main, partner, types, users)
    seed_demo_learner(users)
    seed_batch(main, types, users)
    seed_partner(partner, types, users, rules)
    seed_midwifery_2021(main)
    services.course_credits_sync(actor=SYSTEM)
    result.created_outcomes += LearningOutcome.objects.count() - outcomes_before


# --- Rules ----------------------------------------------------------------------------------------


def _courses(institution: Institution, *codes: str) -> list[Course]:
    by_code = {c.code: c for c in Course.objects.filter(institution=institution, code__in=codes)}
    return [by_code[code] for code in codes]


def _rule(actor, code: str, version: int, **params) -> ConversionRule:
    existing = ConversionRule.objects.filter(code=code, version=version).first()
    if existing is not None:
        return existing
    publish = params.pop("publish", True)
    if version == 1:
        rule = services.rule_create(actor=actor, code=code, **params)
    else:
        previous = ConversionRule.objects.filter(code=code).order_by("-version").first()
        rule = services.rule_revise(actor=actor, rule=previous, **params)
    return services.rule_publish(actor=actor, rule=rule) if publish else rule


def next_autumn() -> datetime.date:
    """The next 1 September: when a new version would take effect (a new cohort enrols)."""
    today = timezone.localdate()
    autumn = D(today.year, 9, 1)
    return autumn if autumn > today else D(today.year + 1, 9, 1)


def seed_rules(main, partner, types, users) -> dict[str, ConversionRule]:
    aa, bank = users["academic_affairs"], users["bank_admin"]
    elderly = types[data.ELDERLY_CARE]
    skill = OutcomeKind.SKILL_CERTIFICATE
    common = {"outcome_kind": skill, "institution": main, "effective_from": D(2021, 9, 1)}
    rules = {
        "LN-LNZH-ZJ": _rule(
            aa, "LN-LNZH-ZJ", 1, name="老年照护（中级）免修老年护理", certificate_type=elderly,
            min_level="intermediate", exclusive_group="老年照护", courses=_courses(main, "HL07"),
            description="1+X 老年照护职业技能等级证书（中级）与《老年护理》课证融通。", **common,
        ),
        "LN-LNZH-CJ": _rule(
            aa, "LN-LNZH-CJ", 1, name="老年照护（初级）免修老年照护实训", certificate_type=elderly,
            min_level="junior", exclusive_group="老年照护", courses=_courses(main, "HL14"),
            **common,
        ),
        "LN-MYHL": _rule(
            aa, "LN-MYHL", 1, name="母婴护理（初级）免修母婴护理实训",
            certificate_type=types[data.MATERNAL_CARE], min_level="junior",
            courses=_courses(main, "ZC04"), **common,
        ),
        "LN-YEZH": _rule(
            aa, "LN-YEZH", 1, name="幼儿照护（初级）免修幼儿照护实训",
            certificate_type=types[data.INFANT_CARE], min_level="junior",
            courses=_courses(main, "TY11"), **common,
        ),
        "LN-JTBJ": _rule(
            aa, "LN-JTBJ", 1, name="家庭保健按摩（初级）免修家庭保健按摩实训",
            certificate_type=types[data.MASSAGE], min_level="junior",
            courses=_courses(main, "KF08"), **common,
        ),
        "LN-YLHLY": _rule(
            aa, "LN-YLHLY", 1, name="养老护理员（四级）计选修学分",
            outcome_kind=OutcomeKind.QUALIFICATION, certificate_type=types[data.ELDERLY_CARER],
            min_level="grade4", max_age_years=3, credits=2, credit_category="elective",
            institution=main, effective_from=D(2021, 9, 1),
        ),
        "QY-LNZH-ZJ": _rule(
            bank, "QY-LNZH-ZJ", 1, name="区域互认：老年照护（中级）免修合作院校老年护理",
            outcome_kind=skill, certificate_type=elderly, min_level="intermediate",
            institution=None, effective_from=D(2023, 9, 1), courses=_courses(partner, "HL07"),
            description="学分银行区域互认：两校认可同一职业技能等级证书。",
        ),
    }  # fmt: skip
    # Version 2 asks for a certificate under three years old; the cohorts enrolled before keep
    # version 1 (grandfathering). A draft version 3 waits on the simulation page.
    _rule(aa, "LN-LNZH-ZJ", 2, effective_from=D(2024, 9, 1), max_age_years=3)
    _rule(
        aa, "LN-LNZH-ZJ", 3, effective_from=next_autumn(), publish=False,
        min_level="intermediate", credits=2, credit_category="elective",
    )  # fmt: skip
    return rules


# --- Requests ---------------------------------------------------------------------------------------


def _request_for(learner: Learner, outcome: LearningOutcome) -> RecognitionRequest | None:
    return RecognitionRequest.objects.filter(learner=learner, outcomes=outcome).first()


def _decide(request, *, school=None, final=None, reject_school="", reject_final=""):
    if school is not None:
        if reject_school:
            return services.recognition_reject(actor=school, request=request, reason=reject_school)
        services.recognition_school_approve(actor=school, request=request)
    if final is not None:
        if reject_final:
            return services.recognition_reject(actor=final, request=request, reason=reject_final)
        services.recognition_approve(actor=final, request=request)
    return request


def seed_demo_learner(users) -> None:
    user = users.get("learner")
    account = getattr(user, "learning_account", None)
    if account is None:
        return
    learner = account.learners.get(kind=Learner.Kind.STUDENT)
    elderly = account.outcomes.filter(certificate_type__name=data.ELDERLY_CARE).first()
    if elderly is not None and _request_for(learner, elderly) is None:
        request = services.recognition_submit(
            actor=user,
            learner=learner,
            outcomes=[elderly],
            evidence_text="2024 年 6 月参加学院组织的 1+X 老年照护（初级）考核，成绩合格。",
        )
        _decide(request, school=users["school_staff"], final=users["academic_affairs"])
    carer = account.outcomes.filter(certificate_type__name=data.ELDERLY_CARER).first()
    if carer is not None and _request_for(learner, carer) is None:
        request = services.recognition_submit(
            actor=user,
            learner=learner,
            outcomes=[carer],
            evidence_text="养老护理员（四级）职业资格证书，申请计入选修学分。",
        )
        _decide(request, school=users["school_staff"])  # waits for 教务处


def seed_batch(main, types, users) -> None:
    elderly = types[data.ELDERLY_CARE]
    curriculum = Curriculum.objects.get(
        major__institution=main, major__code=data.NURSING, cohort_year=2023
    )
    if RecognitionBatch.objects.filter(curriculum=curriculum, certificate_type=elderly).exists():
        return
    students = list(
        Learner.objects.filter(
            institution=main, major__code=data.NURSING, cohort_year=2023, kind=Learner.Kind.STUDENT
        )
        .select_related("account")
        .order_by("student_no")[:BATCH_SIZE]
    )
    for n, learner in enumerate(students, start=1):
        learner_services.outcome_record(
            actor=users["continuing_ed"],
            account=learner.account,
            kind=OutcomeKind.SKILL_CERTIFICATE,
            title="老年照护职业技能等级证书（中级）",
            issuer=ELDERLY_CARE_ORG,
            number=f"LNZH-2025-2-{n:06d}",
            issued_on=INTERMEDIATE_ISSUED,
            certificate_type=elderly,
            level="intermediate",
            source=LearningOutcome.Source.IMPORT,
        )
    batch = services.recognition_batch_start(
        actor=users["continuing_ed"],
        curriculum=curriculum,
        certificate_type=elderly,
        min_level="intermediate",
        evidence_text="2025 年 1 月 1+X 老年照护（中级）考核合格名单（继续教育学院）",
    )
    requests = list(batch.requests.order_by("learner__student_no"))
    school, final = users["school_staff"], users["academic_affairs"]
    for request in requests[:9]:
        _decide(request, school=school, final=final)
    _decide(
        requests[9], school=school, reject_school="证书编号在培训评价组织平台查询不到，请核对。"
    )
    _decide(requests[10], school=school, final=final, reject_final="缺少证书原件扫描件。")
    services.recognition_appeal(
        actor=users["continuing_ed"],  # the submitter, for a student without a login
        request=requests[10],
        text="已补交证书原件扫描件及培训评价组织平台查询截图。",
    )
    # requests[11] waits for the school's first review.
    revoked = requests[8].outcomes.get()
    learner_services.outcome_revoke(
        actor=users["continuing_ed"],
        outcome=revoked,
        reason="培训评价组织通报：该考生考核违规，证书撤销",
    )


def _partner_staff(partner: Institution) -> tuple[User, User]:
    """Two partner-college staff for the earlier review steps; they have no demo login."""
    school = School.objects.get(institution=partner, code="S01")
    people = []
    for username, full_name, role, where in [
        ("partner_continuing_ed", "合作院校继续教育学院（演示，无登录）", Role.CONTINUING_ED, {}),
        ("partner_school_staff", "合作院校护理系（演示，无登录）", Role.SCHOOL_STAFF,
         {"school": school}),
    ]:  # fmt: skip
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "password": make_password(None)},
        )
        RoleAssignment.objects.get_or_create(
            user=user, role=role, institution=partner, school=where.get("school"), major=None
        )
        people.append(user)
    return people[0], people[1]


def seed_partner(partner, types, users, rules) -> None:
    approver = users.get("partner_academic_affairs")
    if approver is None:
        return
    submitter, reviewer = _partner_staff(partner)
    students = list(
        Learner.objects.filter(
            institution=partner,
            major__code=data.NURSING,
            cohort_year=2023,
            kind=Learner.Kind.STUDENT,
        )
        .select_related("account")
        .order_by("student_no")[1:3]
    )
    for n, learner in enumerate(students, start=1):
        outcome = learner_services.outcome_record(
            actor=submitter,
            account=learner.account,
            kind=OutcomeKind.SKILL_CERTIFICATE,
            title="老年照护职业技能等级证书（中级）",
            issuer=ELDERLY_CARE_ORG,
            number=f"LNZH-2025-2-P{n:05d}",
            issued_on=INTERMEDIATE_ISSUED,
            certificate_type=types[data.ELDERLY_CARE],
            level="intermediate",
            source=LearningOutcome.Source.IMPORT,
        )
        if _request_for(learner, outcome) is not None:
            continue
        request = services.recognition_submit(
            actor=submitter,
            learner=learner,
            outcomes=[outcome],
            evidence_text="学分银行区域互认：在广东岭南职业技术学院考点取得的老年照护（中级）证书。",
        )
        _decide(request, school=reviewer, final=approver if n == 1 else None)


# --- Course credits and a graduating cohort ------------------------------------------------------------

SEMESTER_END = {
    1: D(2022, 1, 14), 2: D(2022, 7, 8), 3: D(2023, 1, 13),
    4: D(2023, 7, 7), 5: D(2024, 1, 12), 6: D(2024, 6, 28),
}  # fmt: skip
FAILED_MIDWIFERY = {2, 17, 31}  # positions in the cohort (by student number) who failed 助产技术


def seed_midwifery_2021(main) -> None:
    """Every course result of the 2021 midwifery cohort (graduated June 2024)."""
    curriculum = Curriculum.objects.get(
        major__institution=main, major__code=data.MIDWIFERY, cohort_year=2021
    )
    issuer = data.INSTITUTIONS[data.MAIN]["name"]
    students = list(
        Learner.objects.filter(
            institution=main, major=curriculum.major, cohort_year=2021, kind=Learner.Kind.STUDENT
        )
        .select_related("account")
        .order_by("student_no")
    )
    known = set(
        LearningOutcome.objects.filter(
            issuer=issuer, number__startswith="2021", kind=OutcomeKind.COURSE_RESULT
        ).values_list("number", flat=True)
    )
    courses = {c.code: c for c in Course.objects.filter(institution=main)}
    rng = random.Random(data.RANDOM_SEED + 21)
    for position, learner in enumerate(students):
        for code, semester, _required, _category in curriculum_rows(data.MIDWIFERY, 2021):
            score = Decimal(rng.randrange(62, 96))
            number = f"{learner.student_no}-{code}"
            if number in known:
                continue
            if code == "ZC01" and position in FAILED_MIDWIFERY:
                score = Decimal("52")  # 重修未通过: no credits
            name, credits, _hours = data.COURSES[code]
            learner_services.outcome_record(
                actor=SYSTEM,
                account=learner.account,
                kind=OutcomeKind.COURSE_RESULT,
                title=name,
                issuer=issuer,
                number=number,
                issued_on=SEMESTER_END[semester],
                course=courses[code],
                score=score,
                credits=Decimal(credits),
                source=LearningOutcome.Source.IMPORT,
            )
