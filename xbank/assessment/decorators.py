"""Page guards: logged in, and holding a role that reads (or runs) assessments somewhere; which
rows are visible is then up to the selectors' ``access_*`` (404 outside the user's scope)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .access import access_for


def _guard(test):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(access_for(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


view_required = _guard(lambda access: bool(access.view))
manage_required = _guard(lambda access: bool(access.manage))
qualifications_required = _guard(lambda access: bool(access.qualifications or access.view))
qualifications_manage_required = _guard(lambda access: bool(access.qualifications))
