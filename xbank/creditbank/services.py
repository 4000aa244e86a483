"""Writes of the credit bank: rules and their versions, recognition requests and their review,
postings to the ledger, revocations, transcripts.

Every function is ``<entity>_<verb>(*, actor, ...)``, runs in one transaction, checks who may act
(``selectors.may_*``), writes an audit entry, and tells the learner in the app. ``actor=None``
is the system itself (the demo loader, a background task); pages always pass the user.

Posting goes through ``ledger.post``, which locks the learner's account; approvals also lock the
request first, so a request is decided once however many people press the button at once, and
the ledger's unique posting keys refuse a second set of entries even if that lock were bypassed.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment
from xbank.accounts.notifications import notification_send, notifications_send
from xbank.audit import services as audit
from xbank.catalog.models import (
    LEVEL_RANK,
    CertificateType,
    Course,
    CourseModule,
    Curriculum,
    CurriculumCourse,
)
from xbank.catalog.services import ensure_certificate_active
from xbank.learners.models import (
    CERTIFICATE_OUTCOME_KINDS,
    Learner,
    LearningAccount,
    LearningOutcome,
    OutcomeKind,
)
from xbank.orgs.models import Institution
from xbank.verify.models import Credential
from xbank.verify.services import credential_issue, credential_revoke

from . import engine, ledger, selectors
from .models import (
    ConversionPolicy,
    ConversionRule,
    CreditEntry,
    Exemption,
    RecognitionBatch,
    RecognitionRequest,
    RequestEvent,
    RequestLine,
    RuleExemption,
)
from .rules import earns_credits, fmt, outcome_kind_for

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_PERSON_REQUIRED = "认定申请须由具体人员提交"
ERR_RULE_NOT_DRAFT = "只有草稿状态的规则可以修改或发布"
ERR_RULE_NOT_PUBLISHED = "只有已发布的规则可以停用"
ERR_RULE_DRAFT_EXISTS = "该规则已有待发布的草稿（第 {version} 版），请先发布或删除"
ERR_RULE_NO_EFFECT = "规则须至少免修一门课程（或模块），或转换若干学分"
ERR_RULE_CATEGORY = "转换学分须指定学分类别"
ERR_RULE_TYPE_REQUIRED = "证书类成果须指定证书类型"
ERR_RULE_TYPE_KIND = "证书「{name}」与成果类型「{kind}」不符"
ERR_RULE_LEVEL = "证书「{name}」没有「{level}」这一等级"
ERR_RULE_COURSE_INSTITUTION = "课程「{course}」不属于规则所属院校"
ERR_RULE_DATES = "失效日期不能早于生效日期"
ERR_RULE_EFFECTIVE = "新版本的生效日期须晚于当前版本的生效日期（{date}）"
ERR_RULE_RETIRE_DATE = "停用日期不能早于生效日期（{date}）"
ERR_RULE_FIELD = "不能修改规则的「{field}」"
ERR_SHARE_RANGE = "转换学分上限须在 0 到 1 之间（如 0.5 表示 50%）"
ERR_NO_CURRICULUM = "该学习者没有对应的人才培养方案，不能申请学分认定"
ERR_NO_OUTCOMES = "请至少选择一项学习成果"
ERR_OUTCOME_NOT_OWN = "所选学习成果不属于该学习者"
ERR_OUTCOME_REVOKED = "成果「{title}」已撤销，不能申请认定"
ERR_OUTCOME_COURSE_RESULT = "课程成绩直接计入学分，无需申请认定"
ERR_OUTCOME_IN_OPEN_REQUEST = "成果「{title}」已在办理中的申请（{code}）里"
ERR_STATE = "申请当前状态为「{status}」，不能执行此操作"
ERR_SAME_PERSON = "提交人、二级学院审核人与教务处审批人须为三位不同人员"
ERR_REASON_REQUIRED = "不通过须填写原因"
ERR_APPEAL_ONCE = "每项申请只能申诉一次"
ERR_APPEAL_EVIDENCE = "申诉须提供新的佐证说明或材料"
ERR_ALREADY_POSTED = "该申请已记账，不能重复审批"
ERR_BATCH_EMPTY = "该年级没有持有此证书（达到所选等级）且尚未认定的学生"
ERR_REVERSE_REASON = "冲正须填写原因"
ERR_REVERSE_KIND = "冲正流水不能再冲正"
ERR_ALREADY_REVERSED = "该流水已冲正"

RULE_FIELDS = (
    "name", "description", "outcome_kind", "certificate_type", "min_level", "min_score",
    "max_age_years", "issuer", "credits", "credit_category", "exclusive_group",
    "effective_from", "effective_to",
)  # fmt: skip


def _require(allowed: bool, actor) -> None:
    """Pages always pass their user; ``None`` is the system (demo loader, tasks)."""
    if actor is not None and not allowed:
        raise ValidationError(ERR_NOT_ALLOWED, code="forbidden")


def request_url(request: RecognitionRequest) -> str:
    """The request's page for notifications (empty until the pages exist)."""
    try:
        return reverse("creditbank:request-detail", kwargs={"code": request.code})
    except NoReverseMatch:
        return ""


