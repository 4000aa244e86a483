"""What a user holds: their roles, each with a reach. The one reader of role assignments.

``grants_for(user)`` reads the user's role assignments once per request (one query, cached on
the user object under ``_xbank_grants``; a prefetch of ``role_assignments`` is used as is) and
answers every question about them:

- ``has(*roles)``: holds one of these roles anywhere;
- ``institutions(*roles)``: the institutions where the user holds one of them, or everywhere
  for a regional role (系统管理员, 学分银行管理员: the bank is regional);
- ``reach(*roles)`` / ``q(institution=…, school=…, major=…, roles=…)``: what those roles reach,
  as sets of ids or as one filter for rows whose institution, school and major fields are named
  by the arguments (the one filter builder; ``accounts.scoping.Scope``, the faculty and the
  assessment access objects all build theirs here);
- ``covers(obj, roles=…)``: whether a row with an institution (and a school, a major) is within
  that reach.

A role assignment reaches what it names at its narrowest: everything for a regional role; else
its major, else its school, else its institution. The database requires an institution for
every role but the regional ones, and a school or a major for school staff (二级学院)
(``RoleAssignment.Meta.constraints``).

Each app's ``access.py`` (or ``scoping.py``) keeps only its own role sets and predicates, and
derives what it needs from the grants with ``grants.derive(fn)``, which computes ``fn(grants)``
once per request. Guards built on them are in ``accounts.decorators`` (``require``,
``roles_required``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.db.models import Q

from xbank.orgs.models import Major

from .models import REGIONAL_ROLES

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from xbank.core.actors import SystemActor

    from .models import User

T = TypeVar("T")

# Whoever asks what they may see: a person, an anonymous visitor, the system or nobody
# (``None``). Only a person holds grants.
Viewer: TypeAlias = "AbstractBaseUser | AnonymousUser | SystemActor | None"

CACHE_ATTRIBUTE = "_xbank_grants"


@dataclass(frozen=True)
class Assignment:
    """One role assignment, as plain ids."""

    role: str
    institution_id: int | None = None
    school_id: int | None = None
    major_id: int | None = None


@dataclass(frozen=True)
class Reach:
    """What some roles of a user reach: everything, or these institutions, schools and majors
    (each id set holds the assignments named at that level, see the module docstring)."""

    everywhere: bool = False
    institution_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    major_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.institution_ids or self.school_ids or self.major_ids)

    def q(
        self, *, institution: str | None = None, school: str | None = None, major: str | None = None
    ) -> Q:
        """Rows whose institution, school and major fields are named by the arguments (a level
        whose field is not named matches nothing). Nothing reached: a filter that matches
        nothing, which Django answers without a query."""
        if self.everywhere:
            return Q()
        terms = [
            Q(**{f"{name}__in": ids})
            for name, ids in (
                (institution, self.institution_ids),
                (school, self.school_ids),
                (major, self.major_ids),
            )
            if name and ids
        ]
        if not terms:
            return Q(pk__in=[])
        q = terms[0]
        for term in terms[1:]:
            q |= term
        return q

    def covers_ids(
        self, institution_id: int | None, school_id: int | None = None, major_id: int | None = None
    ) -> bool:
        return (
            self.everywhere
            or (major_id is not None and major_id in self.major_ids)
            or (school_id is not None and school_id in self.school_ids)
            or (institution_id is not None and institution_id in self.institution_ids)
        )


@dataclass(frozen=True)
class InstitutionSet:
    """A set of institutions, or every institution (a regional role)."""

    everywhere: bool = False
    ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.ids)

    def __contains__(self, institution_id: object) -> bool:
        return self.everywhere or institution_id in self.ids

    def __or__(self, other: InstitutionSet) -> InstitutionSet:
        return InstitutionSet(self.everywhere or other.everywhere, self.ids | other.ids)

    def q(self, field: str = "institution") -> Q:
        """Rows whose institution (the field named) is in the set."""
        return Reach(self.everywhere, self.ids).q(institution=field)


def _ids_of(obj: object) -> tuple[int | None, int | None, int | None]:
    """(institution, school, major) ids of a row; a major is its own major."""
    if isinstance(obj, Major):
        return obj.institution_id, obj.school_id, obj.pk
    return (
        getattr(obj, "institution_id", None),
        getattr(obj, "school_id", None),
        getattr(obj, "major_id", None),
    )


@dataclass(frozen=True)
class Grants:
    """The role assignments of one user, read once; see the module docstring."""

    assignments: tuple[Assignment, ...] = ()
    roles: frozenset[str] = field(init=False, default=frozenset())
    _derived: dict[Callable[[Grants], Any], Any] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(a.role for a in self.assignments))

    def has(self, *roles: str) -> bool:
        """Holds one of ``roles`` somewhere."""
        return any(role in self.roles for role in roles)

    def _holding(self, roles: Iterable[str]) -> list[Assignment]:
        wanted = set(roles)
        return [a for a in self.assignments if a.role in wanted]

    @property
    def member_institution_ids(self) -> frozenset[int]:
        """Institutions where the user holds any role at all."""
        return frozenset(a.institution_id for a in self.assignments if a.institution_id)

    def institutions(self, *roles: str) -> InstitutionSet:
        """Institutions of the assignments of ``roles`` (at whatever level they are named), or
        everywhere when one of them is a regional role."""
        everywhere = False
        ids: set[int] = set()
        for a in self._holding(roles):
            if a.role in REGIONAL_ROLES:
                everywhere = True
            elif a.institution_id is not None:
                ids.add(a.institution_id)
        return InstitutionSet(everywhere, frozenset(ids))

    def reach(self, *roles: str) -> Reach:
        """What the assignments of ``roles`` reach, each at its narrowest level."""
        everywhere = False
        institutions: set[int] = set()
        schools: set[int] = set()
        majors: set[int] = set()
        for a in self._holding(roles):
            if a.role in REGIONAL_ROLES:
                everywhere = True
            elif a.major_id:
                majors.add(a.major_id)
            elif a.school_id:
                schools.add(a.school_id)
            elif a.institution_id:
                institutions.add(a.institution_id)
        return Reach(everywhere, frozenset(institutions), frozenset(schools), frozenset(majors))

    def q(
        self,
        *,
        roles: Iterable[str],
        institution: str | None = None,
        school: str | None = None,
        major: str | None = None,
    ) -> Q:
        """One filter for the rows that ``roles`` reach; the arguments name the rows' fields."""
        return self.reach(*roles).q(institution=institution, school=school, major=major)

    def covers(self, obj: object, *, roles: Iterable[str]) -> bool:
        """Whether ``roles`` reach a row with an institution (and a school, a major): a learner,
        a teacher, a curriculum's major…"""
        return self.reach(*roles).covers_ids(*_ids_of(obj))

    def covers_ids(
        self,
        *,
        roles: Iterable[str],
        institution_id: int | None,
        school_id: int | None = None,
        major_id: int | None = None,
    ) -> bool:
        return self.reach(*roles).covers_ids(institution_id, school_id, major_id)

    def derive(self, fn: Callable[[Grants], T]) -> T:
        """``fn(self)``, computed once per grants (so once per request): an app's view of the
        grants (``scope_for``, the assessment access…) is derived, never read again."""
        try:
            derived: T = self._derived[fn]
            return derived
        except KeyError:
            value = self._derived[fn] = fn(self)
            return value


NOBODY = Grants()


def grants_for(user: Viewer) -> Grants:
    """The user's grants, read once per request (cached on the user object). Anonymous users,
    ``None`` and the system actor hold nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = Grants(
            tuple(
                Assignment(ra.role, ra.institution_id, ra.school_id, ra.major_id)
                # Authenticated: a person, so the project's user model (``AUTH_USER_MODEL``).
                for ra in cast("User", user).role_assignments.all()
            )
        )
        setattr(user, CACHE_ATTRIBUTE, cached)
    return cached
