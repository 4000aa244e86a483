"""Page guards: logged in (else the login page), and allowed (else 403).

``require(predicate)`` is the one guard; every app's guards are one line on top of it, with
their predicates kept in that app's ``access.py``. The predicate gets the user's grants
(``accounts.access.Grants``), not the user: a page guard decides on roles and their reach
only, which the grants answer without another query. Whether one particular row may be seen is
the selectors' ``access_*`` (the same 404 for missing and forbidden), decided after the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeAlias

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .access import Grants, grants_for
from .models import LEARNER_RECORD_ROLES

View: TypeAlias = Callable[..., HttpResponseBase]


def require(predicate: Callable[[Grants], object]) -> Callable[[View], View]:
    """A view decorator: the login page for anonymous users, 403 unless ``predicate(grants)``."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not predicate(grants_for(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def roles_required(*roles: str) -> Callable[[View], View]:
    """Logged in and holding one of ``roles`` somewhere (403 otherwise)."""
    return require(lambda grants: grants.has(*roles))


# Holding a role that sees learner records (``LEARNER_RECORD_ROLES``).
records_required = roles_required(*LEARNER_RECORD_ROLES)