# --- Rules ---------------------------------------------------------------------------------------


def _validate_rule(rule: ConversionRule, exemptions: list[tuple[Course, CourseModule | None]]):
    # Read again: the caller's copy may predate a cancellation (invariant 5).
    ct = CertificateType.objects.filter(pk=rule.certificate_type_id).first()
    if rule.outcome_kind in CERTIFICATE_OUTCOME_KINDS and ct is None:
        raise ValidationError(ERR_RULE_TYPE_REQUIRED, code="type_required")
    if ct is not None:
        ensure_certificate_active(ct)
        if outcome_kind_for(ct) != rule.outcome_kind:
            raise ValidationError(
                ERR_RULE_TYPE_KIND.format(name=ct.name, kind=OutcomeKind(rule.outcome_kind).label),
                code="type_kind",
            )
        if rule.min_level and ct.levels and rule.min_level not in ct.levels:
            raise ValidationError(
                ERR_RULE_LEVEL.format(name=ct.name, level=rule.get_min_level_display()),
                code="level",
            )
    for course, _module in exemptions:
        if rule.institution_id is not None and course.institution_id != rule.institution_id:
            raise ValidationError(
                ERR_RULE_COURSE_INSTITUTION.format(course=course.name), code="course_institution"
            )
    if not exemptions and not rule.credits:
        raise ValidationError(ERR_RULE_NO_EFFECT, code="no_effect")
    if rule.credits and not rule.credit_category:
        raise ValidationError(ERR_RULE_CATEGORY, code="category")
    if not rule.credits:
        rule.credit_category = ""
    if rule.effective_to is not None and rule.effective_to < rule.effective_from:
        raise ValidationError(ERR_RULE_DATES, code="dates")


def _targets(
    courses: Iterable[Course] = (), modules: Iterable[CourseModule] = ()
) -> list[tuple[Course, CourseModule | None]]:
    return [(c, None) for c in courses] + [(m.course, m) for m in modules]


def _set_exemptions(rule: ConversionRule, targets: list[tuple[Course, CourseModule | None]]):
    RuleExemption.objects.filter(rule=rule).delete()
    RuleExemption.objects.bulk_create(
        RuleExemption(rule=rule, course=course, module=module) for course, module in targets
    )


def _rule_data(rule: ConversionRule) -> dict:
    return {
        "code": rule.code,
        "version": rule.version,
        "status": rule.status,
        "certificate_type": rule.certificate_type_id,
        "min_level": rule.min_level,
        "credits": str(rule.credits),
        "exemptions": [
            [ex.course_id, ex.module_id] for ex in RuleExemption.objects.filter(rule=rule)
        ],
        "effective_from": str(rule.effective_from),
    }


