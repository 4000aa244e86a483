"""Writes of pilot management: tasks and milestones, budgets, their review, funding, expenditures
and adjustments. Each function is one transaction, checks the state it starts from and writes
an audit entry. Each takes the ``actor``: a person, who must hold the role the views ask for
(``scoping.PilotScope``, checked again here so that no caller can skip it), or
``core.actors.SYSTEM`` (the demo loader, the tests' worlds), which no role check stops but which
signs nothing: a row that names a person (an expert review, money, evidence, an adjustment) needs
one. The rules that hold whoever calls (four eyes, no overspending, allowed transitions) are
enforced here too.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xbank.accounts.models import Role, User
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor, is_system
from xbank.orgs.models import Department, Institution, Major

from .models import (
    ZERO,
    Budget,
    BudgetAdjustment,
    BudgetCategory,
    BudgetLine,
    BudgetReview,
    Expenditure,
    FundingSource,
    Milestone,
    MilestoneEvidence,
    PilotMajor,
    WorkTask,
)
from .scoping import PilotScope, pilot_scope

ERR_NOT_ALLOWED = "您无权执行此操作"
ERR_MONEY = "金额须为不超过两位小数的数字"
ERR_MONEY_POSITIVE = "金额须大于 0"
ERR_MONEY_NEGATIVE = "金额不能为负数"
ERR_FUTURE_DATE = "日期不能晚于今天"
ERR_OTHER_INSTITUTION = "「{name}」不属于{institution}"
ERR_NO_LEAD = "至少指定一个统筹部门"
ERR_TASK_NUMBER_TAKEN = "序号 {number} 已被其他工作任务使用"
ERR_PILOT_MAJOR_EXISTS = "专业「{major}」已是试点专业"
ERR_NO_CERTIFICATE = "试点专业至少对应一个证书"
ERR_PROGRESS_RANGE = "进度须在 0 到 100 之间"
ERR_PROGRESS_BACKWARDS = "进度不能低于当前的 {current}%"
ERR_MILESTONE_DONE = "该节点已完成；如需继续更新，请先重新打开"
ERR_MILESTONE_NOT_DONE = "只有已完成的节点可以重新打开"
ERR_REASON_REQUIRED = "请填写原因"
ERR_EVIDENCE_TYPE = "不支持的文件类型：{ext}（可上传 {allowed}）"
ERR_EVIDENCE_SIZE = "文件不能超过 {mb} MB"
ERR_BUDGET_EXISTS = "{major} {year} 年的预算已存在"
ERR_BUDGET_NOT_EDITABLE = "预算处于「{status}」状态，不能修改"
ERR_BUDGET_EMPTY = "预算总额为 0，不能提交论证"
ERR_BUDGET_NOT_SUBMITTABLE = "预算处于「{status}」状态，不能提交论证"
ERR_BUDGET_NOT_UNDER_REVIEW = "预算处于「{status}」状态，不在论证中"
ERR_REVIEWER_IS_SUBMITTER = "论证结论须由提交人以外的人员登记"
ERR_RETURN_NEEDS_COMMENT = "退回修改须填写论证意见"
ERR_BUDGET_NOT_APPROVED = "预算尚未通过论证，不能登记资金或支出"
ERR_OVERSPEND = (
    "「{category}」可用余额 {remaining} 元，本次支出 {amount} 元，超出预算；请先申请并批准预算调整"
)
ERR_DUPLICATE_VOUCHER = "凭证号 {voucher} 已在「{category}」登记过"
ERR_ADJUSTMENT_DECIDED = "该调整申请已处理（{status}）"
ERR_FOUR_EYES = "调整申请须由申请人以外的人员审批"

EVIDENCE_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png", ".zip",
)  # fmt: skip
EVIDENCE_MAX_MB = 20

CENT = Decimal("0.01")

_Row = TypeVar("_Row", Department, PilotMajor)


def money(value: object, *, positive: bool = True) -> Decimal:
    """A yuan amount with at most two decimals (never rounded: 0.005 元 is refused)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(ERR_MONEY, code="money") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationError(ERR_MONEY, code="money")
    if positive and amount <= 0:
        raise ValidationError(ERR_MONEY_POSITIVE, code="money_positive")
    if amount < 0:
        raise ValidationError(ERR_MONEY_NEGATIVE, code="money_negative")
    return amount.quantize(CENT)


