"""Scoping of learner, account and outcome reads (DESIGN: every query is scoped by the roles)."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.http import Http404

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners import selectors, services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome, student
from xbank.orgs.tests.factories import MajorFactory
from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def names(learners) -> set[str]:
    return {learner.account.name for learner in learners}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("bank_admin", {"安丽丝", "包博", "蔡可"}),
        ("sysadmin", {"安丽丝", "包博", "蔡可"}),
        ("academic_affairs_a", {"安丽丝", "包博"}),
        ("continuing_ed_a", {"安丽丝", "包博"}),
        ("school_staff_a1", {"安丽丝"}),
        ("school_staff_a2", {"包博"}),
        ("school_staff_b1", {"蔡可"}),
        ("major_staff_a1", {"安丽丝"}),
        ("hr_a", set()),
        ("learner", {"安丽丝"}),  # alice's own record, nobody else's
        ("learner_without_account", set()),
    ],
)
def test_learner_list_is_scoped_by_role(world, role, expected):
    assert names(selectors.learner_list(user=world.users[role])) == expected


def test_anonymous_sees_no_learner(world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.learner_list(user=AnonymousUser()).exists()
    assert not selectors.outcome_list(user=AnonymousUser()).exists()


def test_access_learner_gives_the_same_404_for_missing_and_forbidden(world):
    staff = world.users["school_staff_a1"]
    assert selectors.access_learner(staff, world.alice.pk) == world.alice
    with pytest.raises(Http404) as forbidden:
        selectors.access_learner(staff, world.carol.pk)
    with pytest.raises(Http404) as missing:
        selectors.access_learner(staff, 10**9)
    assert str(forbidden.value) == str(missing.value)
    assert selectors.learner_get(user=staff, pk=world.carol.pk) is None


def test_access_account_follows_the_learner_records(world):
    staff = world.users["school_staff_a1"]
    assert selectors.access_account(staff, world.alice.account_id) == world.alice.account
    with pytest.raises(Http404):
        selectors.access_account(staff, world.bob.account_id)
    # alice herself reaches her own account, and only hers
    learner_user = world.users["learner"]
    assert selectors.access_account(learner_user, world.alice.account_id) == world.alice.account
    with pytest.raises(Http404):
        selectors.access_account(learner_user, world.bob.account_id)


def test_a_learner_sees_only_their_own_outcomes(world):
    mine = selectors.outcome_list(user=world.users["learner"])
    assert list(mine) == [world.outcomes["alice"]]


def test_outcomes_are_visible_through_any_learner_record_in_scope_once(world):
    """A person registered twice in scope is one account: each outcome is one row."""
    services.learner_register(
        actor=SYSTEM,
        document=parse_document(world.alice.account.id_number),
        name=world.alice.account.name,
        kind=Learner.Kind.SOCIAL,
        institution=world.college_a,
    )
    rows = list(selectors.outcome_list(user=world.users["academic_affairs_a"]))
    assert rows.count(world.outcomes["alice"]) == 1
    assert world.outcomes["carol"] not in rows
    # each row points at a learner record the user may open
    by_pk = {row.pk: row for row in rows}
    learner_id = by_pk[world.outcomes["alice"].pk].learner_id
    assert Learner.objects.get(pk=learner_id).account_id == world.alice.account_id


def test_outcome_list_of_a_school_excludes_other_schools(world):
    rows = set(selectors.outcome_list(user=world.users["school_staff_a2"]))
    assert rows == {world.outcomes["bob"]}


def test_a_person_studying_in_two_colleges_is_visible_to_both(world):
    again = services.learner_register(
        actor=SYSTEM,
        document=parse_document(world.carol.account.id_number),
        name=world.carol.account.name,
        kind=Learner.Kind.STUDENT,
        institution=world.college_a,
        major=world.major_a1,
        cohort_year=2025,
        student_no="A2025001",
    )
    staff_a1 = world.users["school_staff_a1"]
    assert world.outcomes["carol"] in set(selectors.outcome_list(user=staff_a1))
    others = selectors.learner_others(user=staff_a1, learner=again)
    assert list(others) == []  # carol's B1 record stays out of A1's sight
    others_b = selectors.learner_others(user=world.users["bank_admin"], learner=again)
    assert list(others_b) == [world.carol]


def test_account_get_for_user_is_the_linked_account(world):
    account = selectors.account_get_for_user(user=world.users["learner"])
    assert account == world.alice.account
    assert selectors.account_get_for_user(user=world.users["learner_without_account"]) is None
    assert selectors.account_get_for_user(user=world.users["bank_admin"]) is None


def test_learner_list_filters_by_document_number_through_the_keyed_hash(world):
    staff = world.users["academic_affairs_a"]
    number = world.alice.account.id_number
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    # Searching never decrypts: the filter is on id_hash, computed from what was typed.
    with mock.patch("xbank.core.pii.decrypt", side_effect=AssertionError("decrypted")):
        found = list(
            selectors.learner_list(user=staff, filters={"id_number": typed}).values_list(
                "pk", flat=True
            )
        )
    assert found == [world.alice.pk]
    # Outside the user's scope the same search finds nothing.
    carol_number = world.carol.account.id_number
    assert not selectors.learner_list(user=staff, filters={"id_number": carol_number}).exists()


def test_an_invalid_filter_matches_nothing_rather_than_everything(world):
    staff = world.users["bank_admin"]
    bad = world.alice.account.id_number[:17] + (
        "0" if world.alice.account.id_number[17] != "0" else "1"
    )
    assert not selectors.learner_list(user=staff, filters={"id_number": bad}).exists()
    # a school outside the scope is not a valid choice either
    a1_staff = world.users["school_staff_a1"]
    assert not selectors.learner_list(
        user=a1_staff, filters={"school": str(world.school_b1.pk)}
    ).exists()


def test_learners_sort_by_the_pinyin_of_the_surname():
    major = MajorFactory()
    for name in ["张伟", "曾小明", "陈一", "安宁"]:
        student(major=major, name=name)
    admin = user_with_role(Role.BANK_ADMIN)
    ordered = [learner.account.name for learner in selectors.learner_list(user=admin)]
    # 曾 as a surname reads zeng: after 陈 (chen), before 张 (zhang).
    assert ordered == ["安宁", "陈一", "曾小明", "张伟"]
    by_cohort = selectors.learner_list(user=admin, filters={"sort": "-name"})
    assert [learner.account.name for learner in by_cohort] == ["张伟", "曾小明", "陈一", "安宁"]


def test_certificate_stats_count_held_certificates_by_type_and_year(world):
    ct = world.certificate_type
    alice = world.alice.account
    outcome(
        alice,
        kind=OutcomeKind.SKILL_CERTIFICATE,
        certificate_type=ct,
        issued_on=datetime.date(2025, 1, 5),
    )
    outcome(alice, kind=OutcomeKind.QUALIFICATION, issued_on=datetime.date(2025, 3, 1))
    # not counted: a course result, and a revoked certificate
    outcome(alice, kind=OutcomeKind.COURSE_RESULT, title="护理学基础")
    outcome(
        alice,
        kind=OutcomeKind.SKILL_CERTIFICATE,
        certificate_type=ct,
        status=LearningOutcome.Status.REVOKED,
    )
    staff = world.users["academic_affairs_a"]
    stats = selectors.certificate_stats(outcomes=selectors.outcomes_in_scope(user=staff))
    assert stats.years == [2024, 2025]
    by_type = {row.certificate_type_id: row for row in stats.rows}
    assert by_type[ct.pk].counts == [2, 1]  # alice and bob in 2024, alice in 2025
    assert by_type[None].counts == [0, 1]
    assert stats.year_totals == [2, 2]
    assert stats.total == 4
    assert stats.persons == 2
