"""Who may do what with assessments, and where.

- The continuing education college (继续教育学院) runs sites, sessions, results and awards of
  its institution (seed 四(三)1: "由学校继续教育学院统筹安排…考核").
- Academic affairs (教务处) of the institution and the regional bank administrator read them.
- The HR office (人事处) and the continuing education college keep examiner qualifications.
- Examiners act through their assignments, not through a role: whoever is assigned to a room of
  a session enters its scores (invariant 7), whatever role they log in with.
- Learners see their own candidacies.

Assessment rows belong to an institution (a session, a site), so each duty is a set of
institutions (``accounts.access.InstitutionSet``), derived once per request from the user's
grants (``accounts.access.grants_for``).
"""

from __future__ import annotations

from dataclasses import dataclass

from xbank.accounts.access import Grants, InstitutionSet, Viewer, grants_for
from xbank.accounts.models import Role

MANAGE_ROLES = {Role.CONTINUING_ED}
VIEW_ROLES = {Role.CONTINUING_ED, Role.ACADEMIC_AFFAIRS, Role.BANK_ADMIN}
QUALIFICATION_ROLES = {Role.HR, Role.CONTINUING_ED, Role.BANK_ADMIN}


@dataclass(frozen=True)
class AssessmentAccess:
    manage: InstitutionSet
    view: InstitutionSet
    qualifications: InstitutionSet


def access_of(grants: Grants) -> AssessmentAccess:
    return grants.derive(_access)


def _access(grants: Grants) -> AssessmentAccess:
    return AssessmentAccess(
        manage=grants.institutions(*MANAGE_ROLES),
        view=grants.institutions(*VIEW_ROLES),
        qualifications=grants.institutions(*QUALIFICATION_ROLES),
    )


def access_for(user: Viewer) -> AssessmentAccess:
    return access_of(grants_for(user))


# --- Page guards' predicates (``decorators.py``): reads (or runs) assessments somewhere; which
# rows are visible is then up to the selectors' ``access_*`` (404 outside the user's scope).


def views_some(grants: Grants) -> bool:
    return bool(access_of(grants).view)


def manages_some(grants: Grants) -> bool:
    return bool(access_of(grants).manage)


def reads_qualifications(grants: Grants) -> bool:
    access = access_of(grants)
    return bool(access.qualifications or access.view)


def keeps_qualifications(grants: Grants) -> bool:
    return bool(access_of(grants).qualifications)
