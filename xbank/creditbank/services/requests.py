"""Recognition requests (认定申请) and their two-level review: a learner applies (or staff start
a batch for a cohort), the school reviews first (初审), academic affairs approves last (终审) and
the engine's proposal is posted; a rejection may be appealed once, a request withdrawn while
open. Three different people: the submitter, the school reviewer and the final approver.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.accounts.notifications import notification_send, notifications_send
from xbank.audit import services as audit
from xbank.catalog.models import LEVEL_RANK, CertificateType, Curriculum
from xbank.core.actors import Actor, is_system
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind

from .. import engine, ledger, selectors
from ..errors import (
    ERR_ALREADY_POSTED,
    ERR_APPEAL_EVIDENCE,
    ERR_APPEAL_ONCE,
    ERR_BATCH_EMPTY,
    ERR_NO_CURRICULUM,
    ERR_NO_OUTCOMES,
    ERR_OUTCOME_COURSE_RESULT,
    ERR_OUTCOME_IN_OPEN_REQUEST,
    ERR_OUTCOME_NOT_OWN,
    ERR_OUTCOME_RECOGNISED,
    ERR_OUTCOME_REVOKED,
    ERR_PERSON_REQUIRED,
    ERR_REASON_REQUIRED,
    ERR_SAME_PERSON,
    ERR_STATE,
)
from ..models import (
    CreditEntry,
    Exemption,
    RecognitionBatch,
    RecognitionRequest,
    RequestEvent,
    RequestLine,
)
from ..rules import fmt
from .common import _acting, _person, _require


def request_url(request: RecognitionRequest) -> str:
    """The request's page for notifications (empty until the pages exist)."""
    try:
        return reverse("creditbank:request-detail", kwargs={"code": request.code})
    except NoReverseMatch:
        return ""


def _lock_request(request: RecognitionRequest) -> RecognitionRequest:
    """The request row, locked until the transaction ends: concurrent reviews take turns."""
    return (
        RecognitionRequest.objects.select_for_update(of=("self",))
        .select_related("learner__account", "curriculum__major")
        .get(pk=request.pk)
    )


def _expect(request: RecognitionRequest, *statuses: str) -> None:
    if request.status not in statuses:
        raise ValidationError(ERR_STATE.format(status=request.get_status_display()), code="state")


def _event(
    request: RecognitionRequest, *, actor: Actor, action: str, from_status: str, note: str = ""
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        actor=_person(actor),
        action=action,
        from_status=from_status,
        to_status=request.status,
        note=note,
    )


def _parties(request: RecognitionRequest) -> set[int]:
    """People who may not review this request: its submitter, appellant and the learner."""
    ids = {request.submitted_by_id, request.appealed_by_id, request.learner.account.user_id}
    return {i for i in ids if i is not None}


def _different_people(actor: Actor, request: RecognitionRequest, *others: int | None) -> None:
    if is_system(actor):
        return
    if actor.pk in _parties(request) or actor.pk in {o for o in others if o is not None}:
        raise ValidationError(ERR_SAME_PERSON, code="same_person")


def _notify_learner(request: RecognitionRequest, title: str, body: str = "") -> None:
    notification_send(
        recipient=request.learner.account.user,
        title=title,
        body=body,
        url=request_url(request),
    )


def _staff(
    role: str, *, institution_id: int, school_id: int | None = None, major_id: int | None = None
) -> list[User]:
    """Users holding ``role`` for a learner's institution (or, for school staff, school/major)."""
    qs = RoleAssignment.objects.filter(role=role).select_related("user")
    if role == Role.SCHOOL_STAFF:
        qs = qs.filter(Q(school_id=school_id) | Q(major_id=major_id))
    else:
        qs = qs.filter(institution_id=institution_id, school__isnull=True, major__isnull=True)
    return [ra.user for ra in qs.order_by("user_id")]


def _notify_reviewers(request: RecognitionRequest, role: str, title: str) -> None:
    learner = request.learner
    notifications_send(
        recipients=[
            u
            for u in _staff(
                role,
                institution_id=learner.institution_id,
                school_id=learner.school_id,
                major_id=learner.major_id,
            )
            if u.pk not in _parties(request)
        ],
        title=title,
        body=f"{learner.account.name}（{request.curriculum}）的认定申请 {request.code} 待您审核。",
        url=request_url(request),
    )


