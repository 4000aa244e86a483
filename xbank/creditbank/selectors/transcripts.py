"""The transcript (成绩单) of a learner in their curriculum, and the credentials issued for it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner, LearningOutcome
from xbank.verify.models import Credential

from .. import engine
from ..models import ConversionRule, CreditCategory, CreditEntry
from .credits import CreditSummary, _credit_summaries
from .learners import curriculum_for
from .ledger import exemption_list


@dataclass
class TranscriptCourse:
    code: str
    name: str
    semester: int
    credits: Decimal
    score: Decimal | None = None
    grade: str = ""
    passed_on: datetime.date | None = None


@dataclass
class TranscriptExemption:
    code: str
    name: str  # course, or "course · module"
    semester: int
    credits: Decimal
    rule: ConversionRule
    outcome: LearningOutcome
    granted_at: datetime.datetime


@dataclass
class TranscriptCredit:
    category: str
    credits: Decimal
    rule: ConversionRule
    outcome: LearningOutcome


@dataclass
class Transcript:
    """成绩单: courses passed, courses exempted (with rule version and outcome), conversion
    credits, and the credits earned against those required."""

    learner: Learner
    curriculum: Curriculum
    passed: list[TranscriptCourse]
    exempted: list[TranscriptExemption]
    credits: list[TranscriptCredit]
    summary: CreditSummary
    pending: list[TranscriptCourse]  # curriculum courses neither passed nor exempted


def transcript_get(*, learner: Learner, curriculum: Curriculum | None = None) -> Transcript | None:
    """The transcript of a learner (already fetched through ``access_learner``) in their
    curriculum; None for a learner without one (a social learner). 6 queries."""
    curriculum = curriculum or curriculum_for(learner)
    if curriculum is None:
        return None
    if not Curriculum.major.is_cached(curriculum):
        curriculum = Curriculum.objects.select_related("major__institution").get(pk=curriculum.pk)
    rows = engine.curriculum_courses([curriculum])[curriculum.pk]
    account = learner.account
    entries = list(
        CreditEntry.objects.filter(account=account, reversed_by__isnull=True)
        .filter(Q(kind=CreditEntry.Kind.COURSE) | Q(kind=CreditEntry.Kind.CONVERSION))
        .filter(Q(course_id__in=list(rows)) | Q(curriculum=curriculum))
        .select_related("outcome__certificate_type", "rule")
        .order_by("seq")
    )
    passed_ids = set()
    passed = []
    credits = []
    for entry in entries:
        if entry.kind == CreditEntry.Kind.COURSE and entry.course_id in rows:
            if entry.course_id in passed_ids:
                continue
            passed_ids.add(entry.course_id)
            row = rows[entry.course_id]
            passed.append(
                TranscriptCourse(
                    code=row.course.code,
                    name=row.course.name,
                    semester=row.semester,
                    credits=min(entry.credits, row.credits),
                    score=entry.outcome.score if entry.outcome_id else None,
                    grade=entry.outcome.grade if entry.outcome_id else "",
                    passed_on=entry.outcome.issued_on if entry.outcome_id else None,
                )
            )
        elif entry.kind == CreditEntry.Kind.CONVERSION and entry.curriculum_id == curriculum.pk:
            credits.append(
                TranscriptCredit(
                    category=str(CreditCategory(entry.category).label),
                    credits=entry.credits,
                    rule=entry.rule,
                    outcome=entry.outcome,
                )
            )
    exempted = []
    exempted_ids = set()
    for ex in exemption_list(account=account, curriculum=curriculum).select_related(
        "outcome__certificate_type"
    ):
        course_row = rows.get(ex.course_id)
        if ex.module_id is None:
            exempted_ids.add(ex.course_id)
        exempted.append(
            TranscriptExemption(
                code=ex.course.code,
                name=f"{ex.course.name} · {ex.module.name}"
                if ex.module is not None
                else ex.course.name,
                semester=course_row.semester if course_row else 0,
                credits=ex.credits,
                rule=ex.rule,
                outcome=ex.outcome,
                granted_at=ex.granted_at,
            )
        )
    pending = [
        TranscriptCourse(
            code=row.course.code, name=row.course.name, semester=row.semester, credits=row.credits
        )
        for course_id, row in sorted(
            rows.items(), key=lambda kv: (kv[1].semester, kv[1].course.code)
        )
        if course_id not in passed_ids and course_id not in exempted_ids
    ]
    summary = _credit_summaries([account.pk], curriculum, rows)[account.pk]
    passed.sort(key=lambda c: (c.semester, c.code))
    exempted.sort(key=lambda e: (e.semester, e.code))
    return Transcript(
        learner=learner,
        curriculum=curriculum,
        passed=passed,
        exempted=exempted,
        credits=credits,
        summary=summary,
        pending=pending,
    )


def transcript_credential(*, learner: Learner, code: str) -> Credential | None:
    """A transcript credential issued for this learner record, by its code, or None."""
    return Credential.objects.filter(
        code=code,
        kind=Credential.Kind.TRANSCRIPT,
        source_type=Learner._meta.label_lower,
        source_id=str(learner.pk),
    ).first()
