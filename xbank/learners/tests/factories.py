import datetime
import itertools
import random

import factory

from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.testing import make_id_number
from xbank.learners import services
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.orgs.tests.factories import MajorFactory

_rng = random.Random(20261129)
_student_numbers = itertools.count(1)


def new_document():
    return parse_document(make_id_number(_rng))


def student(*, major=None, name=None, cohort_year=2023, student_no=None, actor=SYSTEM) -> Learner:
    """A student registered through the service, so the account is opened as in production."""
    major = major or MajorFactory()
    name = name or factory.Faker("name", locale="zh_CN").evaluate(None, None, {"locale": "zh_CN"})
    return services.learner_register(
        actor=actor,
        document=new_document(),
        name=name,
        kind=Learner.Kind.STUDENT,
        institution=major.institution,
        major=major,
        cohort_year=cohort_year,
        # A counter, not a random draw: a test with a hundred students must never draw one twice.
        student_no=student_no or f"{cohort_year}{next(_student_numbers):06d}",
    )


def outcome(account, *, number=None, issuer="测试发证机构", kind=OutcomeKind.QUALIFICATION, **kw):
    return services.outcome_record(
        actor=SYSTEM,
        account=account,
        kind=kind,
        title=kw.pop("title", "护士资格证"),
        issuer=issuer,
        number=number or f"N{_rng.randrange(10**10):010d}",
        issued_on=kw.pop("issued_on", datetime.date(2024, 6, 30)),
        source=LearningOutcome.Source.MANUAL,
        **kw,
    )
