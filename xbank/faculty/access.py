"""Who may see and keep the teacher team (师资队伍), and where.

- The HR office (人事处) keeps the roster of its college: teachers, certificates, teacher
  training, the teachers' import (seed 四(四): "由人事处出台师资队伍建设细则").
- Academic affairs (教务处) of the college reads all of it (the pilot's leading office).
- School staff (二级学院) read the teachers of their school (or of their major only) and the
  compliance of its pilot majors.
- Every other role gets 403; a row outside the user's scope is the 404 of a missing one.

Derived once per request from the user's grants (``accounts.access.grants_for``).
(``scoping.scope_for`` is not used: it gives HR no institution, because HR sees no learner
records.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from xbank.accounts.access import Grants, Reach, Viewer, grants_for
from xbank.accounts.models import Role

MANAGE_ROLES = frozenset({Role.HR})
READ_ROLES = frozenset({Role.HR, Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF})


@dataclass(frozen=True)
class FacultyAccess:
    manage_institutions: frozenset[int] = frozenset()  # HR: keeps the roster
    reach: Reach = Reach()  # what the reading roles reach: colleges, schools, majors

    @property
    def sees(self) -> bool:
        return bool(self.reach)

    @property
    def manages(self) -> bool:
        return bool(self.manage_institutions)

    def manages_institution(self, institution_id: int) -> bool:
        return institution_id in self.manage_institutions

    def q(self, *, institution: str, school: str, major: str) -> Q:
        """Rows whose institution, school and major fields are named by the arguments."""
        return self.reach.q(institution=institution, school=school, major=major)

    def teacher_q(self, prefix: str = "") -> Q:
        return self.q(
            institution=f"{prefix}institution_id",
            school=f"{prefix}school_id",
            major=f"{prefix}major_id",
        )

    def major_q(self, prefix: str = "") -> Q:
        """Majors (``prefix`` names the major) in scope."""
        return self.q(
            institution=f"{prefix}institution_id",
            school=f"{prefix}school_id",
            major=f"{prefix}id",
        )


def access_of(grants: Grants) -> FacultyAccess:
    return grants.derive(_access)


def _access(grants: Grants) -> FacultyAccess:
    return FacultyAccess(
        manage_institutions=grants.institutions(*MANAGE_ROLES).ids,
        reach=grants.reach(*READ_ROLES),
    )


def access_for(user: Viewer) -> FacultyAccess:
    return access_of(grants_for(user))


# --- Page guards' predicates (``views.py``).


def reads_roster(grants: Grants) -> bool:
    return access_of(grants).sees


def keeps_roster(grants: Grants) -> bool:
    return access_of(grants).manages