def _evaluate(request: RecognitionRequest, *, on: datetime.date) -> engine.Proposal:
    """The engine on the request's outcomes, against fresh state from the database."""
    curriculum = Curriculum.objects.select_related("major").get(pk=request.curriculum_id)
    state = engine.load_states([(request.account_id, curriculum)])[
        (request.account_id, curriculum.pk)
    ]
    book = engine.load_rulebook(institution_ids=[curriculum.major.institution_id])
    outcomes = list(request.outcomes.select_related("certificate_type").order_by("id"))
    return engine.evaluate(state=state, outcomes=outcomes, book=book, on=on)


def _save_lines(
    request: RecognitionRequest,
    proposal: engine.Proposal,
    entries: dict[str, CreditEntry] | None = None,
) -> list[RequestLine]:
    RequestLine.objects.filter(request=request).delete()
    entries = entries or {}
    return RequestLine.objects.bulk_create(
        RequestLine(
            request=request,
            position=i,
            outcome=line.outcome,
            rule=line.rule,
            kind=line.kind,
            course=line.course,
            module=line.module,
            category=line.category,
            credits=line.credits,
            result=line.result,
            explanation=line.explanation,
            entry=entries.get(line.posting_key) if line.counted else None,
        )
        for i, line in enumerate(proposal.lines)
    )


def _summary(proposal: engine.Proposal) -> str:
    granted = proposal.granted
    courses = [
        ln.exempted_course.name
        for ln in granted
        if ln.kind == RequestLine.Kind.EXEMPTION and ln.module is None
    ]
    credits = sum((ln.credits for ln in granted), Decimal("0"))
    if not granted:
        return "按现行规则与上限，本申请没有可计入的免修或学分。"
    parts = []
    if courses:
        parts.append(f"免修课程 {len(courses)} 门（{'、'.join(courses)}）")
    parts.append(f"计入转换学分 {fmt(credits)}")
    return "，".join(parts) + "。"


def _check_outcomes(
    learner: Learner, outcomes: list[LearningOutcome], curriculum: Curriculum
) -> None:
    if not outcomes:
        raise ValidationError(ERR_NO_OUTCOMES, code="no_outcomes")
    for outcome in outcomes:
        if outcome.account_id != learner.account_id:
            raise ValidationError(ERR_OUTCOME_NOT_OWN, code="not_own")
        if outcome.status == LearningOutcome.Status.REVOKED:
            raise ValidationError(ERR_OUTCOME_REVOKED.format(title=outcome.title), code="revoked")
        if outcome.kind == OutcomeKind.COURSE_RESULT:
            raise ValidationError(ERR_OUTCOME_COURSE_RESULT, code="course_result")
    recognised = (
        LearningOutcome.objects.filter(pk__in=[o.pk for o in outcomes])
        .filter(selectors.outcome_recognised_q(curriculum))
        .values_list("title", flat=True)
        .order_by("id")
        .first()
    )
    if recognised is not None:
        raise ValidationError(ERR_OUTCOME_RECOGNISED.format(title=recognised), code="recognised")
    open_request = (
        RecognitionRequest.outcomes.through.objects.filter(
            learningoutcome__in=outcomes,
            recognitionrequest__curriculum=curriculum,
            recognitionrequest__status__in=RecognitionRequest.OPEN_STATUSES,
        )
        .values_list("recognitionrequest__code", "learningoutcome__title")
        .first()
    )
    if open_request is not None:
        raise ValidationError(
            ERR_OUTCOME_IN_OPEN_REQUEST.format(code=open_request[0], title=open_request[1]),
            code="open_request",
        )


def _create_request(
    *,
    actor: User,
    learner: Learner,
    curriculum: Curriculum,
    outcomes: list[LearningOutcome],
    evidence_text: str,
    evidence_file: UploadedFile | None,
    batch: RecognitionBatch | None,
    on: datetime.date,
) -> RecognitionRequest:
    request = RecognitionRequest.objects.create(
        learner=learner,
        account_id=learner.account_id,
        curriculum=curriculum,
        origin=RecognitionRequest.Origin.BATCH if batch else RecognitionRequest.Origin.LEARNER,
        batch=batch,
        evidence_text=evidence_text,
        evidence_file=evidence_file or "",
        submitted_by=actor,
    )
    request.outcomes.set(outcomes)
    _event(request, actor=actor, action=RequestEvent.Action.SUBMITTED, from_status="")
    proposal = _evaluate(request, on=on)
    _save_lines(request, proposal)
    audit.log(
        actor,
        "creditbank.request.submitted",
        request,
        data={"outcomes": [o.pk for o in outcomes], "batch": batch.pk if batch else None},
    )
    _notify_learner(
        request,
        "学分认定申请已提交" if batch is None else "学校已为您发起学分认定申请",
        f"申请编号 {request.code}，等待二级学院初审。预计：{_summary(proposal)}",
    )
    return request


