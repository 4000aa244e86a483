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

from ..errors import (
    ERR_ADJUSTMENT_DECIDED,
    ERR_BUDGET_EMPTY,
    ERR_BUDGET_EXISTS,
    ERR_BUDGET_NOT_APPROVED,
    ERR_BUDGET_NOT_EDITABLE,
    ERR_BUDGET_NOT_SUBMITTABLE,
    ERR_BUDGET_NOT_UNDER_REVIEW,
    ERR_DUPLICATE_VOUCHER,
    ERR_EVIDENCE_SIZE,
    ERR_EVIDENCE_TYPE,
    ERR_FOUR_EYES,
    ERR_FUTURE_DATE,
    ERR_MILESTONE_DONE,
    ERR_MILESTONE_NOT_DONE,
    ERR_MONEY,
    ERR_MONEY_NEGATIVE,
    ERR_MONEY_POSITIVE,
    ERR_NO_CERTIFICATE,
    ERR_NO_LEAD,
    ERR_NOT_ALLOWED,
    ERR_OTHER_INSTITUTION,
    ERR_OVERSPEND,
    ERR_PILOT_MAJOR_EXISTS,
    ERR_PROGRESS_BACKWARDS,
    ERR_PROGRESS_RANGE,
    ERR_REASON_REQUIRED,
    ERR_RETURN_NEEDS_COMMENT,
    ERR_REVIEWER_IS_SUBMITTER,
    ERR_TASK_NUMBER_TAKEN,
)
from .budgets import (
    adjustment_approve,
    adjustment_reject,
    adjustment_request,
    budget_create,
    budget_review,
    budget_submit,
    budget_update,
    expenditure_record,
    funding_record,
)
from .common import CENT, EVIDENCE_EXTENSIONS, EVIDENCE_MAX_MB, money
from .tasks import (
    evidence_add,
    milestone_create,
    milestone_reopen,
    milestone_report,
    pilot_major_create,
    task_create,
)

__all__ = [
    "CENT",
    "ERR_ADJUSTMENT_DECIDED",
    "ERR_BUDGET_EMPTY",
    "ERR_BUDGET_EXISTS",
    "ERR_BUDGET_NOT_APPROVED",
    "ERR_BUDGET_NOT_EDITABLE",
    "ERR_BUDGET_NOT_SUBMITTABLE",
    "ERR_BUDGET_NOT_UNDER_REVIEW",
    "ERR_DUPLICATE_VOUCHER",
    "ERR_EVIDENCE_SIZE",
    "ERR_EVIDENCE_TYPE",
    "ERR_FOUR_EYES",
    "ERR_FUTURE_DATE",
    "ERR_MILESTONE_DONE",
    "ERR_MILESTONE_NOT_DONE",
    "ERR_MONEY",
    "ERR_MONEY_NEGATIVE",
    "ERR_MONEY_POSITIVE",
    "ERR_NOT_ALLOWED",
    "ERR_NO_CERTIFICATE",
    "ERR_NO_LEAD",
    "ERR_OTHER_INSTITUTION",
    "ERR_OVERSPEND",
    "ERR_PILOT_MAJOR_EXISTS",
    "ERR_PROGRESS_BACKWARDS",
    "ERR_PROGRESS_RANGE",
    "ERR_REASON_REQUIRED",
    "ERR_RETURN_NEEDS_COMMENT",
    "ERR_REVIEWER_IS_SUBMITTER",
    "ERR_TASK_NUMBER_TAKEN",
    "EVIDENCE_EXTENSIONS",
    "EVIDENCE_MAX_MB",
    "adjustment_approve",
    "adjustment_reject",
    "adjustment_request",
    "budget_create",
    "budget_review",
    "budget_submit",
    "budget_update",
    "evidence_add",
    "expenditure_record",
    "funding_record",
    "milestone_create",
    "milestone_reopen",
    "milestone_report",
    "money",
    "pilot_major_create",
    "task_create",
]
