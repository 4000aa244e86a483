"""Who may do what in the credit bank (``may_*``), decided from the user's role assignments, so
that services enforce and pages show buttons by the same rules."""

from __future__ import annotations

from xbank.accounts.models import Role, RoleAssignment
from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner
from xbank.orgs.models import Institution


def _assignments(user) -> list[RoleAssignment]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_xbank_creditbank_roles", None)
    if cached is None:
        cached = list(user.role_assignments.all())
        user._xbank_creditbank_roles = cached
    return cached


def _covers(ra: RoleAssignment, *, institution_id, school_id=None, major_id=None) -> bool:
    """Whether one role assignment's scope includes the institution / school / major given."""
    if ra.role in (Role.SYSADMIN, Role.BANK_ADMIN):
        return True
    if ra.major_id:
        return ra.major_id == major_id
    if ra.school_id:
        return ra.school_id == school_id
    return ra.institution_id == institution_id


def _has(user, roles, **where) -> bool:
    return any(ra.role in roles and _covers(ra, **where) for ra in _assignments(user))


def is_learner_self(user, learner: Learner) -> bool:
    return user is not None and user.is_authenticated and learner.account.user_id == user.pk


def may_act_for_learner(user, learner: Learner) -> bool:
    """Submit or follow a request for ``learner``: the learner, or staff whose scope holds them."""
    return is_learner_self(user, learner) or _has(
        user,
        (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF),
        institution_id=learner.institution_id,
        school_id=learner.school_id,
        major_id=learner.major_id,
    )


def may_school_review(user, learner: Learner) -> bool:
    """First review (初审): school staff (二级学院) of the learner's school or major."""
    return any(
        ra.role == Role.SCHOOL_STAFF
        and (
            (ra.school_id and ra.school_id == learner.school_id)
            or (ra.major_id and ra.major_id == learner.major_id)
        )
        for ra in _assignments(user)
    )


def _is_academic_affairs_of(user, institution_id: int) -> bool:
    return any(
        ra.role == Role.ACADEMIC_AFFAIRS
        and ra.institution_id == institution_id
        and not ra.school_id
        and not ra.major_id
        for ra in _assignments(user)
    )


def may_final_approve(user, learner: Learner) -> bool:
    """Final approval (终审): academic affairs (教务处) of the learner's institution."""
    return _is_academic_affairs_of(user, learner.institution_id)


def may_manage_rules(user, institution: Institution | None) -> bool:
    """An institution's rules: its academic affairs or the bank; regional rules: the bank."""
    if institution is None:
        return _has(user, (Role.BANK_ADMIN,), institution_id=None)
    return _has(user, (Role.BANK_ADMIN,), institution_id=institution.pk) or (
        _is_academic_affairs_of(user, institution.pk)
    )


def may_start_batch(user, curriculum: Curriculum) -> bool:
    major = curriculum.major
    return _has(
        user,
        (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF),
        institution_id=major.institution_id,
        school_id=major.school_id,
        major_id=major.pk,
    )