def _not_future(day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise ValidationError(ERR_FUTURE_DATE, code="future_date")
    return day


def _same_institution(
    rows: Iterable[_Row], institution: Institution, institution_of: Callable[[_Row], int]
) -> None:
    for row in rows:
        if institution_of(row) != institution.pk:
            raise ValidationError(
                ERR_OTHER_INSTITUTION.format(name=row, institution=institution.name),
                code="other_institution",
            )


def _ensure_may(actor: Actor, may: Callable[[PilotScope], bool]) -> None:
    """A person must be allowed ``may`` by their pilot scope; the system always is."""
    if is_system(actor):
        return
    if not may(pilot_scope(actor)):
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _person(actor: Actor) -> User | None:
    """The user to store as who did it (``created_by``, ``submitted_by``): none for the system."""
    if is_system(actor):
        return None
    assert isinstance(actor, User)
    return actor


def _signatory(actor: Actor) -> User:
    """The person a row must name (who recorded an expert review, money or evidence, who asked
    for or decided an adjustment): the system signs nothing, as the non-null columns say, and
    four eyes need two persons."""
    person = _person(actor)
    if person is None:
        raise ValueError("The system cannot sign this record: it needs a person.")
    return person


# --- Pilot majors (试点专业) -------------------------------------------------------------------


@transaction.atomic
def pilot_major_create(
    *,
    actor: Actor,
    major: Major,
    certificate_types: Iterable[CertificateType],
    start_year: int,
    lead_name: str = "",
    note: str = "",
) -> PilotMajor:
    _ensure_may(actor, lambda scope: scope.covers_major(major, roles={Role.ACADEMIC_AFFAIRS}))
    certificate_types = list(certificate_types)
    if not certificate_types:
        raise ValidationError(ERR_NO_CERTIFICATE, code="no_certificate")
    if PilotMajor.objects.filter(major=major).exists():
        raise ValidationError(ERR_PILOT_MAJOR_EXISTS.format(major=major), code="exists")
    pilot = PilotMajor.objects.create(
        major=major, start_year=start_year, lead_name=lead_name.strip(), note=note.strip()
    )
    pilot.certificate_types.set(certificate_types)
    audit.log(
        actor,
        "pilot.pilot_major.created",
        pilot,
        data={"certificate_types": [ct.name for ct in certificate_types]},
    )
    return pilot


# --- Work tasks and milestones (工作任务与进度) -----------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    institution: Institution,
    number: int,
    title: str,
    content: str,
    lead_departments: Iterable[Department],
    implementing_departments: Iterable[Department] = (),
    schools_implement: bool = False,
    pilot_majors: Iterable[PilotMajor] = (),
) -> WorkTask:
    _ensure_may(actor, lambda scope: institution.pk in scope.institutions(Role.ACADEMIC_AFFAIRS))
    leads, implementers, pilots = (
        list(lead_departments),
        list(implementing_departments),
        list(pilot_majors),
    )
    if not leads:
        raise ValidationError(ERR_NO_LEAD, code="no_lead")
    _same_institution([*leads, *implementers], institution, lambda d: d.institution_id)
    _same_institution(pilots, institution, lambda p: p.major.institution_id)
    if WorkTask.objects.filter(institution=institution, number=number).exists():
        raise ValidationError(ERR_TASK_NUMBER_TAKEN.format(number=number), code="number_taken")
    task = WorkTask.objects.create(
        institution=institution,
        number=number,
        title=title.strip(),
        content=content.strip(),
        schools_implement=schools_implement,
    )
    task.lead_departments.set(leads)
    task.implementing_departments.set(implementers)
    task.pilot_majors.set(pilots)
    audit.log(
        actor,
        "pilot.task.created",
        task,
        data={
            "lead": [d.name for d in leads],
            "implementing": [d.name for d in implementers],
            "schools_implement": schools_implement,
            "pilot_majors": [str(p) for p in pilots],
        },
    )
    return task


