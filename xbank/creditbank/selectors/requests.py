"""Recognition requests and batches, scoped through the learner scope of ``learners.selectors``
(staff see the requests of learners they may see; a learner sees their own), and the engine's
preview of a request before it is submitted."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TypedDict

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xbank.accounts.access import Viewer, grants_for
from xbank.accounts.models import Role, User
from xbank.accounts.scoping import scope_for
from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.scoping import learner_scope_q

from .. import engine
from ..models import CreditEntry, RecognitionBatch, RecognitionRequest, RequestEvent, RequestLine
from .learners import curriculum_for


class RequestFilters(TypedDict, total=False):
    status: str
    curriculum: int
    batch: int
    origin: str


def request_scope_q(user: Viewer) -> Q:
    """Requests of learners in the user's scope; a learner's own requests."""
    scope = scope_for(user)
    if scope.regional:
        return Q()
    q = Q(learner__in=Learner.objects.filter(learner_scope_q(user)).values("pk"))
    if scope.has(Role.LEARNER):
        q |= Q(account__user=user)
    return q


def request_list(
    *, user: Viewer, filters: RequestFilters | None = None
) -> QuerySet[RecognitionRequest]:
    """Requests the user may see, newest first; learner, curriculum, people and outcomes fetched.

    ``filters``: ``status``, ``curriculum``, ``batch``, ``origin``. 2 queries for the page
    (requests with their joined rows; their outcomes).
    """
    qs = (
        RecognitionRequest.objects.filter(request_scope_q(user))
        .select_related(
            "learner__account",
            "learner__major",
            "learner__school",
            "curriculum__major",
            "submitted_by",
            "school_reviewer",
            "final_approver",
        )
        .prefetch_related(
            Prefetch(
                "outcomes", queryset=LearningOutcome.objects.select_related("certificate_type")
            )
        )
        .order_by("-submitted_at", "-id")
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("curriculum"):
        qs = qs.filter(curriculum=filters["curriculum"])
    if filters.get("batch"):
        qs = qs.filter(batch=filters["batch"])
    if filters.get("origin"):
        qs = qs.filter(origin=filters["origin"])
    return qs


def review_queue(*, user: Viewer) -> QuerySet[RecognitionRequest]:
    """Requests waiting for this user: first review for school staff, final for 教务处."""
    if not isinstance(user, User):
        return RecognitionRequest.objects.none()
    q = Q(pk__in=[])
    for ra in grants_for(user).assignments:
        if ra.role == Role.SCHOOL_STAFF:
            where = (
                Q(learner__major_id=ra.major_id)
                if ra.major_id
                else Q(learner__school_id=ra.school_id)
            )
            q |= Q(status=RecognitionRequest.Status.SUBMITTED) & where
        elif ra.role == Role.ACADEMIC_AFFAIRS and not ra.school_id and not ra.major_id:
            q |= Q(
                status=RecognitionRequest.Status.SCHOOL_APPROVED,
                learner__institution_id=ra.institution_id,
            )
    return (
        request_list(user=user)
        .filter(q)
        .exclude(submitted_by=user)
        .exclude(account__user=user)
        .exclude(school_reviewer=user)  # who reviewed first does not approve (three people)
        .order_by("submitted_at", "id")
    )


def request_detail_qs() -> QuerySet[RecognitionRequest]:
    return RecognitionRequest.objects.select_related(
        "learner__account",
        "learner__institution",
        "learner__major",
        "learner__school",
        "curriculum__major",
        "submitted_by",
        "school_reviewer",
        "final_approver",
        "appealed_by",
        "batch",
    ).prefetch_related(
        Prefetch("outcomes", queryset=LearningOutcome.objects.select_related("certificate_type")),
        Prefetch("events", queryset=RequestEvent.objects.select_related("actor")),
        Prefetch(
            "lines",
            queryset=RequestLine.objects.select_related(
                "outcome", "rule", "course", "module", "entry"
            ),
        ),
    )


def access_request(user: Viewer, code: str) -> RecognitionRequest:
    """One request by its code, with history and lines, or 404 if missing or not the user's."""
    try:
        return request_detail_qs().filter(request_scope_q(user)).get(code=code)
    except (RecognitionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such recognition request") from None


def batch_list(*, user: Viewer) -> QuerySet[RecognitionBatch]:
    scope = scope_for(user)
    return (
        RecognitionBatch.objects.filter(
            scope.q(
                institution="curriculum__major__institution",
                school="curriculum__major__school",
                major="curriculum__major",
            )
        )
        .select_related("curriculum__major", "certificate_type", "started_by")
        .order_by("-created_at", "-id")
    )


def outcome_recognised_q(curriculum: Curriculum) -> Q:
    """Outcomes already recognised (已认定) under ``curriculum``: in an approved request, or
    behind converted credits or an exemption in the ledger that no reversal has undone (an
    entry posted before requests existed, or by another route, counts just the same)."""
    in_approved = RecognitionRequest.outcomes.through.objects.filter(
        learningoutcome_id=OuterRef("pk"),
        recognitionrequest__curriculum=curriculum,
        recognitionrequest__status=RecognitionRequest.Status.APPROVED,
    )
    in_ledger = CreditEntry.objects.filter(
        outcome_id=OuterRef("pk"),
        curriculum=curriculum,
        kind__in=CreditEntry.CONVERTED_KINDS,
        reversed_by__isnull=True,
    )
    return Q(Exists(in_approved)) | Q(Exists(in_ledger))


def outcome_pending_q(curriculum: Curriculum) -> Q:
    """Outcomes in a request still under review (submitted or school-approved)."""
    return Q(
        Exists(
            RecognitionRequest.outcomes.through.objects.filter(
                learningoutcome_id=OuterRef("pk"),
                recognitionrequest__curriculum=curriculum,
                recognitionrequest__status__in=RecognitionRequest.OPEN_STATUSES,
            )
        )
    )


def outcomes_for_request(
    *, learner: Learner, include_taken: bool = False
) -> QuerySet[LearningOutcome]:
    """Outcomes a learner may put in a request: verified certificates and other non-course
    outcomes of their account (course results earn credits by themselves), less those already
    recognised or under review for their curriculum, which ``recognition_submit`` refuses.
    ``include_taken`` keeps those too, so that a form can let the service name the one refused."""
    outcomes = LearningOutcome.objects.filter(
        account_id=learner.account_id, status=LearningOutcome.Status.VERIFIED
    ).exclude(kind=OutcomeKind.COURSE_RESULT)
    curriculum = curriculum_for(learner)
    if curriculum is not None and not include_taken:
        outcomes = outcomes.exclude(outcome_recognised_q(curriculum)).exclude(
            outcome_pending_q(curriculum)
        )
    return outcomes.select_related("certificate_type").order_by("-issued_on", "-id")


def request_preview(
    *,
    learner: Learner,
    outcomes: Iterable[LearningOutcome],
    on: datetime.date | None = None,
) -> engine.Proposal | None:
    """What the engine would propose if ``learner`` applied with ``outcomes`` today — the same
    evaluation ``recognition_submit`` runs, without writing. None without a curriculum."""
    curriculum = curriculum_for(learner)
    if curriculum is None:
        return None
    state = engine.load_states([(learner.account_id, curriculum)])[
        (learner.account_id, curriculum.pk)
    ]
    book = engine.load_rulebook(institution_ids=[curriculum.major.institution_id])
    outcomes = sorted(outcomes, key=lambda o: o.pk)
    return engine.evaluate(state=state, outcomes=outcomes, book=book, on=on or timezone.localdate())
