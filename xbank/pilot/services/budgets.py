"""Budgets, their expert review, funding, expenditures and adjustments (建设经费)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from xbank.accounts.models import Role
from xbank.audit import services as audit
from xbank.core.actors import Actor

from ..errors import (
    ERR_ADJUSTMENT_DECIDED,
    ERR_BUDGET_EMPTY,
    ERR_BUDGET_EXISTS,
    ERR_BUDGET_NOT_APPROVED,
    ERR_BUDGET_NOT_EDITABLE,
    ERR_BUDGET_NOT_SUBMITTABLE,
    ERR_BUDGET_NOT_UNDER_REVIEW,
    ERR_DUPLICATE_VOUCHER,
    ERR_FOUR_EYES,
    ERR_OVERSPEND,
    ERR_REASON_REQUIRED,
    ERR_RETURN_NEEDS_COMMENT,
    ERR_REVIEWER_IS_SUBMITTER,
    ERR_VOUCHER_REUSED,
)
from ..models import (
    ZERO,
    Budget,
    BudgetAdjustment,
    BudgetCategory,
    BudgetLine,
    BudgetReview,
    Expenditure,
    FundingSource,
    PilotMajor,
)
from .common import (
    _ensure_may,
    _not_future,
    _person,
    _signatory,
    money,
)

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
    confirm_reuse: bool = False,
) -> Expenditure:
    """Record what the finance office (财务处) paid from a category of an approved budget.

    Refused when it would take the category past its limit (budget plus approved adjustments).
    A voucher number is entered once per category, and once per budget year of the institution
    (any pilot major, any category) unless ``confirm_reuse`` says one voucher is split across
    several categories (同一凭证分多笔列支).
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
    budget = locked.budget
    institution_id = PilotMajor.objects.values_list("major__institution_id", flat=True).get(
        pk=budget.pilot_major_id
    )
    earlier = (
        Expenditure.objects.filter(
            voucher_no=voucher_no,
            line__budget__year=budget.year,
            line__budget__pilot_major__major__institution_id=institution_id,
        )
        .select_related("line__budget__pilot_major__major")
        .order_by("id")
        .first()
    )
    if earlier is not None and not confirm_reuse:
        raise ValidationError(
            ERR_VOUCHER_REUSED.format(
                voucher=voucher_no,
                budget=earlier.line.budget,
                category=earlier.line.get_category_display(),
            ),
            code="voucher_reused",
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
            **({"voucher_reused": True} if earlier is not None else {}),
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