@transaction.atomic
def milestone_create(
    *, actor: Actor, task: WorkTask, title: str, due_on: datetime.date, note: str = ""
) -> Milestone:
    _ensure_may(actor, lambda scope: scope.manages_task(task))
    milestone = Milestone.objects.create(
        task=task, title=title.strip(), due_on=due_on, note=note.strip()
    )
    audit.log(actor, "pilot.milestone.created", milestone, data={"due_on": due_on.isoformat()})
    return milestone


@transaction.atomic
def milestone_report(
    *,
    actor: Actor,
    milestone: Milestone,
    progress: int,
    note: str = "",
    completed_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
) -> Milestone:
    """Report progress (进度): 1–99 % is in progress, 100 % is done on ``completed_on`` (today
    by default), with an optional evidence file. Progress never goes back; a done milestone
    must be reopened first."""
    _ensure_may(actor, lambda scope: scope.reports_on_task(milestone.task))
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.status == Milestone.Status.DONE:
        raise ValidationError(ERR_MILESTONE_DONE, code="done")
    if not 0 <= progress <= 100:
        raise ValidationError(ERR_PROGRESS_RANGE, code="progress_range")
    if progress < m.progress:
        raise ValidationError(
            ERR_PROGRESS_BACKWARDS.format(current=m.progress), code="progress_backwards"
        )
    before = {"status": m.status, "progress": m.progress}
    m.progress = progress
    if progress == 100:
        m.status = Milestone.Status.DONE
        m.completed_on = _not_future(completed_on or timezone.localdate())
    elif progress > 0:
        m.status = Milestone.Status.IN_PROGRESS
    if note.strip():
        m.note = note.strip()
    m.save(update_fields=["progress", "status", "completed_on", "note", "updated_at"])
    if evidence is not None:
        evidence_add(actor=actor, milestone=m, file=evidence)
    audit.log(
        actor,
        "pilot.milestone.completed"
        if m.status == Milestone.Status.DONE
        else "pilot.milestone.progress_reported",
        m,
        data={
            "from": before,
            "to": {"status": m.status, "progress": m.progress},
            "completed_on": m.completed_on.isoformat() if m.completed_on else None,
            "note": note.strip(),
        },
    )
    milestone.refresh_from_db()
    return m


@transaction.atomic
def milestone_reopen(*, actor: Actor, milestone: Milestone, reason: str) -> Milestone:
    """A done milestone back in progress (e.g. its evidence was found wanting)."""
    _ensure_may(actor, lambda scope: scope.manages_task(milestone.task))
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason_required")
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.status != Milestone.Status.DONE:
        raise ValidationError(ERR_MILESTONE_NOT_DONE, code="not_done")
    m.status = Milestone.Status.IN_PROGRESS
    m.progress = 99
    m.completed_on = None
    m.save(update_fields=["status", "progress", "completed_on", "updated_at"])
    audit.log(actor, "pilot.milestone.reopened", m, data={"reason": reason.strip()})
    milestone.refresh_from_db()
    return m


