"""Course credits (课程学分): a passed course result posts its credits to the ledger, once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from xbank.audit import services as audit
from xbank.catalog.models import CurriculumCourse
from xbank.core.actors import Actor
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind

from .. import ledger
from ..models import CreditEntry
from ..rules import earns_credits, fmt
from .common import _acting


def _course_rows(account_id: int) -> dict[int, tuple[int, str]]:
    """course id → (curriculum id, category) over the person's student curricula (2 queries)."""
    q = Q(pk__in=[])
    for major_id, cohort in Learner.objects.filter(
        account_id=account_id, kind=Learner.Kind.STUDENT, major__isnull=False
    ).values_list("major_id", "cohort_year"):
        q |= Q(curriculum__major_id=major_id, curriculum__cohort_year=cohort)
    rows: dict[int, tuple[int, str]] = {}
    for course_id, curriculum_id, category in (
        CurriculumCourse.objects.filter(q)
        .order_by("-curriculum__cohort_year", "id")
        .values_list("course_id", "curriculum_id", "category")
    ):
        rows.setdefault(course_id, (curriculum_id, category))
    return rows


@transaction.atomic
def course_credits_post(
    *, actor: Actor, account: LearningAccount, outcomes: Iterable[LearningOutcome]
) -> list[CreditEntry]:
    """Post the credits of one account's passed course results (课程成绩) to the ledger, each
    once (its key is the outcome), in one transaction under the account's lock. Results that
    earn nothing or were posted before are skipped; returns the new entries."""
    _acting(actor)
    todo = {
        f"course:{o.pk}": o for o in outcomes if o.account_id == account.pk and earns_credits(o)
    }
    for key in CreditEntry.objects.filter(key__in=list(todo)).values_list("key", flat=True):
        del todo[key]
    if not todo:
        return []
    rows = _course_rows(account.pk)
    drafts = []
    for key, outcome in todo.items():
        course = outcome.course
        assert course is not None  # earns_credits() keeps the results of a course only
        credits = outcome.credits if outcome.credits is not None else course.credits
        curriculum_id, category = rows[course.pk] if course.pk in rows else (None, "")
        drafts.append(
            ledger.EntryDraft(
                kind=CreditEntry.Kind.COURSE,
                credits=credits,
                key=key,
                memo=f"课程「{course.name}」成绩合格，计 {fmt(credits)} 学分",
                curriculum_id=curriculum_id,
                course_id=course.pk,
                category=category,
                outcome_id=outcome.pk,
            )
        )
    entries = ledger.post(actor=actor, account_id=account.pk, drafts=drafts)
    audit.log(
        actor,
        "creditbank.course_credits.posted",
        account,
        data={"outcomes": [o.pk for o in todo.values()], "entries": [e.pk for e in entries]},
    )
    return entries


def course_credit_post(*, actor: Actor, outcome: LearningOutcome) -> CreditEntry | None:
    """Post one course result; posting it again returns the entry already posted, and a
    result that earns nothing returns None."""
    entries = course_credits_post(actor=actor, account=outcome.account, outcomes=[outcome])
    if entries:
        return entries[0]
    return CreditEntry.objects.filter(key=f"course:{outcome.pk}").first()


def course_credits_sync(*, actor: Actor, account_ids: Iterable[int] | None = None) -> int:
    """Post every passed course result not yet in the ledger (after an import or an API push):
    one transaction per account, so a long run holds no lock for long. Returns how many."""
    _acting(actor)
    qs = LearningOutcome.objects.filter(
        kind=OutcomeKind.COURSE_RESULT,
        status=LearningOutcome.Status.VERIFIED,
        course__isnull=False,
    ).exclude(credit_entries__kind=CreditEntry.Kind.COURSE)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    by_account: dict[int, list[LearningOutcome]] = {}
    for outcome in qs.select_related("course", "account").order_by("account_id", "issued_on", "id"):
        by_account.setdefault(outcome.account_id, []).append(outcome)
    posted = 0
    for outcomes in by_account.values():
        posted += len(
            course_credits_post(actor=actor, account=outcomes[0].account, outcomes=outcomes)
        )
    return posted
