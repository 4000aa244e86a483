"""The one reader of role assignments (``accounts.access.grants_for``): one query per request,
an assignment reaches what it names at its narrowest, and the guards built on it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from xbank.accounts.access import NOBODY, grants_for
from xbank.accounts.decorators import require, roles_required
from xbank.accounts.models import LEARNER_RECORD_ROLES, Role, RoleAssignment
from xbank.accounts.scoping import scope_for
from xbank.accounts.tests.factories import UserFactory, user_with_role
from xbank.core.actors import SYSTEM
from xbank.learners.models import Learner
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_the_role_assignments_are_read_once_however_often_they_are_asked(
    django_assert_num_queries,
):
    school = SchoolFactory()
    user = user_with_role(Role.SCHOOL_STAFF, school=school)
    RoleAssignment.objects.create(user=user, role=Role.HR, institution=school.institution)
    with django_assert_num_queries(1):
        grants = grants_for(user)
        assert grants.has(Role.HR) and not grants.has(Role.ACADEMIC_AFFAIRS)
        assert scope_for(user).school_ids == {school.pk}
        assert grants_for(user) is grants


def test_anonymous_users_none_and_the_system_hold_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        for nobody in (None, AnonymousUser(), SYSTEM):
            assert grants_for(nobody) is NOBODY
            assert not grants_for(nobody).institutions(Role.BANK_ADMIN)


def test_an_assignment_reaches_what_it_names_at_its_narrowest():
    college = InstitutionFactory()
    school = SchoolFactory(institution=college)
    major = MajorFactory(school=school)
    other_major = MajorFactory(school=school)
    other_school_major = MajorFactory(school=SchoolFactory(institution=college))
    major_staff = user_with_role(Role.SCHOOL_STAFF, school=school, major=major)
    school_staff = user_with_role(Role.SCHOOL_STAFF, school=school)
    registrar = user_with_role(Role.ACADEMIC_AFFAIRS, institution=college)
    bank = user_with_role(Role.BANK_ADMIN)

    def covered(user):
        grants = grants_for(user)
        return [
            grants.covers(m, roles=LEARNER_RECORD_ROLES)
            for m in (major, other_major, other_school_major)
        ]

    assert covered(major_staff) == [True, False, False]
    assert covered(school_staff) == [True, True, False]
    assert covered(registrar) == [True, True, True]
    assert covered(bank) == [True, True, True]
    # Only the roles asked about count.
    assert not grants_for(registrar).covers(major, roles={Role.SCHOOL_STAFF})


def test_the_filter_matches_the_rows_that_covers_accepts():
    college = InstitutionFactory()
    school = SchoolFactory(institution=college)
    major = MajorFactory(school=school)
    mine = student(major=major)
    sibling = student(major=MajorFactory(school=school))
    outside = student()
    for user, expected in [
        (user_with_role(Role.SCHOOL_STAFF, school=school, major=major), {mine}),
        (user_with_role(Role.SCHOOL_STAFF, school=school), {mine, sibling}),
        (user_with_role(Role.CONTINUING_ED, institution=college), {mine, sibling}),
        (user_with_role(Role.BANK_ADMIN), {mine, sibling, outside}),
        (user_with_role(Role.HR, institution=college), set()),
    ]:
        grants = grants_for(user)
        q = grants.q(
            roles=LEARNER_RECORD_ROLES, institution="institution", school="school", major="major"
        )
        found = set(Learner.objects.filter(q, pk__in=[mine.pk, sibling.pk, outside.pk]))
        assert found == expected, user
        assert {
            learner
            for learner in (mine, sibling, outside)
            if grants.covers(learner, roles=LEARNER_RECORD_ROLES)
        } == expected


def test_institutions_are_everywhere_for_a_regional_role():
    college = InstitutionFactory()
    user = user_with_role(Role.CONTINUING_ED, institution=college)
    RoleAssignment.objects.create(user=user, role=Role.BANK_ADMIN)
    grants = grants_for(user)
    assert grants.institutions(Role.CONTINUING_ED).ids == {college.pk}
    assert 12345 not in grants.institutions(Role.CONTINUING_ED)
    assert 12345 in grants.institutions(Role.CONTINUING_ED, Role.BANK_ADMIN)


def _view(request):
    return HttpResponse("ok")


def test_require_sends_anonymous_users_to_log_in_and_refuses_the_rest():
    factory = RequestFactory()
    guarded = roles_required(Role.HR)(_view)
    request = factory.get("/x/")
    request.user = AnonymousUser()
    assert guarded(request).status_code == 302
    request.user = UserFactory()
    with pytest.raises(PermissionDenied):
        guarded(request)
    request.user = user_with_role(Role.HR, institution=InstitutionFactory())
    assert guarded(request).status_code == 200
    # The predicate gets the grants.
    seen = []
    require(lambda grants: seen.append(grants) or True)(_view)(request)
    assert seen == [grants_for(request.user)]
