"""Who sees and does what in pilot management.

Users are not members of departments in the data model; a role stands for its department
(职能部门) within the institution of the role assignment:

==================  =====================
role                department (统筹/实施)
==================  =====================
academic_affairs    教务处
continuing_ed       继续教育学院
hr                  人事处
finance             财务处
sysadmin            信息中心 (a regional sysadmin: the 信息中心 of every college)
==================  =====================

School staff (二级学院) act for their school or major: they see the tasks that "各二级学院"
carry out in their college, and those naming a pilot major of their school (or their major).
Academic affairs hosts the office of the pilot's leading group (seed 五(一)1: 领导小组办公室设在
教务处), so it sees and manages every task of its college. 学校办公室 has no role yet: its tasks
are seen by academic affairs.

Budgets: the pilot major's school staff and academic affairs prepare them; academic affairs
records the expert review; the finance office (财务处) records funding and expenditures; every
one of the three sees the budgets in their scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from xbank.accounts.access import NOBODY, Assignment, Grants, grants_for
from xbank.accounts.models import Role
from xbank.orgs.models import Department

ROLE_DEPARTMENT = {
    Role.ACADEMIC_AFFAIRS: Department.Kind.ACADEMIC_AFFAIRS,
    Role.CONTINUING_ED: Department.Kind.CONTINUING_ED,
    Role.HR: Department.Kind.HR,
    Role.FINANCE: Department.Kind.FINANCE,
    Role.SYSADMIN: Department.Kind.INFO_CENTER,
}
# Roles that open the work task pages.
TASK_ROLES = frozenset({*ROLE_DEPARTMENT, Role.SCHOOL_STAFF})
# Roles that open the budget pages.
BUDGET_ROLES = frozenset({Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF, Role.FINANCE})


@dataclass(frozen=True)
class PilotScope:
    grants: Grants = NOBODY

    # --- roles ------------------------------------------------------------------------------

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return self.grants.assignments

    @property
    def roles(self) -> frozenset[str]:
        return self.grants.roles

    def has(self, *roles: str) -> bool:
        return self.grants.has(*roles)

    @property
    def sees_tasks(self) -> bool:
        return bool(self.roles & TASK_ROLES)

    @property
    def sees_budgets(self) -> bool:
        return bool(self.roles & BUDGET_ROLES)

    def institutions(self, *roles: str) -> set[int]:
        """Institutions named by the assignments of ``roles`` (a regional role names none)."""
        return set(self.grants.institutions(*roles).ids)

    def _school_staff(self) -> list[Assignment]:
        return [a for a in self.assignments if a.role == Role.SCHOOL_STAFF]

    # --- departments ------------------------------------------------------------------------

    def department_q(self, prefix: str = "") -> Q:
        """Departments the user acts for (``prefix`` names the department relation)."""
        q = Q(pk__in=[])
        for a in self.assignments:
            kind = ROLE_DEPARTMENT.get(a.role)
            if kind is None:
                continue
            if a.institution_id is None:
                q |= Q(**{f"{prefix}kind": kind})
            else:
                q |= Q(**{f"{prefix}kind": kind, f"{prefix}institution_id": a.institution_id})
        return q

    def acts_for(self, department: Department) -> bool:
        for a in self.assignments:
            kind = ROLE_DEPARTMENT.get(a.role)
            if kind == department.kind and a.institution_id in (None, department.institution_id):
                return True
        return False

    # --- pilot majors -----------------------------------------------------------------------

    def major_q(self, prefix: str = "", *, roles=TASK_ROLES) -> Q:
        """Majors (``prefix`` names the major) seen through ``roles``: institution-wide roles
        see their college's, school staff their school's or their major."""
        return self.grants.q(
            roles=roles,
            institution=f"{prefix}institution_id",
            school=f"{prefix}school_id",
            major=f"{prefix}id",
        )

    def covers_major(self, major, *, roles=TASK_ROLES) -> bool:
        return self.grants.covers(major, roles=roles)

    # --- work tasks -------------------------------------------------------------------------

    def task_q(self) -> Q:
        """Work tasks the user sees: all of their college for academic affairs; otherwise those
        their department leads or implements, or their school implements."""
        from .models import WorkTask

        q = Q(pk__in=[])
        leading = self.institutions(Role.ACADEMIC_AFFAIRS)
        if leading:
            q |= Q(institution_id__in=leading)
        departments = Department.objects.filter(self.department_q())
        if any(a.role in ROLE_DEPARTMENT for a in self.assignments):
            q |= Q(
                pk__in=WorkTask.lead_departments.through.objects.filter(
                    department__in=departments
                ).values("worktask_id")
            )
            q |= Q(
                pk__in=WorkTask.implementing_departments.through.objects.filter(
                    department__in=departments
                ).values("worktask_id")
            )
        for a in self._school_staff():
            q |= Q(schools_implement=True, institution_id=a.institution_id)
        school_majors = self.major_q("pilotmajor__major__", roles={Role.SCHOOL_STAFF})
        if self._school_staff():
            q |= Q(
                pk__in=WorkTask.pilot_majors.through.objects.filter(school_majors).values(
                    "worktask_id"
                )
            )
        return q

    def manages_task(self, task) -> bool:
        """Adds milestones: academic affairs of the college, or a lead department.

        ``task.lead_departments`` should be prefetched.
        """
        if task.institution_id in self.institutions(Role.ACADEMIC_AFFAIRS):
            return True
        return any(self.acts_for(d) for d in task.lead_departments.all())

    def reports_on_task(self, task) -> bool:
        """Reports progress and uploads evidence: managers, implementing departments, and school
        staff of an implementing school or pilot major."""
        if self.manages_task(task):
            return True
        if any(self.acts_for(d) for d in task.implementing_departments.all()):
            return True
        for a in self._school_staff():
            if task.schools_implement and a.institution_id == task.institution_id:
                return True
        return any(
            self.covers_major(pm.major, roles={Role.SCHOOL_STAFF}) for pm in task.pilot_majors.all()
        )

    # --- budgets ----------------------------------------------------------------------------

    def budget_q(self, prefix: str = "") -> Q:
        """Budgets (``prefix`` names the budget) of pilot majors in the budget roles' scope."""
        return self.major_q(f"{prefix}pilot_major__major__", roles=BUDGET_ROLES)

    def prepares_budget(self, budget) -> bool:
        """Edits lines and submits: academic affairs of the college, school staff of the major."""
        return self.covers_major(
            budget.pilot_major.major, roles={Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF}
        )

    def reviews_budget(self, budget) -> bool:
        """Records the expert review: academic affairs of the college (which organises it)."""
        return self.covers_major(budget.pilot_major.major, roles={Role.ACADEMIC_AFFAIRS})

    def keeps_accounts(self, budget) -> bool:
        """Records funding and expenditures: the finance office of the college (财务处)."""
        return self.covers_major(budget.pilot_major.major, roles={Role.FINANCE})

    def requests_adjustment(self, budget) -> bool:
        return self.prepares_budget(budget) or self.keeps_accounts(budget)

    def decides_adjustment(self, budget) -> bool:
        return self.covers_major(
            budget.pilot_major.major, roles={Role.ACADEMIC_AFFAIRS, Role.FINANCE}
        )


def pilot_scope_of(grants: Grants) -> PilotScope:
    return grants.derive(PilotScope)


def pilot_scope(user) -> PilotScope:
    """The user's pilot scope, derived once per request from their grants."""
    return pilot_scope_of(grants_for(user))


# --- Page guards' predicates (``views.py``).


def sees_tasks(grants: Grants) -> bool:
    return pilot_scope_of(grants).sees_tasks


def sees_budgets(grants: Grants) -> bool:
    return pilot_scope_of(grants).sees_budgets
