"""What every service module shares: the permission check."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..errors import ERR_NOT_ALLOWED


def _require(allowed: bool, actor) -> None:
    """Pages always pass their user; ``None`` is the system (demo loader, tasks)."""
    if actor is not None and not allowed:
        raise ValidationError(ERR_NOT_ALLOWED, code="forbidden")
