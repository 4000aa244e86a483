"""Assessment test data, reached through the services as in production.

Dates are fixed in the past (sessions on 2025-06-20) so that sessions may start; rooms are
certified and examiners qualified well around them unless a test says otherwise.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services
from xbank.assessment.models import ConfidentialityStep, ExamSession
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.orgs.tests.factories import InstitutionFactory

SESSION_DATE = datetime.date(2025, 6, 20)
_counter = itertools.count(1)


def site(*, institution=None, name=None):
    return services.site_create(
        actor=SYSTEM,
        institution=institution or InstitutionFactory(),
        name=name or f"考点{next(_counter)}",
        address="广州市白云区演示路 1 号",
    )


def room(
    *,
    site_=None,
    institution=None,
    capacity: int = 30,
    certified_on=datetime.date(2024, 1, 1),
    certified_until=datetime.date(2027, 12, 31),
    name=None,
):
    return services.room_create(
        actor=SYSTEM,
        site=site_ or site(institution=institution),
        name=name or f"第{next(_counter)}考场",
        capacity=capacity,
        equipment="护理床 6 张、监控 2 路",
        certification_no=f"BZH-{next(_counter):04d}",
        certified_on=certified_on,
        certified_until=certified_until,
    )


def examiner(
    *,
    certificate_type,
    institution,
    level: str = "senior",
    valid_from=datetime.date(2024, 1, 1),
    valid_until=datetime.date(2027, 12, 31),
    user=None,
    name=None,
):
    """A user with the examiner role and one qualification."""
    user = user or user_with_role(
        Role.EXAMINER, institution=institution, **({"full_name": name} if name else {})
    )
    services.qualification_create(
        actor=SYSTEM,
        user=user,
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        certificate_no=f"KPY-{next(_counter):06d}",
        issuer=certificate_type.issuer or "培训评价组织",
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return user


def session(
    *,
    institution=None,
    certificate_type=None,
    level: str = "junior",
    date=SESSION_DATE,
    actor=SYSTEM,
    title=None,
) -> ExamSession:
    institution = institution or InstitutionFactory()
    return services.session_create(
        actor=actor,
        institution=institution,
        certificate_type=certificate_type or CertificateTypeFactory(),
        level=level,
        title=title or f"{date.year} 年第{next(_counter)}批考核",
        date=date,
        start_time=datetime.time(9),
        end_time=datetime.time(11, 30),
    )


def ready_session(
    *,
    rooms: int = 1,
    seats: int = 30,
    status: str = "scheduled",
    certificate_type=None,
    institution=None,
    level: str = "junior",
    actor=SYSTEM,
    accounts=(),
):
    """A session with ``rooms`` rooms, two qualified examiners each, the learning ``accounts``
    signed up once it is scheduled, brought to ``status``.

    Returns (session, [session rooms], {session room pk: [examiners]})."""
    s = session(
        institution=institution, certificate_type=certificate_type, level=level, actor=actor
    )
    site_ = site(institution=s.institution)
    session_rooms, examiners = [], {}
    for _ in range(rooms):
        sr = services.session_room_add(
            actor=actor, session=s, room=room(site_=site_, capacity=seats)
        )
        session_rooms.append(sr)
        examiners[sr.pk] = []
        for _ in range(2):
            e = examiner(
                certificate_type=s.certificate_type, institution=s.institution, level=s.level
            )
            services.session_examiner_add(actor=actor, session_room=sr, examiner=e)
            examiners[sr.pk].append(e)
    if status == "draft":
        for account in accounts:
            services.candidate_add(actor=actor, session=s, account=account)
        return s, session_rooms, examiners
    s = services.session_schedule(actor=actor, session=s)
    for account in accounts:
        services.candidate_add(actor=actor, session=s, account=account)
    if status == "in_progress":
        s = services.session_start(actor=actor, session=s)
    return s, session_rooms, examiners


def complete_confidentiality(s, first, second) -> None:
    done_at = datetime.datetime(2025, 6, 20, 8, 30, tzinfo=datetime.UTC)
    for step in (
        ConfidentialityStep.Step.RECEIVED,
        ConfidentialityStep.Step.OPENED,
        ConfidentialityStep.Step.SEALED,
        ConfidentialityStep.Step.SURVEILLANCE,
    ):
        record = services.confidentiality_sign(actor=first, session=s, step=step, done_at=done_at)
        services.confidentiality_countersign(actor=second, step=record)


def score_all(s, examiners, *, theory=Decimal(80), practical=Decimal(75)) -> None:
    """Every candidate scored by an examiner of their room."""
    for candidate in s.candidates.select_related("session", "account"):
        services.result_enter(
            actor=examiners[candidate.session_room_id][0],
            candidate=candidate,
            theory_score=theory,
            practical_score=practical,
        )
