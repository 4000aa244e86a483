"""What every service module shares: the permission check."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from xbank.accounts.models import User
from xbank.core.actors import Actor, is_system

from ..errors import ERR_NOT_ALLOWED


def _acting(actor: Actor) -> Actor:
    """``actor``, after making sure there is one: ``None`` once meant the system and silently
    skipped every check, so a caller that still passes it fails here (pass ``SYSTEM``)."""
    if actor is None:
        raise TypeError("actor is required: a user, or core.actors.SYSTEM for the system")
    return actor


def _require(allowed: bool, actor: Actor) -> None:
    """Refuse a person who may not act; the system (``SYSTEM``: demo loader, tasks) may."""
    if not is_system(_acting(actor)) and not allowed:
        raise ValidationError(ERR_NOT_ALLOWED, code="forbidden")


def _person(actor: Actor) -> User | None:
    """The user behind ``actor`` for a "by whom" column; the system is recorded as no one."""
    return actor if isinstance(actor, User) else None