@transaction.atomic
def evidence_add(*, actor: Actor, milestone: Milestone, file: UploadedFile) -> MilestoneEvidence:
    _ensure_may(actor, lambda scope: scope.reports_on_task(milestone.task))
    name = PurePath(file.name or "").name[:200]
    ext = PurePath(name).suffix.lower()
    if ext not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            ERR_EVIDENCE_TYPE.format(ext=ext or "?", allowed=" ".join(EVIDENCE_EXTENSIONS)),
            code="evidence_type",
        )
    if (file.size or 0) > EVIDENCE_MAX_MB * 1024 * 1024:
        raise ValidationError(ERR_EVIDENCE_SIZE.format(mb=EVIDENCE_MAX_MB), code="evidence_size")
    evidence = MilestoneEvidence(milestone=milestone, name=name, uploaded_by=_signatory(actor))
    evidence.file.save(name, file, save=False)
    evidence.save()
    audit.log(actor, "pilot.milestone.evidence_added", milestone, data={"file": name})
    return evidence


# --- Budgets (建设经费预算) -------------------------------------------------------------------


def _amounts(amounts: Mapping[str, object]) -> dict[str, Decimal]:
    unknown = set(amounts) - set(BudgetCategory.values)
    if unknown:
        raise ValueError(f"Unknown budget categories: {sorted(unknown)}")
    return {c: money(amounts.get(c, ZERO), positive=False) for c in BudgetCategory.values}


@transaction.atomic
def budget_create(
    *,
    actor: Actor,
    pilot_major: PilotMajor,
    year: int,
    amounts: Mapping[str, object],
    plan: str = "",
) -> Budget:
    """A draft budget with one line per category of the seed (五(二)), zero where not given."""
    _ensure_may(
        actor,
        lambda scope: scope.covers_major(
            pilot_major.major, roles={Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF}
        ),
    )
    clean = _amounts(amounts)
    if Budget.objects.filter(pilot_major=pilot_major, year=year).exists():
        raise ValidationError(
            ERR_BUDGET_EXISTS.format(major=pilot_major, year=year), code="budget_exists"
        )
    try:
        with transaction.atomic():
            budget = Budget.objects.create(
                pilot_major=pilot_major, year=year, plan=plan.strip(), created_by=_person(actor)
            )
    except IntegrityError:
        raise ValidationError(
            ERR_BUDGET_EXISTS.format(major=pilot_major, year=year), code="budget_exists"
        ) from None
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, category=category, amount=amount)
        for category, amount in clean.items()
    )
    audit.log(
        actor,
        "pilot.budget.created",
        budget,
        data={"amounts": {c: str(a) for c, a in clean.items()}},
    )
    return budget


def _lock_budget(budget: Budget) -> Budget:
    return Budget.objects.select_for_update().get(pk=budget.pk)


@transaction.atomic
def budget_update(
    *, actor: Actor, budget: Budget, amounts: Mapping[str, object], plan: str | None = None
) -> Budget:
    """Change the amounts of a draft or returned budget."""
    _ensure_may(actor, lambda scope: scope.prepares_budget(budget))
    b = _lock_budget(budget)
    if not b.is_editable:
        raise ValidationError(
            ERR_BUDGET_NOT_EDITABLE.format(status=b.get_status_display()), code="not_editable"
        )
    clean = _amounts(amounts)
    before = {line.category: line for line in b.lines.all()}
    changes: dict[str, object] = {}
    for category, amount in clean.items():
        line = before.get(category) or BudgetLine(budget=b, category=category)
        if line.pk is None or line.amount != amount:
            changes[category] = [str(line.amount if line.pk else ZERO), str(amount)]
            line.amount = amount
            line.save()
    if plan is not None and plan.strip() != b.plan:
        b.plan = plan.strip()
        b.save(update_fields=["plan"])
        changes["plan"] = True
    if changes:
        audit.log(actor, "pilot.budget.updated", b, data={"changes": changes})
    return b


@transaction.atomic
def budget_submit(*, actor: Actor, budget: Budget) -> Budget:
    """Draft or returned → under expert review (专家论证)."""
    _ensure_may(actor, lambda scope: scope.prepares_budget(budget))
    b = _lock_budget(budget)
    if not b.is_editable:
        raise ValidationError(
            ERR_BUDGET_NOT_SUBMITTABLE.format(status=b.get_status_display()), code="not_editable"
        )
    if sum(line.amount for line in b.lines.all()) <= 0:
        raise ValidationError(ERR_BUDGET_EMPTY, code="empty")
    before = b.status
    b.status = Budget.Status.UNDER_REVIEW
    b.submitted_by = _person(actor)
    b.submitted_at = timezone.now()
    b.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit.log(actor, "pilot.budget.submitted", b, data={"from": before})
    return b


