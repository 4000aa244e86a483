"""Property tests (hypothesis): random sequences of submit / school approve / approve / reject /
appeal / revoke / course results, by the people who may do them, keep the ledger's promises.

After every step: the balance is the sum of the entries and every chain verifies; no course is
exempted twice (by row or by ledger); converted credits stay within the cap; each revoked
outcome nets to zero; an exemption is active exactly while its entry stands.

The world is small on purpose (a 20-credit curriculum, so the cap of 10 binds; overlapping and
mutually exclusive rules), so that short sequences reach the interesting collisions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.creditbank import engine, ledger, selectors, services
from xbank.creditbank.models import CreditEntry, Exemption, LedgerHead
from xbank.creditbank.tests.factories import TODAY, build_credit_world
from xbank.learners.models import LearningOutcome
from xbank.learners.services import outcome_revoke

LEARNERS = 2
CERTS_PER_LEARNER = 3  # 老年照护 初级, 老年照护 中级, 母婴护理 初级
COURSES = ["老年护理", "护理学基础", "老年照护实训"]

learner_i = st.integers(0, LEARNERS - 1)
request_i = st.integers(0, 7)
cert_subset = st.sets(st.integers(0, CERTS_PER_LEARNER - 1), min_size=1)
revoke = st.tuples(st.just("revoke"), st.integers(0, LEARNERS * CERTS_PER_LEARNER - 1))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), learner_i, cert_subset),
        # Submit, review and approve at once: most sequences then reach the ledger.
        st.tuples(st.just("decide"), learner_i, cert_subset),
        st.tuples(st.just("decide"), learner_i, cert_subset),
        st.tuples(st.just("school_approve"), request_i),
        st.tuples(st.just("approve"), request_i),
        st.tuples(st.just("reject"), request_i),
        st.tuples(st.just("appeal"), request_i),
        revoke,
        revoke,
        st.tuples(st.just("course"), learner_i, st.sampled_from(COURSES)),
    ),
    min_size=5,
    max_size=14,
)


def build():
    world = build_credit_world(total_credits=20)  # cap: 50% of 20 = 10
    maternal = CertificateTypeFactory(name="母婴护理职业技能等级证书")
    world.rule(name="中级：老年护理 + 2 选修", credits=2, credit_category="elective")
    world.rule(name="初级甲", min_level="junior", exclusive_group="G", courses=["老年照护实训"])
    world.rule(
        name="初级乙",
        min_level="junior",
        exclusive_group="G",
        courses=[],
        credits=3,
        credit_category="elective",
    )
    world.rule(
        name="母婴：老年护理 + 护理学基础",
        certificate_type=maternal,
        min_level="junior",
        courses=["老年护理", "护理学基础"],
    )
    learners = [world.learner() for _ in range(LEARNERS)]
    certs = []
    for learner in learners:
        certs += [
            world.certificate(learner, "junior", issued_on=datetime.date(2023, 12, 1)),
            world.certificate(learner, "intermediate"),
            world.certificate(learner, "junior", certificate_type=maternal),
        ]
    return world, learners, certs


def run(world, learners, certs, requests, step) -> None:
    kind, *args = step
    users = world.users
    if kind in ("submit", "decide"):
        learner = learners[args[0]]
        outcomes = [certs[args[0] * CERTS_PER_LEARNER + i] for i in sorted(args[1])]
        for o in outcomes:
            o.refresh_from_db()
        request = world.submit(learner, outcomes)
        requests.append(request)
        if kind == "decide":
            world.school_approve(request)
            world.approve(request)
        return
    if kind == "revoke":
        # Prefer an outcome something was built on: that is where reversals happen.
        used = sorted(
            set(
                CreditEntry.objects.filter(outcome__in=certs, reversed_by__isnull=True)
                .exclude(kind="reversal")
                .values_list("outcome_id", flat=True)
            )
        )
        target = (
            LearningOutcome.objects.get(pk=used[args[0] % len(used)]) if used else certs[args[0]]
        )
        outcome_revoke(actor=users["continuing_ed"], outcome=target, reason="证书撤销")
        return
    if kind == "course":
        learner, name = learners[args[0]], args[1]
        result = world.course_result(learner, name)
        services.course_credit_post(actor=SYSTEM, outcome=result)
        return
    if not requests:
        return
    request = requests[args[0] % len(requests)]
    request.refresh_from_db()
    if kind == "school_approve":
        services.recognition_school_approve(actor=users["school_staff"], request=request, on=TODAY)
    elif kind == "approve":
        services.recognition_approve(actor=users["academic_affairs"], request=request, on=TODAY)
    elif kind == "reject":
        reviewer = (
            users["school_staff"] if request.status == "submitted" else users["academic_affairs"]
        )
        services.recognition_reject(actor=reviewer, request=request, reason="材料不足")
    elif kind == "appeal":
        services.recognition_appeal(
            actor=request.learner.account.user, request=request, text="补充新的佐证材料"
        )


def check_invariants(world, learners, certs) -> None:
    curriculum = world.curriculum
    cap = Decimal(curriculum.total_credits) * Decimal("0.5")
    rows = {row.course_id: row.credits for row in curriculum.curriculum_courses.all()}
    for learner in learners:
        account = learner.account
        entries = list(CreditEntry.objects.filter(account=account).order_by("seq"))
        # Balance = the sum of the entries, and the chain head counts them all.
        assert selectors.account_balance(account=account) == sum(
            (e.credits for e in entries), Decimal("0")
        )
        head = LedgerHead.objects.filter(account=account).first()
        assert (head.last_seq if head else 0) == len(entries)
        # Caps: net converted credits never exceed the share of the total.
        converted = (
            CreditEntry.objects.filter(
                engine.converted_q(), account=account, curriculum=curriculum
            ).aggregate(total=Sum("credits"))["total"]
            or 0
        )
        assert 0 <= converted <= cap, (converted, cap)
        # Each course exempted at most once, in the ledger as in the exemption rows.
        per_course: dict[int, Decimal] = defaultdict(Decimal)
        for e in entries:
            kind = e.reverses.kind if e.kind == "reversal" else e.kind
            if kind == "exemption":
                per_course[e.course_id] += e.credits
        for course_id, net in per_course.items():
            assert net in (0, rows[course_id]), (course_id, net)
    duplicated = (
        Exemption.objects.filter(status="active")
        .values("account", "curriculum", "course", "module")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicated.exists()
    # An exemption is active exactly while its ledger entry stands.
    for exemption in Exemption.objects.select_related("entry"):
        reversed_ = CreditEntry.objects.filter(reverses=exemption.entry).exists()
        assert (exemption.status == "active") == (not reversed_)
    # A revocation nets to zero.
    for outcome in LearningOutcome.objects.filter(status="revoked"):
        net = CreditEntry.objects.filter(outcome=outcome).aggregate(t=Sum("credits"))["t"] or 0
        assert net == 0
    assert ledger.verify().intact


class LedgerProperties(TestCase):
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps=steps)
    def test_random_sequences_keep_the_ledger_promises(self, steps):
        world, learners, certs = build()
        requests = []
        for step in steps:
            try:
                run(world, learners, certs, requests, step)
                event(f"{step[0]}: done")
            except ValidationError:
                # A step not allowed now (wrong state, appeal twice…) is refused.
                event(f"{step[0]}: refused")
            check_invariants(world, learners, certs)
        event(f"entries posted: {min(CreditEntry.objects.count(), 10)}+")
        event(f"reversals: {CreditEntry.objects.filter(kind='reversal').exists()}")
        event(f"cap reached: {CreditEntry.objects.filter(memo__contains='上限').exists()}")
