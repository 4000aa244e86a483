"""Pure rules of skill assessment (考核): they read the rows they are given and never query.

The services (``services/``) and the imports apply them; keeping them apart from the writes
lets the same rule serve a form, a service and an import row without a database round-trip.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from xbank.catalog.models import CertificateType, Level
from xbank.learners.models import OutcomeKind

from .errors import (
    ERR_ABSENT_WITH_SCORES,
    ERR_DATES,
    ERR_LEVEL_NOT_OFFERED,
    ERR_LEVEL_REQUIRED,
    ERR_SCORE_RANGE,
    ERR_STATUS,
)
from .models import Candidate, ConfidentialityStep, ExamSession, PassMark, SessionRoom

Status = ExamSession.Status
Step = ConfidentialityStep.Step

# The order in which papers are handled; surveillance is checked at any time.
STEP_ORDER = [Step.RECEIVED, Step.OPENED, Step.SEALED]

# The statuses in which a session's confidentiality record (保密记录) is kept.
CONFIDENTIALITY_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.SCORED)


def status_error(session: ExamSession, action: str) -> ValidationError:
    return ValidationError(
        ERR_STATUS.format(title=session.title, status=session.get_status_display(), action=action),
        code="status",
    )


def level_label(level: str) -> str:
    return str(dict(Level.choices).get(level, level))


def check_level(certificate_type: CertificateType, level: str) -> None:
    """The level must be one the certificate type offers; a type without levels takes none."""
    allowed = list(certificate_type.levels or [])
    if not allowed:
        if level:
            raise ValidationError(
                ERR_LEVEL_NOT_OFFERED.format(
                    certificate=certificate_type.name, level=level_label(level)
                ),
                code="level",
            )
        return
    if not level:
        raise ValidationError(
            ERR_LEVEL_REQUIRED.format(
                certificate=certificate_type.name,
                allowed="、".join(level_label(code) for code in allowed),
            ),
            code="level",
        )
    if level not in allowed:
        raise ValidationError(
            ERR_LEVEL_NOT_OFFERED.format(
                certificate=certificate_type.name, level=level_label(level)
            ),
            code="level",
        )


def check_certification_dates(certified_on, certified_until) -> None:
    if certified_on and certified_until and certified_until < certified_on:
        raise ValidationError(ERR_DATES, code="dates")


def result_verdict(
    pass_mark: PassMark, theory: Decimal | None, practical: Decimal | None, absent: bool
) -> bool:
    if absent or theory is None or practical is None:
        return False
    return theory >= pass_mark.theory and practical >= pass_mark.practical


def check_scores(
    pass_mark: PassMark, theory: Decimal | None, practical: Decimal | None, absent: bool
) -> None:
    if absent and (theory is not None or practical is not None):
        raise ValidationError(ERR_ABSENT_WITH_SCORES, code="absent")
    for part, value, full in (
        ("理论", theory, pass_mark.theory_full),
        ("实操", practical, pass_mark.practical_full),
    ):
        if value is not None and not 0 <= value <= full:
            raise ValidationError(ERR_SCORE_RANGE.format(part=part, full=full), code="range")


def ticket_number(session: ExamSession, session_room: SessionRoom, seat_no: int) -> str:
    """准考证号: year, session, room position and seat — 2024 00042 01 007 → 20240004201007."""
    return f"{session.date:%Y}{session.pk:05d}{session_room.position:02d}{seat_no:03d}"


def ticket_details(candidate: Candidate) -> list[tuple[str, str]]:
    """What the admission ticket's (准考证) verification page shows."""
    session = candidate.session
    return [
        ("考核批次", session.title),
        ("证书", session.certificate_label),
        (
            "考核日期",
            f"{session.date:%Y-%m-%d} {session.start_time:%H:%M}–{session.end_time:%H:%M}",
        ),
        ("考场", str(candidate.session_room.room)),
        ("座位号", str(candidate.seat_no)),
        ("准考证号", candidate.ticket_no),
    ]


def outcome_kind_for(certificate_type: CertificateType) -> str:
    if certificate_type.kind == CertificateType.Kind.QUALIFICATION:
        return OutcomeKind.QUALIFICATION
    if certificate_type.kind == CertificateType.Kind.DIPLOMA:
        return OutcomeKind.DIPLOMA
    return OutcomeKind.SKILL_CERTIFICATE


def plain(value: object) -> object:
    """A value as it is kept in an audit entry's data (JSON): dates and decimals as text, rows
    as their id."""
    if isinstance(value, (datetime.date, datetime.time, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def examined_q(prefix: str = "") -> Q:
    """Examined (鉴定): sat the assessment, i.e. has a result that is not 缺考 with a score."""
    return Q(**{f"{prefix}result__absent": False}) & (
        Q(**{f"{prefix}result__theory_score__isnull": False})
        | Q(**{f"{prefix}result__practical_score__isnull": False})
    )
