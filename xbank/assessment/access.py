"""Who may do what with assessments, and where.

- The continuing education college (继续教育学院) runs sites, sessions, results and awards of
  its institution (seed 四(三)1: "由学校继续教育学院统筹安排…考核").
- Academic affairs (教务处) of the institution and the regional bank administrator read them.
- The HR office (人事处) and the continuing education college keep examiner qualifications.
- Examiners act through their assignments, not through a role: whoever is assigned to a room of
  a session enters its scores (invariant 7), whatever role they log in with.
- Learners see their own candidacies.

Computed once per request from the user's role assignments and cached on the user object, like
``accounts.scoping.scope_for``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from xbank.accounts.models import REGIONAL_ROLES, Role

MANAGE_ROLES = {Role.CONTINUING_ED}
VIEW_ROLES = {Role.CONTINUING_ED, Role.ACADEMIC_AFFAIRS, Role.BANK_ADMIN}
QUALIFICATION_ROLES = {Role.HR, Role.CONTINUING_ED, Role.BANK_ADMIN}


@dataclass(frozen=True)
class InstitutionSet:
    """A set of institutions, or every institution (a regional role)."""

    everywhere: bool = False
    ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.ids)

    def __contains__(self, institution_id) -> bool:
        return self.everywhere or institution_id in self.ids

    def __or__(self, other: InstitutionSet) -> InstitutionSet:
        return InstitutionSet(self.everywhere or other.everywhere, self.ids | other.ids)

    def q(self, field: str = "institution") -> Q:
        if self.everywhere:
            return Q()
        return Q(**{f"{field}__in": self.ids}) if self.ids else Q(pk__in=[])


@dataclass(frozen=True)
class AssessmentAccess:
    manage: InstitutionSet
    view: InstitutionSet
    qualifications: InstitutionSet


_NOBODY = AssessmentAccess(InstitutionSet(), InstitutionSet(), InstitutionSet())


def _institutions(assignments, roles) -> InstitutionSet:
    everywhere = False
    ids: set[int] = set()
    for role, institution_id in assignments:
        if role not in roles:
            continue
        if role in REGIONAL_ROLES:
            everywhere = True
        elif institution_id is not None:
            ids.add(institution_id)
    return InstitutionSet(everywhere, frozenset(ids))


def access_for(user) -> AssessmentAccess:
    if user is None or not user.is_authenticated:
        return _NOBODY
    cached = getattr(user, "_xbank_assessment_access", None)
    if cached is not None:
        return cached
    assignments = list(user.role_assignments.values_list("role", "institution_id"))
    access = AssessmentAccess(
        manage=_institutions(assignments, MANAGE_ROLES),
        view=_institutions(assignments, VIEW_ROLES),
        qualifications=_institutions(assignments, QUALIFICATION_ROLES),
    )
    user._xbank_assessment_access = access
    return access