@transaction.atomic
def recognition_submit(
    *,
    actor: Actor,
    learner: Learner,
    outcomes: Iterable[LearningOutcome],
    evidence_text: str = "",
    evidence_file: UploadedFile | None = None,
    on: datetime.date | None = None,
) -> RecognitionRequest:
    """A learner applies (or staff apply for them): the engine proposes the conversions, with an
    explanation for each, and the request waits for the school's first review."""
    person = _person(_acting(actor))
    if person is None:  # the system applies for no one
        raise ValidationError(ERR_PERSON_REQUIRED, code="person_required")
    _require(selectors.may_act_for_learner(person, learner), person)
    curriculum = selectors.curriculum_for(learner)
    if curriculum is None:
        raise ValidationError(ERR_NO_CURRICULUM, code="no_curriculum")
    outcomes = list(outcomes)
    _check_outcomes(learner, outcomes, curriculum)
    request = _create_request(
        actor=person,
        learner=learner,
        curriculum=curriculum,
        outcomes=outcomes,
        evidence_text=evidence_text,
        evidence_file=evidence_file,
        batch=None,
        on=on or timezone.localdate(),
    )
    _notify_reviewers(request, Role.SCHOOL_STAFF, "有新的学分认定申请待初审")
    return request


@transaction.atomic
def recognition_batch_start(
    *,
    actor: Actor,
    curriculum: Curriculum,
    certificate_type: CertificateType,
    min_level: str = "",
    evidence_text: str = "",
    on: datetime.date | None = None,
) -> RecognitionBatch:
    """Staff start recognition for a cohort (e.g. every 2023 nursing student holding 老年照护
    中级): one request per learner holding the certificate at that level or above, except
    those with an open request for it or whose certificate was already recognised."""
    person = _person(_acting(actor))
    if person is None:  # the system starts no batch
        raise ValidationError(ERR_PERSON_REQUIRED, code="person_required")
    curriculum = Curriculum.objects.select_related("major").get(pk=curriculum.pk)
    _require(selectors.may_start_batch(person, curriculum), person)
    on = on or timezone.localdate()
    learners = {
        lr.account_id: lr
        for lr in Learner.objects.filter(
            kind=Learner.Kind.STUDENT,
            status=Learner.Status.ACTIVE,
            major_id=curriculum.major_id,
            cohort_year=curriculum.cohort_year,
        ).select_related("account")
    }
    min_rank = LEVEL_RANK.get(min_level, 0)
    held: dict[int, list[LearningOutcome]] = {}
    for outcome in LearningOutcome.objects.filter(
        account_id__in=list(learners),
        certificate_type=certificate_type,
        status=LearningOutcome.Status.VERIFIED,
    ).order_by("id"):
        if LEVEL_RANK.get(outcome.level, 0) >= min_rank:
            held.setdefault(outcome.account_id, []).append(outcome)
    taken = set(
        RecognitionRequest.outcomes.through.objects.filter(
            learningoutcome__in=[o for outcomes in held.values() for o in outcomes],
            recognitionrequest__curriculum=curriculum,
            recognitionrequest__status__in=[
                *RecognitionRequest.OPEN_STATUSES,
                RecognitionRequest.Status.APPROVED,
            ],
        ).values_list("learningoutcome_id", flat=True)
    )
    batch = RecognitionBatch.objects.create(
        curriculum=curriculum,
        certificate_type=certificate_type,
        min_level=min_level,
        evidence_text=evidence_text,
        started_by=person,
    )
    count = 0
    for account_id, outcomes in sorted(held.items()):
        outcomes = [o for o in outcomes if o.pk not in taken]
        if not outcomes:
            continue
        _create_request(
            actor=person,
            learner=learners[account_id],
            curriculum=curriculum,
            outcomes=outcomes,
            evidence_text=evidence_text,
            evidence_file=None,
            batch=batch,
            on=on,
        )
        count += 1
    if count == 0:
        raise ValidationError(ERR_BATCH_EMPTY, code="batch_empty")
    batch.request_count = count
    batch.save(update_fields=["request_count"])
    audit.log(person, "creditbank.batch.started", batch, data={"requests": count})
    return batch


