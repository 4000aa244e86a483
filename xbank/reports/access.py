"""Who sees which reports, and for which institutions, departments and pilot majors.

- The dashboard (统计看板) and the named lists behind its figures: the roles that see learner
  records, each within its scope (``accounts.scoping``); the HR office (人事处) sees only the
  examiners section, which names teachers, not learners.
- Evidence reports (佐证材料) and the annual summary: the roles that see learner records.
- Performance indicators (绩效指标): academic affairs (教务处, the office of the pilot's leading
  group, seed 五(一)1) defines indicators and types in targets for its college; the system
  administrator for every college. The bank administrator reads every college's reports; the
  continuing education college, HR and finance read their own department's; school staff read
  the pilot majors of their school (or major).

Derived once per request from the user's grants (``accounts.access.grants_for``); the
performance scope through the pilot's (``pilot.scoping``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Q

from xbank.accounts.access import Grants, Viewer, grants_for
from xbank.accounts.decorators import require
from xbank.accounts.models import LEARNER_RECORD_ROLES, REGIONAL_ROLES, Role
from xbank.pilot.scoping import pilot_scope_of

# Dashboard sections, and the roles that see each.
ASSESSMENT = "assessment"
CERTIFICATES = "certificates"
TRAINING = "training"
CONVERSIONS = "conversions"
EXAMINERS = "examiners"
BREAKDOWN = "breakdown"  # by major and by audience

SECTIONS_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.SYSADMIN: (ASSESSMENT, CERTIFICATES, TRAINING, CONVERSIONS, BREAKDOWN, EXAMINERS),
    Role.BANK_ADMIN: (ASSESSMENT, CERTIFICATES, TRAINING, CONVERSIONS, BREAKDOWN, EXAMINERS),
    Role.ACADEMIC_AFFAIRS: (
        ASSESSMENT,
        CERTIFICATES,
        TRAINING,
        CONVERSIONS,
        BREAKDOWN,
        EXAMINERS,
    ),
    Role.CONTINUING_ED: (ASSESSMENT, TRAINING, CERTIFICATES, BREAKDOWN, EXAMINERS),
    Role.SCHOOL_STAFF: (ASSESSMENT, CERTIFICATES, TRAINING, CONVERSIONS, BREAKDOWN),
    Role.HR: (EXAMINERS,),
}
SECTION_ORDER = (ASSESSMENT, CERTIFICATES, TRAINING, CONVERSIONS, BREAKDOWN, EXAMINERS)
# Roles whose examiner figures cover the institutions of their role assignments.
EXAMINER_ROLES = {Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.HR}
# Roles that define indicators and type in targets.
TARGET_ROLES = {Role.ACADEMIC_AFFAIRS, Role.SYSADMIN}
# Roles that read performance reports (each within its own reach, see ``PerformanceScope``).
PERFORMANCE_ROLES = {
    Role.SYSADMIN,
    Role.BANK_ADMIN,
    Role.ACADEMIC_AFFAIRS,
    Role.CONTINUING_ED,
    Role.HR,
    Role.FINANCE,
    Role.SCHOOL_STAFF,
}


def _sections(grants: Grants) -> list[str]:
    sections = {s for role in grants.roles for s in SECTIONS_BY_ROLE.get(role, ())}
    return [s for s in SECTION_ORDER if s in sections]


def dashboard_sections(user: Viewer) -> list[str]:
    return _sections(grants_for(user))


def _sees_records(grants: Grants) -> bool:
    return grants.has(*LEARNER_RECORD_ROLES)


def sees_records(user: Viewer) -> bool:
    """May open the named lists of learners behind the figures."""
    return _sees_records(grants_for(user))


def sees_examiners(user: Viewer) -> bool:
    return EXAMINERS in dashboard_sections(user)


def examiner_institutions(user: Viewer) -> tuple[bool, frozenset[int]]:
    """(everywhere, institution ids) whose examiner qualifications the user's figures count:
    every institution for a regional role, else those of the examiner roles' assignments."""
    grants = grants_for(user)
    if grants.has(*REGIONAL_ROLES):
        return True, frozenset()
    return False, grants.institutions(*EXAMINER_ROLES).ids


@dataclass(frozen=True)
class PerformanceScope:
    """Which indicators, departments and pilot majors a user reads or manages."""

    everywhere: bool = False  # reads every college's
    manage_everywhere: bool = False
    manage_institutions: frozenset[int] = frozenset()
    read_institutions: frozenset[int] = frozenset()  # whole colleges (academic affairs)
    department_q: Q = Q(pk__in=[])  # departments the user acts for
    major_q: Q = Q(pk__in=[])  # majors of the pilot majors the user reads

    @property
    def manages(self) -> bool:
        return self.manage_everywhere or bool(self.manage_institutions)

    def manages_institution(self, institution_id: int) -> bool:
        return self.manage_everywhere or institution_id in self.manage_institutions

    def departments(self, prefix: str = "") -> Q:
        """Departments (``prefix`` names them) whose reports the user reads."""
        if self.everywhere:
            return Q()
        q = Q(**{f"{prefix}institution_id__in": self.read_institutions})
        for child in [self.department_q]:
            q |= _prefixed(child, prefix)
        return q

    def pilot_majors(self, prefix: str = "") -> Q:
        """Pilot majors (``prefix`` names them) whose reports the user reads."""
        if self.everywhere:
            return Q()
        return Q(**{f"{prefix}major__institution_id__in": self.read_institutions}) | _prefixed(
            self.major_q, f"{prefix}major__"
        )

    def indicators(self, prefix: str = "") -> Q:
        if self.everywhere:
            return Q()
        return Q(**{f"{prefix}institution_id__in": self.read_institutions})


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` with every lookup prefixed (for the same filter reached through a relation)."""
    if not prefix:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_prefixed(child, prefix))
        else:
            # Not a Q: a (lookup, value) pair (the stubs type children as any tree node).
            key, value = cast("tuple[str, Any]", child)
            clone.children.append((f"{prefix}{key}", value))
    return clone


def performance_scope(user: Viewer) -> PerformanceScope:
    return grants_for(user).derive(_performance_scope)


def _performance_scope(grants: Grants) -> PerformanceScope:
    ps = pilot_scope_of(grants)
    roles = ps.roles
    everywhere = bool(roles & {Role.SYSADMIN, Role.BANK_ADMIN})
    academic = frozenset(ps.institutions(Role.ACADEMIC_AFFAIRS))
    return PerformanceScope(
        everywhere=everywhere,
        manage_everywhere=Role.SYSADMIN in roles,
        manage_institutions=academic,
        read_institutions=academic,
        department_q=ps.department_q(),
        major_q=ps.major_q(roles={Role.SCHOOL_STAFF}),
    )


# Page guards (``accounts.decorators.require``): logged in, else 403 unless the predicate holds.
dashboard_required = require(lambda grants: bool(_sections(grants)))
records_required = require(_sees_records)
performance_required = require(lambda grants: grants.has(*PERFORMANCE_ROLES))
targets_required = require(lambda grants: grants.derive(_performance_scope).manages)
