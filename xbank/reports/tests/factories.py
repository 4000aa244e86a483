"""Report test data, reached through the other apps' services as in production: exams with
results and awards, training classes with completions, certificates held, credit conversions.

Dates are fixed in the past (2024) so that sessions may start and classes finish.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from xbank.assessment import services as assessment
from xbank.assessment.models import Candidate, ExamSession
from xbank.assessment.tests import factories as af
from xbank.core.actors import SYSTEM
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome
from xbank.reports import services
from xbank.reports.models import CertificateScope, Indicator
from xbank.training import services as training
from xbank.training.models import TrainingProgram
from xbank.training.tests import factories as tf

EXAM_DAY = datetime.date(2024, 6, 15)
_numbers = itertools.count(1)


def exam(
    *,
    institution,
    certificate_type,
    people: list[Learner],
    on: datetime.date = EXAM_DAY,
    fail: int = 0,
    absent: int = 0,
    publish: bool = True,
    award: bool = True,
    level: str = "junior",
    actor=SYSTEM,
    examiners=None,
) -> tuple[ExamSession, list[Candidate]]:
    """A session of ``certificate_type`` on ``on`` with ``people`` as candidates: the first
    ``absent`` absent, the next ``fail`` failed, the rest passed; published and the passes
    awarded their certificates (issued two weeks later) unless told otherwise."""
    session = af.session(
        institution=institution,
        certificate_type=certificate_type,
        level=level,
        date=on,
        actor=actor,
    )
    room = af.room(
        site_=af.site(institution=institution),
        capacity=max(len(people), 1),
        certified_on=on - datetime.timedelta(days=365),
        certified_until=on + datetime.timedelta(days=3 * 365),
    )
    session_room = assessment.session_room_add(actor=actor, session=session, room=room)
    examiners = examiners or [
        af.examiner(
            certificate_type=certificate_type,
            institution=institution,
            valid_from=on - datetime.timedelta(days=365),
            valid_until=on + datetime.timedelta(days=3 * 365),
        )
        for _ in range(2)
    ]
    for examiner in examiners:
        assessment.session_examiner_add(actor=actor, session_room=session_room, examiner=examiner)
    session = assessment.session_schedule(actor=actor, session=session)
    candidates = [
        assessment.candidate_add(actor=actor, session=session, account=p.account) for p in people
    ]
    session = assessment.session_start(actor=actor, session=session)
    for i, candidate in enumerate(candidates):
        candidate.session = session
        if i < absent:
            scores = {"theory_score": None, "practical_score": None, "absent": True}
        elif i < absent + fail:
            scores = {"theory_score": Decimal(30), "practical_score": Decimal(40)}
        else:
            scores = {"theory_score": Decimal(85), "practical_score": Decimal(80)}
        assessment.result_enter(actor=examiners[0], candidate=candidate, **scores)
    if not publish:
        return session, candidates
    session = assessment.session_finish_scoring(actor=actor, session=session)
    af.complete_confidentiality(session, examiners[0], examiners[1])
    session = assessment.session_publish(actor=actor, session=session)
    if award:
        for candidate in candidates[absent + fail :]:
            award_for(candidate, on=on + datetime.timedelta(days=14))
    return session, candidates


def award_for(candidate: Candidate, *, on: datetime.date, actor=SYSTEM):
    return assessment.award_issue(
        actor=actor,
        candidate=Candidate.objects.get(pk=candidate.pk),
        certificate_no=f"RPT-{next(_numbers):08d}",
        issued_on=on,
    )


def training_class(
    *,
    institution,
    certificate_type,
    people: list[Learner] = (),
    public: int = 0,
    end: datetime.date = datetime.date(2024, 5, 31),
    absent: int = 0,
    actor=SYSTEM,
) -> TrainingProgram:
    """A finished class ending on ``end``: ``people`` registered by staff and ``public``
    members of the public, all admitted; all but the first ``absent`` complete."""
    program = tf.program(
        institution=institution,
        certificate_type=certificate_type,
        capacity=len(people) + public + 1,
        sessions=1,
        start_date=end - datetime.timedelta(days=20),
        end_date=end,
        requires_approval=False,
        actor=actor,
    )
    enrollments = [
        training.enrollment_register_staff(actor=actor, program=program, learner=p) for p in people
    ]
    enrollments += [tf.public_registration(program) for _ in range(public)]
    pending = [e.pk for e in enrollments if e.status == "pending"]
    if pending:
        training.enrollments_decide(
            actor=actor, program=program, enrollment_ids=pending, approve=True
        )
    program = training.program_transition(actor=actor, program=program, action="close")
    training.attendance_record(
        actor=actor,
        session=program.sessions.get(),
        present_ids={e.pk for e in enrollments[absent:]},
    )
    training.program_finish(actor=actor, program=program)
    return program


def held(
    learner: Learner, certificate_type, *, on=datetime.date(2024, 6, 30), number=None
) -> LearningOutcome:
    """A certificate held, recorded (imported) into the learner's account."""
    return outcome(
        learner.account,
        number=number or f"RPT-C-{next(_numbers):08d}",
        kind=OutcomeKind.SKILL_CERTIFICATE
        if certificate_type.kind == "skill_level"
        else OutcomeKind.QUALIFICATION,
        title=certificate_type.name,
        certificate_type=certificate_type,
        issued_on=on,
    )


def indicator(
    *,
    institution,
    metric: str,
    name: str | None = None,
    scope: str = CertificateScope.ALL,
    certificate_type=None,
    actor=SYSTEM,
) -> Indicator:
    return services.indicator_create(
        actor=actor,
        institution=institution,
        name=name or f"{metric}-{next(_numbers)}",
        metric=metric,
        certificate_scope=scope,
        certificate_type=certificate_type,
    )


def qualify(
    teacher,
    certificate_type,
    *,
    valid_from=datetime.date(2024, 1, 1),
    valid_until=datetime.date(2027, 12, 31),
    level: str = "junior",
):
    """An examiner qualification of a teacher's login (numbered apart from other factories')."""
    return assessment.qualification_create(
        actor=SYSTEM,
        user=teacher.user,
        institution=teacher.institution,
        certificate_type=certificate_type,
        level=level,
        certificate_no=f"RPT-KPY-{next(_numbers):06d}",
        issuer=certificate_type.issuer or "培训评价组织",
        valid_from=valid_from,
        valid_until=valid_until,
    )
