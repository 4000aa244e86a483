"""What the assessment services share: who may act, the session lock and the audited field
update.

Every service takes ``actor``: a person, checked against their roles here (``access``), or
``core.actors.SYSTEM`` (the ``import_excel`` command, the demo loader), let through by
``is_system`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from xbank.accounts.models import User
from xbank.core.actors import Actor, is_system

from ..access import AssessmentAccess, access_for
from ..errors import ERR_NOT_ALLOWED, ERR_PERSON_ONLY
from ..models import ExamSession, SessionExaminer
from ..rules import plain


def _refuse() -> ValidationError:
    return ValidationError(ERR_NOT_ALLOWED, code="forbidden")


def _require_manage(actor: Actor, institution_id: int) -> None:
    """The actor runs the assessments of the institution (继续教育学院), or is the system."""
    if not is_system(actor) and institution_id not in access_for(actor).manage:
        raise _refuse()


def _require_manage_some(actor: Actor) -> None:
    """The actor runs assessments somewhere (pass marks are per certificate type, not per
    institution), or is the system."""
    if not is_system(actor) and not access_for(actor).manage:
        raise _refuse()


def _require_qualifications(actor: Actor, institution_id: int) -> None:
    """The actor keeps the examiner qualifications of the institution (人事处, 继续教育学院,
    the bank administrator), or is the system."""
    if not is_system(actor) and institution_id not in access_for(actor).qualifications:
        raise _refuse()


def _require_person(actor: Actor) -> User:
    """A person, for what the system cannot do (a signature, a score)."""
    if is_system(actor) or not isinstance(actor, User):
        raise ValidationError(ERR_PERSON_ONLY, code="person_only")
    return actor


def _require_session_person(actor: Actor, session: ExamSession) -> User:
    """A person who runs the session's assessments or examines it: they keep its
    confidentiality record (the pages give both the record)."""
    person = _require_person(actor)
    access: AssessmentAccess = access_for(person)
    if session.institution_id in access.manage:
        return person
    if SessionExaminer.objects.filter(session=session, examiner=person).exists():
        return person
    raise _refuse()


def _person(actor: Actor) -> User | None:
    """The user behind the actor, to name in a ``created_by`` column; None for the system."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _lock_session(session: ExamSession) -> ExamSession:
    """The session row, locked until the end of the transaction: every write that depends on
    the session's rooms, seats or status goes through here, so concurrent writers queue."""
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("certificate_type", "institution")
        .get(pk=session.pk)
    )


def _assign(
    obj: models.Model, allowed: Iterable[str], values: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """Set the given fields on ``obj``; return {field: [old, new]} of those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, value in values.items():
        if name not in allowed:
            raise TypeError(f"{name} cannot be changed here")
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            changed[name] = [plain(old), plain(value)]
    return changed