@transaction.atomic
def budget_review(
    *,
    actor: Actor,
    budget: Budget,
    decision: str,
    reviewed_on: datetime.date,
    comment: str = "",
    experts: str = "",
) -> BudgetReview:
    """Record the experts' conclusion (论证结论): approved, or returned for changes.

    Whoever submitted the budget may not record its review.
    """
    _ensure_may(actor, lambda scope: scope.reviews_budget(budget))
    b = _lock_budget(budget)
    if b.status != Budget.Status.UNDER_REVIEW:
        raise ValidationError(
            ERR_BUDGET_NOT_UNDER_REVIEW.format(status=b.get_status_display()),
            code="not_under_review",
        )
    reviewer = _signatory(actor)
    if b.submitted_by_id == reviewer.pk:
        raise ValidationError(ERR_REVIEWER_IS_SUBMITTER, code="reviewer_is_submitter")
    decision = BudgetReview.Decision(decision)
    if decision == BudgetReview.Decision.RETURNED and not comment.strip():
        raise ValidationError(ERR_RETURN_NEEDS_COMMENT, code="comment_required")
    review = BudgetReview.objects.create(
        budget=b,
        decision=decision,
        experts=experts.strip(),
        comment=comment.strip(),
        reviewed_on=_not_future(reviewed_on),
        reviewer=reviewer,
    )
    b.status = (
        Budget.Status.APPROVED
        if decision == BudgetReview.Decision.APPROVED
        else Budget.Status.RETURNED
    )
    b.save(update_fields=["status"])
    audit.log(
        actor,
        f"pilot.budget.{b.status}",
        b,
        data={"reviewed_on": reviewed_on.isoformat(), "experts": experts, "comment": comment},
    )
    budget.refresh_from_db()
    return review


def _ensure_approved(budget: Budget) -> None:
    if budget.status != Budget.Status.APPROVED:
        raise ValidationError(ERR_BUDGET_NOT_APPROVED, code="not_approved")


@transaction.atomic
def funding_record(
    *,
    actor: Actor,
    budget: Budget,
    kind: str,
    amount: object,
    received_on: datetime.date,
    document_no: str = "",
    note: str = "",
) -> FundingSource:
    """Money received for an approved budget: start-up funds, the national subsidy (奖补)…"""
    _ensure_may(actor, lambda scope: scope.keeps_accounts(budget))
    _ensure_approved(budget)
    source = FundingSource.objects.create(
        budget=budget,
        kind=FundingSource.Kind(kind),
        amount=money(amount),
        received_on=_not_future(received_on),
        document_no=document_no.strip(),
        note=note.strip(),
        recorded_by=_signatory(actor),
    )
    audit.log(
        actor,
        "pilot.funding.recorded",
        budget,
        data={"kind": source.kind, "amount": str(source.amount), "document_no": document_no},
    )
    return source


# --- Expenditures and adjustments (支出与预算调整) ---------------------------------------------


def _lock_line(pk: int) -> BudgetLine:
    """The budget line, locked until the transaction ends: two expenditures on one category
    are recorded one after the other, each seeing what the other spent."""
    return BudgetLine.objects.select_for_update(of=("self",)).select_related("budget").get(pk=pk)


