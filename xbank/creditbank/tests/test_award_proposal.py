"""A certificate issued by the assessment pipeline proposes a recognition request to its holder
(issue 4: "when the credit bank exists, a new certificate should propose a recognition request")."""

import datetime
from decimal import Decimal

import pytest

from xbank.accounts.models import Notification, Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services as assessment
from xbank.assessment.tests import factories as f
from xbank.core.actors import SYSTEM
from xbank.creditbank.tests.factories import build_credit_world

pytestmark = pytest.mark.django_db


def award_to(world, learner, level="intermediate"):
    s, rooms, examiners = f.ready_session(
        status="in_progress",
        certificate_type=world.elderly_care,
        institution=world.college,
        level=level,
        accounts=[learner.account],
    )
    f.score_all(s, examiners, theory=Decimal(85), practical=Decimal(85))
    s = assessment.session_finish_scoring(actor=SYSTEM, session=s)
    f.complete_confidentiality(s, *examiners[rooms[0].pk])
    s = assessment.session_publish(actor=SYSTEM, session=s)
    candidate = s.candidates.get()
    staff = user_with_role(Role.CONTINUING_ED, institution=world.college)
    return assessment.award_issue(
        actor=staff,
        candidate=candidate,
        certificate_no=f"LNZH-2025-2-{learner.pk:06d}",
        issued_on=datetime.date(2025, 7, 15),
    )


def proposals(user):
    return Notification.objects.filter(recipient=user, title__contains="可申请学分认定")


def test_a_new_certificate_tells_its_holder_what_it_would_exempt():
    world = build_credit_world()
    world.rule()  # 老年照护 中级 → 免修 老年护理 (4 credits), published
    learner = world.learner()
    award_to(world, learner)
    (note,) = proposals(learner.account.user)
    assert "老年照护职业技能等级证书" in note.title
    assert "免修「老年护理」" in note.body and "4" in note.body
    assert note.url.endswith("/creditbank/requests/apply/")
    # A proposal, not a decision: nothing is submitted or posted for the learner.
    assert not learner.recognition_requests.exists()


def test_no_proposal_when_no_published_rule_converts_it():
    world = build_credit_world()
    world.rule(publish=False)
    learner = world.learner()
    award_to(world, learner)
    assert not proposals(learner.account.user).exists()


def test_a_holder_without_a_login_is_not_notified_and_the_award_stands():
    world = build_credit_world()
    world.rule()
    learner = world.learner(with_login=False)
    award = award_to(world, learner)
    assert award.outcome.account_id == learner.account_id
    assert not Notification.objects.filter(title__contains="可申请学分认定").exists()
