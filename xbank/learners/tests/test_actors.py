"""Who may write learner records (issue 13): a person holding a role that keeps them, within
its scope, and the system (``SYSTEM``: the import command, the demo, scheduled jobs). Every other
person is refused, and a forgotten actor (``None``) is a person holding nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners import services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db

# GB 11643-1999's published example (check digit X).
PUBLISHED = "11010519491231002X"


@pytest.fixture
def world() -> World:
    return build_world()


def register(world: World, actor: object, *, major: object | None = None) -> Learner:
    return services.learner_register(
        actor=actor,
        document=parse_document(PUBLISHED),
        name="刘海燕",
        kind=Learner.Kind.SOCIAL,
        institution=world.college_a,
        major=major,
    )


def record(world: World, actor: object) -> LearningOutcome:
    return services.outcome_record(
        actor=actor,
        account=world.alice.account,
        kind=OutcomeKind.QUALIFICATION,
        title="育婴员（四级）",
        issuer="某市人力资源和社会保障局",
        number="YY-2024-0001",
        issued_on=datetime.date(2024, 6, 30),
    )


@pytest.mark.parametrize("who", ["hr_a", "learner", None])
def test_a_person_without_a_learner_record_role_is_refused_where_the_system_is_let_through(
    world, who
):
    actor = world.users[who] if who else None
    with pytest.raises(PermissionDenied) as exc:
        register(world, actor)
    assert str(exc.value) == "您没有维护学习者记录的权限"
    with pytest.raises(PermissionDenied):
        record(world, actor)
    assert not Learner.objects.filter(account__name="刘海燕").exists()
    assert not LearningOutcome.objects.filter(number="YY-2024-0001").exists()

    learner = register(world, SYSTEM)
    outcome = record(world, SYSTEM)
    for action, obj in [
        ("learners.learner.registered", learner),
        ("learners.outcome.recorded", outcome),
    ]:
        assert AuditEntry.objects.get(action=action, object_id=obj.pk).actor is None


def test_school_staff_of_another_college_are_refused_its_registration(world):
    with pytest.raises(PermissionDenied) as exc:
        register(world, world.users["school_staff_b1"], major=world.major_a1)
    assert str(exc.value) == "该学习者不在您的管理范围内"
    # Staff of alice's school may register a student of its major.
    learner = register(world, world.users["school_staff_a1"], major=world.major_a1)
    assert (learner.institution, learner.major) == (world.college_a, world.major_a1)


def test_only_roles_that_may_see_full_numbers_reveal_one(world):
    account = world.alice.account
    with pytest.raises(PermissionDenied):
        services.account_reveal_id(actor=world.users["school_staff_a1"], account=account)
    assert not AuditEntry.objects.filter(action="learners.id_number.revealed").exists()
    assert (
        services.account_reveal_id(actor=world.users["continuing_ed_a"], account=account)
        == account.id_number
    )
    assert services.account_reveal_id(actor=SYSTEM, account=account) == account.id_number
