"""What the assessment services share: the session lock and the audited field update."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ExamSession
from ..rules import plain


def _lock_session(session: ExamSession) -> ExamSession:
    """The session row, locked until the end of the transaction: every write that depends on
    the session's rooms, seats or status goes through here, so concurrent writers queue."""
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("certificate_type", "institution")
        .get(pk=session.pk)
    )


def _assign(obj, allowed: Iterable[str], values: dict) -> dict:
    """Set the given fields on ``obj``; return {field: [old, new]} of those that changed."""
    changed = {}
    for name, value in values.items():
        if name not in allowed:
            raise TypeError(f"{name} cannot be changed here")
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            changed[name] = [plain(old), plain(value)]
    return changed
