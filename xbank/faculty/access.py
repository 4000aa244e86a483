"""Who may see and keep the teacher team (师资队伍), and where.

- The HR office (人事处) keeps the roster of its college: teachers, certificates, teacher
  training, the teachers' import (seed 四(四): "由人事处出台师资队伍建设细则").
- Academic affairs (教务处) of the college reads all of it (the pilot's leading office).
- School staff (二级学院) read the teachers of their school (or of their major only) and the
  compliance of its pilot majors.
- Every other role gets 403; a row outside the user's scope is the 404 of a missing one.

Computed once per request from the role assignments and cached on the user object, like
``accounts.scoping.scope_for``. (``scope_for`` is not used: it gives HR no institution, because
HR sees no learner records.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from xbank.accounts.models import Role

MANAGE_ROLES = frozenset({Role.HR})
READ_ROLES = frozenset({Role.HR, Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF})


@dataclass(frozen=True)
class FacultyAccess:
    manage_institutions: frozenset[int] = frozenset()  # HR: keeps the roster
    institutions: frozenset[int] = frozenset()  # reads every teacher of these colleges
    schools: frozenset[int] = frozenset()  # school staff
    majors: frozenset[int] = frozenset()  # school staff scoped to one major

    @property
    def sees(self) -> bool:
        return bool(self.institutions or self.schools or self.majors)

    @property
    def manages(self) -> bool:
        return bool(self.manage_institutions)

    def manages_institution(self, institution_id: int) -> bool:
        return institution_id in self.manage_institutions

    def q(self, *, institution: str, school: str, major: str) -> Q:
        """Rows whose institution, school and major fields are named by the arguments."""
        q = Q(pk__in=[])
        if self.institutions:
            q |= Q(**{f"{institution}__in": self.institutions})
        if self.schools:
            q |= Q(**{f"{school}__in": self.schools})
        if self.majors:
            q |= Q(**{f"{major}__in": self.majors})
        return q

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


_NOBODY = FacultyAccess()


def access_for(user) -> FacultyAccess:
    if user is None or not user.is_authenticated:
        return _NOBODY
    cached = getattr(user, "_xbank_faculty_access", None)
    if cached is not None:
        return cached
    manage: set[int] = set()
    institutions: set[int] = set()
    schools: set[int] = set()
    majors: set[int] = set()
    for role, institution_id, school_id, major_id in user.role_assignments.values_list(
        "role", "institution_id", "school_id", "major_id"
    ):
        if role not in READ_ROLES:
            continue
        if role == Role.SCHOOL_STAFF:
            if major_id:
                majors.add(major_id)
            elif school_id:
                schools.add(school_id)
            continue
        if institution_id is None:
            continue
        institutions.add(institution_id)
        if role in MANAGE_ROLES:
            manage.add(institution_id)
    access = FacultyAccess(
        manage_institutions=frozenset(manage),
        institutions=frozenset(institutions),
        schools=frozenset(schools),
        majors=frozenset(majors),
    )
    user._xbank_faculty_access = access
    return access