@transaction.atomic
def recognition_school_approve(
    *, actor: Actor, request: RecognitionRequest, note: str = "", on: datetime.date | None = None
) -> RecognitionRequest:
    """First review (初审) by the learner's school; then it goes to academic affairs."""
    request = _lock_request(request)
    _expect(request, RecognitionRequest.Status.SUBMITTED)
    _require(selectors.may_school_review(actor, request.learner), actor)
    _different_people(actor, request)
    from_status = request.status
    request.status = RecognitionRequest.Status.SCHOOL_APPROVED
    request.school_reviewer = _person(actor)
    request.school_reviewed_at = timezone.now()
    request.save(update_fields=["status", "school_reviewer", "school_reviewed_at", "updated_at"])
    _event(
        request,
        actor=actor,
        action=RequestEvent.Action.SCHOOL_APPROVED,
        from_status=from_status,
        note=note,
    )
    _save_lines(request, _evaluate(request, on=on or timezone.localdate()))
    audit.log(actor, "creditbank.request.school_approved", request, data={"note": note})
    _notify_learner(request, "学分认定申请已通过二级学院初审", "等待教务处终审。")
    _notify_reviewers(request, Role.ACADEMIC_AFFAIRS, "有学分认定申请待教务处终审")
    return request


@transaction.atomic
def recognition_approve(
    *, actor: Actor, request: RecognitionRequest, note: str = "", on: datetime.date | None = None
) -> RecognitionRequest:
    """Final approval (终审) by academic affairs: the engine runs again on fresh state under the
    account's lock, and what it grants is posted — exemptions and conversion credits, each line
    explained and linked to its ledger entry."""
    request = _lock_request(request)
    _expect(request, RecognitionRequest.Status.SCHOOL_APPROVED)
    _require(selectors.may_final_approve(actor, request.learner), actor)
    _different_people(actor, request, request.school_reviewer_id)
    on = on or timezone.localdate()
    ledger.lock_account(request.account_id)
    proposal = _evaluate(request, on=on)
    drafts = []
    for line in proposal.granted:
        kind = (
            CreditEntry.Kind.EXEMPTION
            if line.kind == RequestLine.Kind.EXEMPTION
            else CreditEntry.Kind.CONVERSION
        )
        drafts.append(
            ledger.EntryDraft(
                kind=kind,
                credits=line.credits,
                key=f"request:{request.pk}:{line.posting_key}",
                memo=line.explanation,
                curriculum_id=request.curriculum_id,
                course_id=line.course.pk if line.course else None,
                module_id=line.module.pk if line.module else None,
                category=line.category,
                outcome_id=line.outcome.pk,
                rule_id=line.granting_rule.pk,
                request_id=request.pk,
            )
        )
    try:
        with transaction.atomic():
            entries = ledger.post(actor=actor, account_id=request.account_id, drafts=drafts)
            for line, entry in zip(proposal.granted, entries, strict=True):
                if entry.kind == CreditEntry.Kind.EXEMPTION:
                    Exemption.objects.create(
                        account_id=request.account_id,
                        curriculum_id=request.curriculum_id,
                        course=line.exempted_course,
                        module=line.module,
                        credits=line.credits,
                        rule=line.granting_rule,
                        outcome=line.outcome,
                        request=request,
                        entry=entry,
                    )
    except IntegrityError as exc:
        raise ValidationError(ERR_ALREADY_POSTED, code="already_posted") from exc
    by_key = {entry.key.split(":", 2)[2]: entry for entry in entries}
    _save_lines(request, proposal, by_key)
    from_status = request.status
    request.status = RecognitionRequest.Status.APPROVED
    request.final_approver = _person(actor)
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "final_approver", "decided_at", "updated_at"])
    summary = _summary(proposal)
    _event(
        request,
        actor=actor,
        action=RequestEvent.Action.APPROVED,
        from_status=from_status,
        note="；".join(filter(None, [note, summary])),
    )
    audit.log(
        actor,
        "creditbank.request.approved",
        request,
        data={
            "entries": [e.pk for e in entries],
            "rules": sorted({ln.granting_rule.label for ln in proposal.granted}),
            "credits": str(sum((e.credits for e in entries), Decimal("0"))),
        },
    )
    _notify_learner(request, "学分认定申请已通过", summary)
    return request


