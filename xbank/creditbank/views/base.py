"""Guards and helpers the credit bank's pages share: page guards on the shared access layer
(predicates in ``creditbank.access``), access to a learner or a request (the same 404 for
missing and out of scope). Lists, exports and service errors go
through the kit in ``xbank.core.views``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from xbank.accounts.access import grants_for
from xbank.accounts.decorators import require, roles_required
from xbank.learners import selectors as learner_selectors
from xbank.orgs.models import Institution

from .. import access, selectors
from ..access import BATCH_ROLES, GRADUATION_ROLES
from ..models import RecognitionRequest

# Page guards (``accounts.decorators``): the login page for anonymous users, 403 otherwise.
requests_required = require(access.sees_requests)
batch_required = roles_required(*BATCH_ROLES)
graduation_required = roles_required(*GRADUATION_ROLES)


def _sees_requests(user) -> bool:
    return access.sees_requests(grants_for(user))


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
