"""Which learner records (学习者) a user sees, and the institution, school and major choices that
follow from it: shared by the selectors, which scope every read with it, and the filter bars,
whose choices it limits. It sits below both (the selectors apply the filter sets).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xbank.accounts.access import Viewer
from xbank.accounts.models import Role
from xbank.accounts.scoping import scope_for
from xbank.orgs.models import Institution, Major, School


def sees_own_records(user: Viewer) -> bool:
    # Only for the learner role: an OR across the account join would cost staff queries their
    # index on school/major, and staff read their own account on /me/ like anyone else.
    return scope_for(user).has(Role.LEARNER)


def learner_scope_q(user: Viewer) -> Q:
    """Learner rows the user may see: those in the scope of their roles; a learner's own."""
    scope = scope_for(user)
    if scope.regional:
        return Q()
    q = scope.q(institution="institution", school="school", major="major")
    if sees_own_records(user):
        q |= Q(account__user=user)
    return q


def institution_options(user: Viewer) -> QuerySet[Institution]:
    """Institutions the user may filter by."""
    scope = scope_for(user)
    if scope.regional:
        return Institution.objects.all()
    return Institution.objects.filter(
        Q(pk__in=scope.institution_ids)
        | Q(pk__in=School.objects.filter(pk__in=scope.school_ids).values("institution_id"))
        | Q(pk__in=Major.objects.filter(pk__in=scope.major_ids).values("institution_id"))
    )


def school_options(user: Viewer) -> QuerySet[School]:
    scope = scope_for(user)
    if scope.regional:
        return School.objects.select_related("institution")
    return School.objects.select_related("institution").filter(
        Q(institution_id__in=scope.institution_ids)
        | Q(pk__in=scope.school_ids)
        | Q(pk__in=Major.objects.filter(pk__in=scope.major_ids).values("school_id"))
    )


def major_options(user: Viewer) -> QuerySet[Major]:
    return Major.objects.filter(
        scope_for(user).q(institution="institution", school="school", major="pk")
    )