@transaction.atomic
def rule_create(
    *,
    actor,
    name: str,
    outcome_kind: str,
    effective_from: datetime.date,
    institution: Institution | None = None,
    certificate_type: CertificateType | None = None,
    min_level: str = "",
    min_score: Decimal | None = None,
    max_age_years: int | None = None,
    issuer: str = "",
    credits: Decimal | int = 0,
    credit_category: str = "",
    exclusive_group: str = "",
    effective_to: datetime.date | None = None,
    courses: Iterable[Course] = (),
    modules: Iterable[CourseModule] = (),
    description: str = "",
    code: str = "",
) -> ConversionRule:
    """A new rule (version 1, draft). Regional rules (``institution=None``) are the bank's."""
    _require(selectors.may_manage_rules(actor, institution), actor)
    rule = ConversionRule(
        code=code or f"R{secrets.token_hex(3).upper()}",
        version=1,
        institution=institution,
        name=name,
        description=description,
        outcome_kind=outcome_kind,
        certificate_type=certificate_type,
        min_level=min_level,
        min_score=min_score,
        max_age_years=max_age_years,
        issuer=issuer,
        credits=Decimal(credits),
        credit_category=credit_category,
        exclusive_group=exclusive_group,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    targets = _targets(courses, modules)
    _validate_rule(rule, targets)
    rule.save()
    _set_exemptions(rule, targets)
    audit.log(actor, "creditbank.rule.created", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_update(
    *,
    actor,
    rule: ConversionRule,
    courses: Iterable[Course] | None = None,
    modules: Iterable[CourseModule] | None = None,
    **changes,
) -> ConversionRule:
    """Edit a draft. ``courses``/``modules``, when given, replace the exempted courses."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise ValidationError(ERR_RULE_FIELD.format(field=name), code="field")
        setattr(rule, name, value)
    rule.credits = Decimal(rule.credits)
    if courses is None and modules is None:
        targets = [(ex.course, ex.module) for ex in rule.exemptions.select_related("course")]
    else:
        targets = _targets(courses or (), modules or ())
    _validate_rule(rule, targets)
    rule.save()
    if courses is not None or modules is not None:
        _set_exemptions(rule, targets)
    audit.log(actor, "creditbank.rule.updated", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_revise(
    *,
    actor,
    rule: ConversionRule,
    effective_from: datetime.date,
    courses: Iterable[Course] | None = None,
    modules: Iterable[CourseModule] | None = None,
    **changes,
) -> ConversionRule:
    """Editing a published rule: a new draft version (number + 1) with its own dates, copied
    from the latest version and changed as given. Publishing it retires the current one."""
    family = list(ConversionRule.objects.select_for_update().filter(code=rule.code))
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    draft = next((r for r in family if r.is_draft), None)
    if draft is not None:
        raise ValidationError(
            ERR_RULE_DRAFT_EXISTS.format(version=draft.version), code="draft_exists"
        )
    latest = max(family, key=lambda r: r.version)
    new = ConversionRule(
        code=latest.code,
        version=latest.version + 1,
        institution=latest.institution,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{name: getattr(latest, name) for name in RULE_FIELDS},
    )
    new.effective_from = effective_from
    new.effective_to = None
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise ValidationError(ERR_RULE_FIELD.format(field=name), code="field")
        setattr(new, name, value)
    new.credits = Decimal(new.credits)
    if courses is None and modules is None:
        targets = [(ex.course, ex.module) for ex in latest.exemptions.select_related("course")]
    else:
        targets = _targets(courses or (), modules or ())
    _validate_rule(new, targets)
    new.save()
    _set_exemptions(new, targets)
    audit.log(
        actor,
        "creditbank.rule.revised",
        new,
        data={**_rule_data(new), "from_version": latest.version},
    )
    return new


@transaction.atomic
def rule_publish(*, actor, rule: ConversionRule) -> ConversionRule:
    """Publish a draft. The family's current version is retired from this version's first day,
    so exactly one version is in force on any day (decisions record which)."""
    family = {r.pk: r for r in ConversionRule.objects.select_for_update().filter(code=rule.code)}
    rule = family[rule.pk]
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    ensure_certificate_active(rule.certificate_type)
    current = next(
        (r for r in family.values() if r.status == ConversionRule.Status.PUBLISHED), None
    )
    if current is not None:
        if rule.effective_from <= current.effective_from:
            raise ValidationError(
                ERR_RULE_EFFECTIVE.format(date=current.effective_from), code="effective"
            )
        current.status = ConversionRule.Status.RETIRED
        ends_on = current.ends_on
        if ends_on is None or ends_on > rule.effective_from:
            current.retired_on = rule.effective_from
        current.save(update_fields=["status", "retired_on"])
        audit.log(
            actor,
            "creditbank.rule.retired",
            current,
            data={"retired_on": str(current.retired_on), "superseded_by": rule.version},
        )
    rule.status = ConversionRule.Status.PUBLISHED
    rule.published_at = timezone.now()
    rule.save(update_fields=["status", "published_at"])
    audit.log(actor, "creditbank.rule.published", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_retire(*, actor, rule: ConversionRule, on: datetime.date | None = None) -> ConversionRule:
    """Stop a published rule from ``on`` (today). Cohorts enrolled while it was in force keep
    it (grandfathering); later cohorts no longer get it."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if rule.status != ConversionRule.Status.PUBLISHED:
        raise ValidationError(ERR_RULE_NOT_PUBLISHED, code="not_published")
    on = on or timezone.localdate()
    if on < rule.effective_from:
        raise ValidationError(
            ERR_RULE_RETIRE_DATE.format(date=rule.effective_from), code="retire_date"
        )
    rule.status = ConversionRule.Status.RETIRED
    rule.retired_on = on
    rule.save(update_fields=["status", "retired_on"])
    audit.log(actor, "creditbank.rule.retired", rule, data={"retired_on": str(on)})
    return rule


@transaction.atomic
def rule_discard(*, actor, rule: ConversionRule) -> None:
    """Delete a draft that will not be published (published versions are never deleted)."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    audit.log(actor, "creditbank.rule.discarded", rule, data=_rule_data(rule))
    rule.delete()


@transaction.atomic
def policy_set(
    *, actor, institution: Institution, max_converted_share: Decimal
) -> ConversionPolicy:
    """Set an institution's cap on converted credits (share of the curriculum's total)."""
    _require(selectors.may_manage_rules(actor, institution), actor)
    share = Decimal(max_converted_share)
    if not (0 <= share <= 1):
        raise ValidationError(ERR_SHARE_RANGE, code="share")
    policy, _ = ConversionPolicy.objects.update_or_create(
        institution=institution, defaults={"max_converted_share": share}
    )
    audit.log(actor, "creditbank.policy.set", policy, data={"max_converted_share": str(share)})
    return policy


# --- Course credits ---------------------------------------------------------------------------------


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
    *, actor, account: LearningAccount, outcomes: Iterable[LearningOutcome]
) -> list[CreditEntry]:
    """Post the credits of one account's passed course results (课程成绩) to the ledger, each
    once (its key is the outcome), in one transaction under the account's lock. Results that
    earn nothing or were posted before are skipped; returns the new entries."""
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
        credits = outcome.credits if outcome.credits is not None else outcome.course.credits
        curriculum_id, category = rows.get(outcome.course_id, (None, ""))
        drafts.append(
            ledger.EntryDraft(
                kind=CreditEntry.Kind.COURSE,
                credits=credits,
                key=key,
                memo=f"课程「{outcome.course.name}」成绩合格，计 {fmt(credits)} 学分",
                curriculum_id=curriculum_id,
                course_id=outcome.course_id,
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


def course_credit_post(*, actor, outcome: LearningOutcome) -> CreditEntry | None:
    """Post one course result; posting it again returns the entry already posted, and a
    result that earns nothing returns None."""
    entries = course_credits_post(actor=actor, account=outcome.account, outcomes=[outcome])
    if entries:
        return entries[0]
    return CreditEntry.objects.filter(key=f"course:{outcome.pk}").first()


def course_credits_sync(*, actor, account_ids: Iterable[int] | None = None) -> int:
    """Post every passed course result not yet in the ledger (after an import or an API push):
    one transaction per account, so a long run holds no lock for long. Returns how many."""
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


# --- Recognition requests ------------------------------------------------------------------------------


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


def _event(request, *, actor, action, from_status, note="") -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=request.status,
        note=note,
    )


def _parties(request: RecognitionRequest) -> set[int]:
    """People who may not review this request: its submitter, appellant and the learner."""
    ids = {request.submitted_by_id, request.appealed_by_id, request.learner.account.user_id}
    return {i for i in ids if i is not None}


def _different_people(actor, request: RecognitionRequest, *others: int | None) -> None:
    if actor is None:
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


def _staff(role: str, *, institution_id: int, school_id=None, major_id=None):
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
        ln.course.name
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


def _check_outcomes(learner: Learner, outcomes: list[LearningOutcome], curriculum) -> None:
    if not outcomes:
        raise ValidationError(ERR_NO_OUTCOMES, code="no_outcomes")
    for outcome in outcomes:
        if outcome.account_id != learner.account_id:
            raise ValidationError(ERR_OUTCOME_NOT_OWN, code="not_own")
        if outcome.status == LearningOutcome.Status.REVOKED:
            raise ValidationError(ERR_OUTCOME_REVOKED.format(title=outcome.title), code="revoked")
        if outcome.kind == OutcomeKind.COURSE_RESULT:
            raise ValidationError(ERR_OUTCOME_COURSE_RESULT, code="course_result")
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
    actor,
    learner: Learner,
    curriculum: Curriculum,
    outcomes: list[LearningOutcome],
    evidence_text: str,
    evidence_file,
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
    actor,
    learner: Learner,
    outcomes: Iterable[LearningOutcome],
    evidence_text: str = "",
    evidence_file=None,
    on: datetime.date | None = None,
) -> RecognitionRequest:
    """A learner applies (or staff apply for them): the engine proposes the conversions, with an
    explanation for each, and the request waits for the school's first review."""
    if actor is None:
        raise ValidationError(ERR_PERSON_REQUIRED, code="person_required")
    _require(selectors.may_act_for_learner(actor, learner), actor)
    curriculum = selectors.curriculum_for(learner)
    if curriculum is None:
        raise ValidationError(ERR_NO_CURRICULUM, code="no_curriculum")
    outcomes = list(outcomes)
    _check_outcomes(learner, outcomes, curriculum)
    request = _create_request(
        actor=actor,
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
    actor,
    curriculum: Curriculum,
    certificate_type: CertificateType,
    min_level: str = "",
    evidence_text: str = "",
    on: datetime.date | None = None,
) -> RecognitionBatch:
    """Staff start recognition for a cohort (e.g. every 2023 nursing student holding 老年照护
    中级): one request per learner holding the certificate at that level or above, except
    those with an open request for it or whose certificate was already recognised."""
    if actor is None:
        raise ValidationError(ERR_PERSON_REQUIRED, code="person_required")
    curriculum = Curriculum.objects.select_related("major").get(pk=curriculum.pk)
    _require(selectors.may_start_batch(actor, curriculum), actor)
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
        started_by=actor,
    )
    count = 0
    for account_id, outcomes in sorted(held.items()):
        outcomes = [o for o in outcomes if o.pk not in taken]
        if not outcomes:
            continue
        _create_request(
            actor=actor,
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
    audit.log(actor, "creditbank.batch.started", batch, data={"requests": count})
    return batch


@transaction.atomic
def recognition_school_approve(
    *, actor, request: RecognitionRequest, note: str = "", on: datetime.date | None = None
) -> RecognitionRequest:
    """First review (初审) by the learner's school; then it goes to academic affairs."""
    request = _lock_request(request)
    _expect(request, RecognitionRequest.Status.SUBMITTED)
    _require(selectors.may_school_review(actor, request.learner), actor)
    _different_people(actor, request)
    from_status = request.status
    request.status = RecognitionRequest.Status.SCHOOL_APPROVED
    request.school_reviewer = actor
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
    *, actor, request: RecognitionRequest, note: str = "", on: datetime.date | None = None
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
                rule_id=line.rule.pk,
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
                        course=line.course,
                        module=line.module,
                        credits=line.credits,
                        rule=line.rule,
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
    request.final_approver = actor
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
            "rules": sorted({ln.rule.label for ln in proposal.granted}),
            "credits": str(sum((e.credits for e in entries), Decimal("0"))),
        },
    )
    _notify_learner(request, "学分认定申请已通过", summary)
    return request


