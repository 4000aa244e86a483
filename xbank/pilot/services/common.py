"""What every pilot service shares: amounts of money, dates, and who may act and sign."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xbank.accounts.models import User
from xbank.core.actors import Actor, is_system
from xbank.orgs.models import Department, Institution

from ..errors import (
    ERR_FUTURE_DATE,
    ERR_MONEY,
    ERR_MONEY_NEGATIVE,
    ERR_MONEY_POSITIVE,
    ERR_NOT_ALLOWED,
    ERR_OTHER_INSTITUTION,
)
from ..models import (
    PilotMajor,
)
from ..scoping import PilotScope, pilot_scope

EVIDENCE_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png", ".zip",
)  # fmt: skip
EVIDENCE_MAX_MB = 20

CENT = Decimal("0.01")

_Row = TypeVar("_Row", Department, PilotMajor)


def money(value: object, *, positive: bool = True) -> Decimal:
    """A yuan amount with at most two decimals (never rounded: 0.005 元 is refused)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(ERR_MONEY, code="money") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationError(ERR_MONEY, code="money")
    if positive and amount <= 0:
        raise ValidationError(ERR_MONEY_POSITIVE, code="money_positive")
    if amount < 0:
        raise ValidationError(ERR_MONEY_NEGATIVE, code="money_negative")
    return amount.quantize(CENT)


def _not_future(day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise ValidationError(ERR_FUTURE_DATE, code="future_date")
    return day


def _same_institution(
    rows: Iterable[_Row], institution: Institution, institution_of: Callable[[_Row], int]
) -> None:
    for row in rows:
        if institution_of(row) != institution.pk:
            raise ValidationError(
                ERR_OTHER_INSTITUTION.format(name=row, institution=institution.name),
                code="other_institution",
            )


def _ensure_may(actor: Actor, may: Callable[[PilotScope], bool]) -> None:
    """A person must be allowed ``may`` by their pilot scope; the system always is."""
    if is_system(actor):
        return
    if not may(pilot_scope(actor)):
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _person(actor: Actor) -> User | None:
    """The user to store as who did it (``created_by``, ``submitted_by``): none for the system."""
    if is_system(actor):
        return None
    assert isinstance(actor, User)
    return actor


def _signatory(actor: Actor) -> User:
    """The person a row must name (who recorded an expert review, money or evidence, who asked
    for or decided an adjustment): the system signs nothing, as the non-null columns say, and
    four eyes need two persons."""
    person = _person(actor)
    if person is None:
        raise ValueError("The system cannot sign this record: it needs a person.")
    return person
