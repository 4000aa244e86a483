"""Who may do what in the credit bank, decided from the user's grants
(``accounts.access.grants_for``, one read of the role assignments per request), so that
services enforce and pages show buttons by the same rules.

- Staff of the bank, academic affairs (教务处), the continuing education college (继续教育学院)
  and school staff (二级学院) act for the learners within their reach: apply for them, issue
  their transcripts, start a batch recognition for a cohort of a major they reach.
- First review (初审) is the school staff's of the learner's school or major; final approval
  (终审) is academic affairs' of the learner's institution, assigned to the institution itself
  (not to one of its schools).
- An institution's rules (and the ledger corrections behind them) are its academic affairs' or
  the bank's; regional rules are the bank's.
- Learners see their own requests; the roles that see learner records see those in their scope.

The system (``core.actors.SYSTEM``) holds no grants: these say no to it, and the services that
let it through say so themselves (``is_system``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xbank.accounts.access import Grants, Viewer, grants_for
from xbank.accounts.models import LEARNER_RECORD_ROLES, Role

if TYPE_CHECKING:
    from xbank.catalog.models import Curriculum
    from xbank.learners.models import Learner
    from xbank.orgs.models import Institution

# Act for a learner in reach (apply, issue a transcript) and start a batch recognition.
BATCH_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF)
STAFF_ROLES = BATCH_ROLES
GRADUATION_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF)


# --- Page guards' predicates (on the grants): which rows are visible is then up to the
# selectors' ``access_*`` (404 outside the user's scope).


def sees_requests(grants: Grants) -> bool:
    """Staff who see learner records, and learners (their own requests)."""
    return grants.has(*LEARNER_RECORD_ROLES, Role.LEARNER)


def reviews_for_school(grants: Grants) -> bool:
    return grants.has(Role.SCHOOL_STAFF)


def is_final_approver(grants: Grants) -> bool:
    """Academic affairs assigned to an institution, not to one of its schools."""
    return any(
        a.role == Role.ACADEMIC_AFFAIRS and a.institution_id and not a.school_id
        for a in grants.assignments
    )


def _is_academic_affairs_of(grants: Grants, institution_id: int) -> bool:
    return any(
        a.role == Role.ACADEMIC_AFFAIRS
        and a.institution_id == institution_id
        and not a.school_id
        and not a.major_id
        for a in grants.assignments
    )


# --- What a user may do with one row (services and pages alike).


def is_learner_self(user: Viewer, learner: Learner) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return learner.account.user_id == user.pk


def may_act_for_learner(user: Viewer, learner: Learner) -> bool:
    """Submit or follow a request for ``learner``: the learner, or staff whose reach holds them."""
    return is_learner_self(user, learner) or grants_for(user).covers(learner, roles=STAFF_ROLES)


def may_school_review(user: Viewer, learner: Learner) -> bool:
    """First review (初审): school staff (二级学院) of the learner's school or major."""
    return any(
        a.role == Role.SCHOOL_STAFF
        and (
            (a.school_id is not None and a.school_id == learner.school_id)
            or (a.major_id is not None and a.major_id == learner.major_id)
        )
        for a in grants_for(user).assignments
    )


def may_final_approve(user: Viewer, learner: Learner) -> bool:
    """Final approval (终审): academic affairs (教务处) of the learner's institution."""
    return _is_academic_affairs_of(grants_for(user), learner.institution_id)


def may_manage_rules(user: Viewer, institution: Institution | None) -> bool:
    """An institution's rules: its academic affairs or the bank; regional rules: the bank."""
    grants = grants_for(user)
    if grants.has(Role.BANK_ADMIN):
        return True
    return institution is not None and _is_academic_affairs_of(grants, institution.pk)


def may_start_batch(user: Viewer, curriculum: Curriculum) -> bool:
    """Staff whose reach holds the curriculum's major."""
    return grants_for(user).covers(curriculum.major, roles=STAFF_ROLES)
