"""Choices on the credit bank's forms and filter bars, limited to the user's scope.

A module of its own so that filters and selectors can both use it without importing each other.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from xbank.accounts.scoping import scope_for
from xbank.catalog.models import Curriculum
from xbank.catalog.selectors import curriculum_scope_q
from xbank.learners.models import Learner


def curriculum_options(user) -> QuerySet[Curriculum]:
    """Curricula a user may pick on the credit bank pages: those of the majors in their scope,
    and a learner's own (by their student records' major and cohort year)."""
    scope = scope_for(user)
    q = curriculum_scope_q(user) if scope.sees_learner_records else Q(pk__in=[])
    # ``Q() | x`` is ``x``: a regional scope (Q()) must not be narrowed by the OR below.
    if getattr(user, "is_authenticated", False) and not scope.regional:
        own = Learner.objects.filter(
            account__user=user,
            kind=Learner.Kind.STUDENT,
            major_id=OuterRef("major_id"),
            cohort_year=OuterRef("cohort_year"),
        )
        q |= Q(Exists(own))
    return (
        Curriculum.objects.filter(q)
        .select_related("major__institution")
        .order_by("major__institution__code", "major__code", "-cohort_year", "id")
    )


def staff_curricula(user) -> QuerySet[Curriculum]:
    """Curricula of the majors in a staff member's scope (batch recognition, graduation audit)."""
    return (
        Curriculum.objects.filter(curriculum_scope_q(user))
        .select_related("major__institution")
        .order_by("major__institution__code", "major__code", "-cohort_year", "id")
    )