@transaction.atomic
def expenditure_record(
    *,
    actor: Actor,
    line: BudgetLine,
    amount: object,
    spent_on: datetime.date,
    voucher_no: str,
    description: str,
) -> Expenditure:
    """Record what the finance office (财务处) paid from a category of an approved budget.

    Refused when it would take the category past its limit (budget plus approved adjustments).
    """
    amount = money(amount)
    locked = _lock_line(line.pk)  # ``line`` may carry its key only
    _ensure_may(actor, lambda scope: scope.keeps_accounts(locked.budget))
    _ensure_approved(locked.budget)
    voucher_no = voucher_no.strip()
    category = locked.get_category_display()
    if locked.spent + amount > locked.limit:
        raise ValidationError(
            ERR_OVERSPEND.format(category=category, remaining=locked.remaining, amount=amount),
            code="overspend",
        )
    if Expenditure.objects.filter(line=locked, voucher_no=voucher_no).exists():
        raise ValidationError(
            ERR_DUPLICATE_VOUCHER.format(voucher=voucher_no, category=category),
            code="duplicate_voucher",
        )
    expenditure = Expenditure.objects.create(
        line=locked,
        amount=amount,
        spent_on=_not_future(spent_on),
        voucher_no=voucher_no,
        description=description.strip(),
        recorded_by=_signatory(actor),
    )
    locked.spent += amount
    locked.save(update_fields=["spent"])
    audit.log(
        actor,
        "pilot.expenditure.recorded",
        locked.budget,
        data={
            "category": locked.category,
            "amount": str(amount),
            "voucher_no": voucher_no,
            "spent_on": spent_on.isoformat(),
            "spent_total": str(locked.spent),
        },
    )
    line.refresh_from_db()
    return expenditure


@transaction.atomic
def adjustment_request(
    *, actor: Actor, line: BudgetLine, amount: object, reason: str
) -> BudgetAdjustment:
    """Ask to raise a category of an approved budget (预算调整)."""
    _ensure_may(actor, lambda scope: scope.requests_adjustment(line.budget))
    _ensure_approved(line.budget)
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason_required")
    adjustment = BudgetAdjustment.objects.create(
        line=line, amount=money(amount), reason=reason.strip(), requested_by=_signatory(actor)
    )
    audit.log(
        actor,
        "pilot.adjustment.requested",
        line.budget,
        data={"category": line.category, "amount": str(adjustment.amount), "reason": reason},
    )
    return adjustment


def _decide(
    *, actor: Actor, adjustment: BudgetAdjustment, approve: bool, comment: str
) -> BudgetAdjustment:
    _ensure_may(actor, lambda scope: scope.decides_adjustment(adjustment.line.budget))
    adj = BudgetAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    if adj.status != BudgetAdjustment.Status.REQUESTED:
        raise ValidationError(
            ERR_ADJUSTMENT_DECIDED.format(status=adj.get_status_display()), code="decided"
        )
    decider = _signatory(actor)
    if adj.requested_by_id == decider.pk:
        raise ValidationError(ERR_FOUR_EYES, code="four_eyes")
    line = _lock_line(adj.line_id)
    adj.status = BudgetAdjustment.Status.APPROVED if approve else BudgetAdjustment.Status.REJECTED
    adj.decided_by = decider
    adj.decided_at = timezone.now()
    adj.decision_comment = comment.strip()
    adj.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        line.adjusted += adj.amount
        line.save(update_fields=["adjusted"])
    audit.log(
        actor,
        f"pilot.adjustment.{adj.status}",
        line.budget,
        data={
            "category": line.category,
            "amount": str(adj.amount),
            "limit": str(line.limit),
            "comment": comment,
        },
    )
    adjustment.refresh_from_db()
    return adj


@transaction.atomic
def adjustment_approve(
    *, actor: Actor, adjustment: BudgetAdjustment, comment: str = ""
) -> BudgetAdjustment:
    """Approve (by another person than the requester): the category's limit rises."""
    return _decide(actor=actor, adjustment=adjustment, approve=True, comment=comment)


@transaction.atomic
def adjustment_reject(
    *, actor: Actor, adjustment: BudgetAdjustment, comment: str = ""
) -> BudgetAdjustment:
    return _decide(actor=actor, adjustment=adjustment, approve=False, comment=comment)
