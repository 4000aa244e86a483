"""What a user may see of learner records: the union of the reach of their roles.

Selectors call ``scope_for(user)`` once and turn it into a filter; views never scope by hand.
Only the roles in ``LEARNER_RECORD_ROLES`` widen what is seen; a user with none of them gets a
filter that matches nothing. Derived from ``accounts.access.grants_for`` (one read of the role
assignments per request).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .access import Grants, Reach, grants_for
from .models import LEARNER_RECORD_ROLES, REVEAL_ID_ROLES, Role


@dataclass(frozen=True)
class Scope:
    roles: frozenset[str] = frozenset()
    regional: bool = False  # sees every institution
    institution_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    major_ids: frozenset[int] = frozenset()
    # Institutions where the user has any role at all (for choosing the institution of a record).
    member_institution_ids: frozenset[int] = field(default=frozenset())

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def sees_learner_records(self) -> bool:
        return bool(self.roles & LEARNER_RECORD_ROLES)

    @property
    def may_reveal_id(self) -> bool:
        return bool(self.roles & REVEAL_ID_ROLES)

    @property
    def reach(self) -> Reach:
        return Reach(self.regional, self.institution_ids, self.school_ids, self.major_ids)

    def q(self, *, institution: str, school: str, major: str) -> Q:
        """A filter for rows whose institution/school/major fields are named by the arguments."""
        return self.reach.q(institution=institution, school=school, major=major)


def _scope(grants: Grants) -> Scope:
    reach = grants.reach(*LEARNER_RECORD_ROLES)
    return Scope(
        roles=grants.roles,
        regional=reach.everywhere,
        institution_ids=reach.institution_ids,
        school_ids=reach.school_ids,
        major_ids=reach.major_ids,
        member_institution_ids=grants.member_institution_ids,
    )


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (from the grants cached on the user)."""
    return grants_for(user).derive(_scope)


def is_learner_only(user) -> bool:
    return scope_for(user).roles == {Role.LEARNER}