@transaction.atomic
def recognition_reject(
    *, actor: Actor, request: RecognitionRequest, reason: str
) -> RecognitionRequest:
    """Reject at either level (初审 or 终审); a reason is required. The learner may appeal once."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    request = _lock_request(request)
    _expect(request, *RecognitionRequest.OPEN_STATUSES)
    from_status = request.status
    fields = ["status", "rejection_reason", "updated_at"]
    if request.status == RecognitionRequest.Status.SUBMITTED:
        _require(selectors.may_school_review(actor, request.learner), actor)
        _different_people(actor, request)
        request.school_reviewer = _person(actor)
        request.school_reviewed_at = timezone.now()
        fields += ["school_reviewer", "school_reviewed_at"]
        action = RequestEvent.Action.SCHOOL_REJECTED
    else:
        _require(selectors.may_final_approve(actor, request.learner), actor)
        _different_people(actor, request, request.school_reviewer_id)
        request.final_approver = _person(actor)
        request.decided_at = timezone.now()
        fields += ["final_approver", "decided_at"]
        action = RequestEvent.Action.REJECTED
    request.status = RecognitionRequest.Status.REJECTED
    request.rejection_reason = reason
    request.save(update_fields=fields)
    _event(request, actor=actor, action=action, from_status=from_status, note=reason)
    audit.log(actor, "creditbank.request.rejected", request, data={"reason": reason})
    appeal = "可在收到通知后提出一次申诉。" if request.appeal_count == 0 else "申诉机会已用。"
    _notify_learner(request, "学分认定申请未通过", f"原因：{reason}。{appeal}")
    return request


@transaction.atomic
def recognition_appeal(
    *,
    actor: Actor,
    request: RecognitionRequest,
    text: str,
    file: UploadedFile | None = None,
    on: datetime.date | None = None,
) -> RecognitionRequest:
    """The learner appeals a rejection, once, with new evidence: the request goes back to the
    school's first review (the reviewers of the first round may review again)."""
    text = (text or "").strip()
    request = _lock_request(request)
    _require(
        selectors.is_learner_self(actor, request.learner) or actor.pk == request.submitted_by_id,
        actor,
    )
    _expect(request, RecognitionRequest.Status.REJECTED)
    if request.appeal_count >= 1:
        raise ValidationError(ERR_APPEAL_ONCE, code="appeal_once")
    if not text and not file:
        raise ValidationError(ERR_APPEAL_EVIDENCE, code="appeal_evidence")
    from_status = request.status
    request.status = RecognitionRequest.Status.SUBMITTED
    request.appeal_count = 1
    request.appealed_by = _person(actor)
    request.appeal_text = text
    if file:
        request.appeal_file = file
    request.school_reviewer = None
    request.school_reviewed_at = None
    request.final_approver = None
    request.decided_at = None
    request.rejection_reason = ""
    request.save(
        update_fields=[
            "status",
            "appeal_count",
            "appealed_by",
            "appeal_text",
            "appeal_file",
            "school_reviewer",
            "school_reviewed_at",
            "final_approver",
            "decided_at",
            "rejection_reason",
            "updated_at",
        ]  # fmt: skip
    )
    _event(
        request,
        actor=actor,
        action=RequestEvent.Action.APPEALED,
        from_status=from_status,
        note=text,
    )
    _save_lines(request, _evaluate(request, on=on or timezone.localdate()))
    audit.log(actor, "creditbank.request.appealed", request, data={"text": text})
    _notify_learner(request, "申诉已提交", "申请已退回二级学院重新审核。")
    _notify_reviewers(request, Role.SCHOOL_STAFF, "有学分认定申诉待初审")
    return request


@transaction.atomic
def recognition_withdraw(*, actor: Actor, request: RecognitionRequest) -> RecognitionRequest:
    """The learner (or the staff who submitted) withdraws a request still under review."""
    request = _lock_request(request)
    _require(
        selectors.is_learner_self(actor, request.learner) or actor.pk == request.submitted_by_id,
        actor,
    )
    _expect(request, *RecognitionRequest.OPEN_STATUSES)
    from_status = request.status
    request.status = RecognitionRequest.Status.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    _event(request, actor=actor, action=RequestEvent.Action.WITHDRAWN, from_status=from_status)
    audit.log(actor, "creditbank.request.withdrawn", request)
    _notify_learner(request, "学分认定申请已撤回")
    return request
