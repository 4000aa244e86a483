"""Pass marks (合格线) and the scores examiners enter (成绩录入).

Only an examiner of the candidate's room, qualified on the session date and not the candidate's
instructor, enters their scores (invariant 7).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from xbank.accounts.models import User
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor

from ..errors import (
    ERR_EXAMINER_TAUGHT,
    ERR_NOT_ASSIGNED,
)
from ..models import (
    Candidate,
    ExamResult,
    ExamSession,
    PassMark,
    SessionExaminer,
)
from ..rules import (
    check_scores,
    plain,
    result_verdict,
    status_error,
)
from .common import _assign, _lock_session, _require_manage_some, _require_person
from .examiners import (
    _taught_conflict,
    qualification_problem,
)

Status = ExamSession.Status


# --- Pass marks ---------------------------------------------------------------------------------


def pass_mark_for(certificate_type: CertificateType) -> PassMark:
    """The type's pass marks; an unsaved default (60 of 100 for each part) when none is set."""
    try:
        return certificate_type.pass_mark
    except PassMark.DoesNotExist:
        return PassMark(certificate_type=certificate_type)


@transaction.atomic
def pass_mark_set(
    *,
    actor: Actor,
    certificate_type: CertificateType,
    theory: Decimal,
    practical: Decimal,
    theory_full: Decimal = Decimal(100),
    practical_full: Decimal = Decimal(100),
) -> PassMark:
    """Set the pass marks of a certificate type. Results already entered keep their verdict:
    a pass mark is not applied retroactively."""
    _require_manage_some(actor)
    mark, created = PassMark.objects.select_for_update().get_or_create(
        certificate_type=certificate_type,
        defaults={
            "theory": theory,
            "practical": practical,
            "theory_full": theory_full,
            "practical_full": practical_full,
        },
    )
    if not created:
        changed = _assign(
            mark,
            ("theory", "practical", "theory_full", "practical_full"),
            {
                "theory": theory,
                "practical": practical,
                "theory_full": theory_full,
                "practical_full": practical_full,
            },
        )
        if not changed:
            return mark
        mark.save(update_fields=list(changed))
    audit.log(
        actor,
        "assessment.pass_mark.set",
        mark,
        data={"theory": str(theory), "practical": str(practical)},
    )
    return mark


def examiner_may_score(*, examiner: User, candidate: Candidate) -> SessionExaminer:
    """The examiner's assignment to the candidate's room, if they may score the candidate:
    assigned there, qualified for the type and level on the session date, and not the
    instructor of the candidate's training program (invariant 7). ``PermissionDenied``
    otherwise, with the reason."""
    session = candidate.session
    assignment = (
        SessionExaminer.objects.filter(session_room_id=candidate.session_room_id, examiner=examiner)
        .select_related("qualification")
        .first()
    )
    if assignment is None:
        raise PermissionDenied(ERR_NOT_ASSIGNED.format(name=candidate.account.name))
    if not assignment.qualification.covers(
        certificate_type_id=session.certificate_type_id, level=session.level, day=session.date
    ):
        qualification, problem = qualification_problem(examiner=examiner, session=session)
        if qualification is None:
            raise PermissionDenied(problem)
    conflict = _taught_conflict({examiner.pk}, [candidate])
    if conflict is not None:
        raise PermissionDenied(
            ERR_EXAMINER_TAUGHT.format(
                examiner=examiner, candidate=candidate.account.name, program=conflict[2].title
            )
        )
    return assignment


@transaction.atomic
def result_enter(
    *,
    actor: Actor,
    candidate: Candidate,
    theory_score: Decimal | None,
    practical_score: Decimal | None,
    absent: bool = False,
) -> ExamResult | None:
    """An examiner enters (or corrects) a candidate's scores while the session is being scored.

    Only an examiner assigned to the candidate's room and qualified on the session date may
    (``PermissionDenied`` otherwise, invariant 7). Each change is audited with the old and new
    values; entering the same values again changes nothing. Returns the result (None when
    nothing was entered for a candidate without one)."""
    examiner = _require_person(actor)
    session = _lock_session(candidate.session)
    candidate.session = session
    if session.status not in (Status.IN_PROGRESS, Status.SCORED):
        raise status_error(session, "录入成绩")
    examiner_may_score(examiner=examiner, candidate=candidate)
    pass_mark = pass_mark_for(session.certificate_type)
    check_scores(pass_mark, theory_score, practical_score, absent)
    passed = result_verdict(pass_mark, theory_score, practical_score, absent)
    result = ExamResult.objects.select_for_update().filter(candidate=candidate).first()
    new = {
        "absent": absent,
        "theory_score": theory_score,
        "practical_score": practical_score,
        "passed": passed,
    }
    if result is None:
        if not absent and theory_score is None and practical_score is None:
            return None
        result = ExamResult.objects.create(
            candidate=candidate, source=ExamResult.Source.MANUAL, entered_by=examiner, **new
        )
        audit.log(
            actor,
            "assessment.result.entered",
            result,
            data={"candidate": candidate.pk, **{k: plain(v) for k, v in new.items()}},
        )
        return result
    old = {name: getattr(result, name) for name in new}
    if old == new:
        return result
    for name, value in new.items():
        setattr(result, name, value)
    result.source = ExamResult.Source.MANUAL
    result.entered_by = examiner
    result.save(update_fields=[*new, "source", "entered_by", "updated_at"])
    audit.log(
        actor,
        "assessment.result.changed",
        result,
        data={
            "candidate": candidate.pk,
            "old": {k: plain(v) for k, v in old.items()},
            "new": {k: plain(v) for k, v in new.items()},
        },
    )
    return result