@transaction.atomic
def recognition_reject(*, actor, request: RecognitionRequest, reason: str) -> RecognitionRequest:
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
        request.school_reviewer = actor
        request.school_reviewed_at = timezone.now()
        fields += ["school_reviewer", "school_reviewed_at"]
        action = RequestEvent.Action.SCHOOL_REJECTED
    else:
        _require(selectors.may_final_approve(actor, request.learner), actor)
        _different_people(actor, request, request.school_reviewer_id)
        request.final_approver = actor
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
    actor,
    request: RecognitionRequest,
    text: str,
    file=None,
    on: datetime.date | None = None,
) -> RecognitionRequest:
    """The learner appeals a rejection, once, with new evidence: the request goes back to the
    school's first review (the reviewers of the first round may review again)."""
    text = (text or "").strip()
    request = _lock_request(request)
    _require(
        actor is not None
        and (
            selectors.is_learner_self(actor, request.learner) or actor.pk == request.submitted_by_id
        ),
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
    request.appealed_by = actor
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
def recognition_withdraw(*, actor, request: RecognitionRequest) -> RecognitionRequest:
    """The learner (or the staff who submitted) withdraws a request still under review."""
    request = _lock_request(request)
    _require(
        actor is not None
        and (
            selectors.is_learner_self(actor, request.learner) or actor.pk == request.submitted_by_id
        ),
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


# --- Reversals and revocation ------------------------------------------------------------------------


def _reverse(
    *, actor, account_id: int, entries: list[CreditEntry], reason: str
) -> list[CreditEntry]:
    """Post the reversal of each entry and withdraw the exemptions they granted."""
    reversals = ledger.post(
        actor=actor,
        account_id=account_id,
        drafts=[ledger.reversal_draft(e, memo=f"冲正：{reason}") for e in entries],
    )
    now = timezone.now()
    for exemption in Exemption.objects.filter(
        entry__in=entries, status=Exemption.Status.ACTIVE
    ).select_for_update():
        exemption.status = Exemption.Status.WITHDRAWN
        exemption.withdrawn_at = now
        exemption.withdrawn_reason = reason[:200]
        exemption.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return reversals


def _revoke_transcripts(*, actor, learner_ids: Iterable[int], reason: str) -> None:
    """A transcript issued before a reversal no longer tells the truth: revoke it."""
    for credential in Credential.objects.filter(
        kind=Credential.Kind.TRANSCRIPT,
        status=Credential.Status.VALID,
        source_type=Learner._meta.label_lower,
        source_id__in=[str(pk) for pk in learner_ids],
    ):
        credential_revoke(actor=actor, credential=credential, reason=reason)


@transaction.atomic
def entry_reverse(*, actor, entry: CreditEntry, reason: str) -> CreditEntry:
    """Correct a ledger line by a reversing entry (never by editing it): 教务处 of the account's
    institution, or the bank. An exemption it granted is withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REVERSE_REASON, code="reason")
    institutions = set(
        Learner.objects.filter(account_id=entry.account_id).values_list("institution_id", flat=True)
    )
    _require(
        any(selectors.may_manage_rules(actor, Institution(pk=pk)) for pk in institutions),
        actor,
    )
    ledger.lock_account(entry.account_id)
    entry = CreditEntry.objects.get(pk=entry.pk)
    if entry.kind == CreditEntry.Kind.REVERSAL:
        raise ValidationError(ERR_REVERSE_KIND, code="reversal")
    if CreditEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(ERR_ALREADY_REVERSED, code="already_reversed")
    (reversal,) = _reverse(actor=actor, account_id=entry.account_id, entries=[entry], reason=reason)
    audit.log(
        actor, "creditbank.entry.reversed", reversal, data={"reverses": entry.pk, "reason": reason}
    )
    learners = Learner.objects.filter(account_id=entry.account_id)
    _revoke_transcripts(actor=actor, learner_ids=[lr.pk for lr in learners], reason=reason)
    return reversal


@transaction.atomic
def outcome_revoked(*, actor, outcome: LearningOutcome, reason: str) -> list[CreditEntry]:
    """An outcome was revoked (a certificate withdrawn by its issuer): every decision that used
    it is reversed by new entries, its exemptions withdrawn, the requests marked, the learner's
    transcripts revoked, and the learner and the staff who decided notified.

    Called by the ``learners.signals.outcome_revoked`` receiver inside the revoking transaction.
    """
    ids = set(
        CreditEntry.objects.filter(outcome=outcome, request__isnull=False).values_list(
            "request_id", flat=True
        )
    ) | set(outcome.recognition_requests.values_list("pk", flat=True))
    affected_requests = list(
        RecognitionRequest.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("learner__account")
        .order_by("pk")
    )
    ledger.lock_account(outcome.account_id)
    entries = list(
        CreditEntry.objects.filter(
            outcome=outcome,
            kind__in=[
                CreditEntry.Kind.COURSE,
                CreditEntry.Kind.CONVERSION,
                CreditEntry.Kind.EXEMPTION,
            ],
            reversed_by__isnull=True,
        ).order_by("seq")
    )
    memo = f"成果「{outcome.title}」（{outcome.number}）已撤销：{reason}"
    reversals = _reverse(actor=actor, account_id=outcome.account_id, entries=entries, reason=memo)
    reversed_request_ids = {e.request_id for e in entries if e.request_id}
    staff = []
    today = timezone.localdate()
    for request in affected_requests:
        if request.pk in reversed_request_ids:
            still_active = CreditEntry.objects.filter(
                request=request, reversed_by__isnull=True
            ).exclude(kind=CreditEntry.Kind.REVERSAL)
            from_status = request.status
            if not still_active.exists():
                request.status = RecognitionRequest.Status.REVERSED
                request.save(update_fields=["status", "updated_at"])
            _event(
                request,
                actor=actor,
                action=RequestEvent.Action.REVERSED,
                from_status=from_status,
                note=memo,
            )
            audit.log(actor, "creditbank.request.reversed", request, data={"outcome": outcome.pk})
            staff += [request.school_reviewer, request.final_approver]
            _notify_learner(request, "学分认定已冲正", memo)
        elif request.is_open:
            _save_lines(request, _evaluate(request, on=today))
    if entries and not reversed_request_ids:
        notification_send(recipient=outcome.account.user, title="学分流水已冲正", body=memo, url="")
    if reversals:
        learner_ids = list(
            Learner.objects.filter(account_id=outcome.account_id).values_list("pk", flat=True)
        )
        institutions = set(
            Learner.objects.filter(pk__in=learner_ids).values_list("institution_id", flat=True)
        )
        for institution_id in institutions:
            staff += _staff(Role.ACADEMIC_AFFAIRS, institution_id=institution_id)
        notifications_send(
            recipients=[u for u in staff if u is not None],
            title="学习成果撤销，已自动冲正",
            body=f"{outcome.account.name}：{memo}。冲正 {len(reversals)} 条流水。",
        )
        _revoke_transcripts(actor=actor, learner_ids=learner_ids, reason=memo)
        audit.log(
            actor,
            "creditbank.outcome.reversed",
            outcome,
            data={"reversed": [e.pk for e in entries], "reason": reason},
        )
    return reversals


def on_outcome_revoked(sender, *, actor, outcome, reason, **kwargs) -> None:
    """Receiver of ``learners.signals.outcome_revoked`` (connected in ``apps.ready``)."""
    outcome_revoked(actor=actor, outcome=outcome, reason=reason)


# --- Transcripts ------------------------------------------------------------------------------------


@transaction.atomic
def transcript_issue(*, actor, learner: Learner, curriculum: Curriculum) -> Credential:
    """Issue a verifiable transcript (成绩单): a credential whose public page shows the credits
    earned against those required. Revoked automatically if a later reversal changes them."""
    _require(selectors.may_act_for_learner(actor, learner), actor)
    transcript = selectors.transcript_get(learner=learner, curriculum=curriculum)
    if transcript is None:
        raise ValidationError(ERR_NO_CURRICULUM, code="no_curriculum")
    s = transcript.summary
    major = transcript.curriculum.major
    return credential_issue(
        actor=actor,
        kind=Credential.Kind.TRANSCRIPT,
        title=f"{major.name}专业 {transcript.curriculum.cohort_year} 级 成绩单",
        holder_name=learner.account.name,
        issuer=major.institution.name,
        details=[
            ("专业", major.name),
            ("年级", f"{transcript.curriculum.cohort_year} 级"),
            ("已修合格课程", f"{len(transcript.passed)} 门"),
            ("免修课程", f"{len(transcript.exempted)} 门"),
            ("已获学分", f"{fmt(s.total)} / {fmt(s.required)}"),
            ("其中转换学分", fmt(s.converted_counted)),
        ],
        source=learner,
    )


# --- A new certificate proposes a recognition request ----------------------------------------

MSG_AWARD_PROPOSAL_TITLE = "新证书「{title}」可申请学分认定"
MSG_AWARD_PROPOSAL_BODY = (
    "按现行转换规则，这张证书可在《{curriculum}》中{what}。可在“申请认定”中提交申请。"
)


def award_propose(*, outcome: LearningOutcome) -> list[object]:
    """Tell the holder of a newly issued certificate what it would bring in their curriculum, with
    a link to apply (认定申请). Nothing is submitted for them: applying stays the learner's choice
    (or staff start a batch), but nobody has to discover the rule on their own.

    Returns the notifications sent (none when the holder has no login, no curriculum, or no
    published rule converts the certificate)."""
    account = outcome.account
    if account.user_id is None:
        return []
    sent = []
    learners = Learner.objects.filter(
        account=account, kind=Learner.Kind.STUDENT, status=Learner.Status.ACTIVE
    ).select_related("major__institution", "school")
    for learner in learners:
        proposal = selectors.request_preview(learner=learner, outcomes=[outcome])
        if proposal is None or not proposal.granted:
            continue
        parts = []
        exempted = [line.course.name for line in proposal.granted if line.course is not None]
        if exempted:
            parts.append("免修" + "、".join(f"「{name}」" for name in exempted))
        credits = sum((line.credits for line in proposal.granted), Decimal(0))
        if credits:
            parts.append(f"计 {credits} 学分")
        sent.append(
            notification_send(
                recipient=account.user,
                title=MSG_AWARD_PROPOSAL_TITLE.format(title=outcome.title),
                body=MSG_AWARD_PROPOSAL_BODY.format(
                    curriculum=proposal.state.curriculum, what="，".join(parts)
                ),
                url=reverse("creditbank:request-apply"),
            )
        )
    return sent


def on_award_issued(sender, *, award, **kwargs) -> None:
    """Receiver of ``assessment.signals.award_issued``."""
    award_propose(outcome=award.outcome)
