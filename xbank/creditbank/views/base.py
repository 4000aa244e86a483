"""Guards and helpers the credit bank's pages share: role checks (403), access to a learner or a
request (the same 404 for missing and out of scope). Lists, exports and service errors go
through the kit in ``xbank.core.views``."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from xbank.accounts.models import Role
from xbank.accounts.scoping import scope_for
from xbank.learners import selectors as learner_selectors
from xbank.orgs.models import Institution

from .. import selectors
from ..models import RecognitionRequest

BATCH_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF)
GRADUATION_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF)


def roles_required(*roles):
    """Logged in and holding one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not scope_for(request.user).has(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _sees_requests(user) -> bool:
    scope = scope_for(user)
    return scope.sees_learner_records or scope.has(Role.LEARNER)


def _is_final_approver(user) -> bool:
    return any(
        ra.role == Role.ACADEMIC_AFFAIRS and ra.institution_id and not ra.school_id
        for ra in user.role_assignments.all()
    )


def rule_owners(user) -> list[Institution | None]:
    """Whose rules the user may write: institutions (their 教务处, or the bank) and, for the
    bank's administrator, the regional bank itself (None)."""
    owners: list[Institution | None] = []
    if selectors.may_manage_rules(user, None):
        owners.append(None)
    owners += [
        i
        for i in learner_selectors.institution_options(user).order_by("code")
        if selectors.may_manage_rules(user, i)
    ]
    return owners


def _access_learner(request, pk):
    """A learner record the user may see (staff in scope, or the learner themself): 403 for a
    role that never sees learner records, the same 404 for missing and out of scope."""
    if not _sees_requests(request.user):
        raise PermissionDenied
    return learner_selectors.access_learner(request.user, pk)


def _access_request(request, code) -> RecognitionRequest:
    """A request the user may see (403 for a role that sees no requests at all)."""
    if not _sees_requests(request.user):
        raise PermissionDenied
    return selectors.access_request(request.user, code)
