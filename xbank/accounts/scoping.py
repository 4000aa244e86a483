"""What a user may see: the union of the scopes of their roles.

Selectors call ``scope_for(user)`` once and turn it into a filter; views never scope by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import IMPORT_ROLES, LEARNER_RECORD_ROLES, REGIONAL_ROLES, REVEAL_ID_ROLES, Role


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
    def can_import(self) -> bool:
        return bool(self.roles & IMPORT_ROLES)

    @property
    def may_reveal_id(self) -> bool:
        return bool(self.roles & REVEAL_ID_ROLES)

    def q(self, *, institution: str, school: str, major: str) -> Q:
        """A filter for rows whose institution/school/major fields are named by the arguments.

        Only the roles in ``LEARNER_RECORD_ROLES`` widen what is seen; a user with none of them
        gets a filter that matches nothing.
        """
        if self.regional:
            return Q()
        q = Q(pk__in=[])
        if self.institution_ids:
            q |= Q(**{f"{institution}__in": self.institution_ids})
        if self.school_ids:
            q |= Q(**{f"{school}__in": self.school_ids})
        if self.major_ids:
            q |= Q(**{f"{major}__in": self.major_ids})
        return q


_EMPTY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return _EMPTY
    cached = getattr(user, "_xbank_scope", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    regional = False
    institutions: set[int] = set()
    schools: set[int] = set()
    majors: set[int] = set()
    members: set[int] = set()
    for ra in user.role_assignments.all():
        roles.add(ra.role)
        if ra.institution_id:
            members.add(ra.institution_id)
        if ra.role not in LEARNER_RECORD_ROLES:
            continue
        if ra.role in REGIONAL_ROLES:
            regional = True
        elif ra.major_id:
            majors.add(ra.major_id)
        elif ra.school_id:
            schools.add(ra.school_id)
        elif ra.institution_id:
            institutions.add(ra.institution_id)
    scope = Scope(
        roles=frozenset(roles),
        regional=regional,
        institution_ids=frozenset(institutions),
        school_ids=frozenset(schools),
        major_ids=frozenset(majors),
        member_institution_ids=frozenset(members),
    )
    user._xbank_scope = scope
    return scope


def is_learner_only(user) -> bool:
    scope = scope_for(user)
    return scope.roles == {Role.LEARNER}
