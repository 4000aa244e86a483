"""Training test data, reached through the services as in production."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.testing import make_id_number
from xbank.orgs.tests.factories import InstitutionFactory
from xbank.training import services
from xbank.training.consent import CURRENT_VERSION
from xbank.training.models import TrainingProgram

_rng = random.Random(20261130)
_names = itertools.cycle(
    ["林晓华", "周雨桐", "黄嘉欣", "吴子涵", "郑思远", "冯可欣", "蔡宇航", "许梦琪", "邓俊熙"]
)
_counter = itertools.count(1)


def new_document():
    return parse_document(make_id_number(_rng))


def program(
    *,
    institution=None,
    certificate_type=None,
    status: str = "enrolling",
    capacity: int = 30,
    audience: str = "both",
    sessions: int = 0,
    actor=SYSTEM,
    **kwargs,
) -> TrainingProgram:
    """A program brought to ``status`` through the services, with ``sessions`` sessions."""
    institution = institution or InstitutionFactory()
    certificate_type = certificate_type or CertificateTypeFactory()
    start = kwargs.pop("start_date", datetime.date(2026, 3, 2))
    end = kwargs.pop("end_date", start + datetime.timedelta(days=30))
    p = services.program_create(
        actor=actor,
        institution=institution,
        certificate_type=certificate_type,
        level=kwargs.pop("level", "junior"),
        title=kwargs.pop("title", f"测试培训班{next(_counter)}"),
        audience=audience,
        start_date=start,
        end_date=end,
        capacity=capacity,
        fee=kwargs.pop("fee", Decimal("0")),
        place=kwargs.pop("place", "实训楼 301"),
        **kwargs,
    )
    for i in range(sessions):
        services.session_add(
            actor=actor,
            program=p,
            date=start + datetime.timedelta(days=i),
            start_time=datetime.time(9),
            end_time=datetime.time(12),
            topic=f"第{i + 1}次课",
        )
    path = {
        "draft": [],
        "published": ["publish"],
        "enrolling": ["publish", "open"],
        "closed": ["publish", "open", "close"],
    }[status]
    for action in path:
        p = services.program_transition(actor=actor, program=p, action=action)
    return p


def public_registration(program, *, name=None, document=None, **kwargs):
    return services.enrollment_register_public(
        program=program,
        document=document or new_document(),
        name=name or next(_names),
        phone=kwargs.pop("phone", "13800138000"),
        education=kwargs.pop("education", "高中"),
        employer=kwargs.pop("employer", ""),
        consent_given=kwargs.pop("consent_given", True),
        consent_version=kwargs.pop("consent_version", CURRENT_VERSION),
        ip=kwargs.pop("ip", "127.0.0.1"),
    )
