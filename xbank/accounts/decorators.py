from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .scoping import scope_for


def records_required(view):
    """Logged in, and holding a role that sees learner records (403 otherwise)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not scope_for(request.user).sees_learner_records:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
