"""The system as an actor (系统): what acts when no person does.

Services take ``actor`` as the person who asked for a change, and check what that person may do.
Some changes are made by no person: the ``import_excel`` command, the demo loader, scheduled
jobs. They pass ``SYSTEM``, which says so explicitly; ``None`` used to mean the same thing, and
a forgotten actor then silently skipped every check. ``SYSTEM`` is not a user: it is not
authenticated, has no primary key and holds no role, so anything that asks what it may see
(``accounts.access.grants_for``) gets nothing; the code that lets the system through tests
``is_system(actor)`` on purpose. The audit log records it as an entry without a user, shown
as "系统".

It lives in ``core`` because ``audit`` (below ``accounts``) must recognise it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class SystemActor:
    """The one system actor; compare with ``is_system`` (or ``is SYSTEM``)."""

    __slots__ = ()

    name: Final = "系统"
    pk = None
    id = None
    is_authenticated = False
    is_anonymous = False
    is_active = False

    def __bool__(self) -> bool:
        # Truthy on purpose: ``actor or fallback`` and ``if actor`` must not mistake the system
        # for a missing actor.
        return True

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self) -> str:
        return "SYSTEM"  # pickled (a task's arguments), it comes back as the same object


SYSTEM: Final = SystemActor()

# Who makes a change: a person (the project's user model), or the system.
Actor: TypeAlias = "AbstractBaseUser | SystemActor"


def is_system(actor: object) -> bool:
    return actor is SYSTEM


def acting(actor: object) -> None:
    """Refuse a missing actor: ``None`` used to mean the system and skipped every check, so a
    service that has no role check of its own (its caller checked) still says who acts."""
    if actor is None:
        raise TypeError("A service needs its actor: the person who asked, or SYSTEM.")
