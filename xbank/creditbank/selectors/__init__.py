"""Reads of the credit bank: rules, requests, the ledger, and the computed views built on them —
simulation (模拟), the calculator (学分计算器), the graduation audit (毕业审核) and the transcript
(成绩单).

Lists are scoped once, here: requests through the learner scope of ``learners.selectors`` (staff
see the requests of learners they may see; a learner sees their own), rules by institution
(regional rules are everyone's). Querysets come back with related rows fetched, and the computed
views load their rows in bulk, so a page costs the same number of queries for 10 rows or 1,000.

Who may act on what (``may_*``) is decided in ``creditbank.access``, from the user's grants, so
that services enforce and pages show buttons by the same rules; the names are importable from
here too.

One module per job: ``rules`` and ``simulation``, ``requests``,
``learners`` (a learner's records and curriculum), ``ledger``, ``calculator``, ``credits`` (a
learner's credits in a curriculum) with ``graduation`` and ``transcripts`` built on it. Every
public name is importable from here.
"""

from ..access import (
    is_learner_self,
    may_act_for_learner,
    may_final_approve,
    may_manage_rules,
    may_school_review,
    may_start_batch,
)
from ..choices import curriculum_options
from ..rules import outcome_kind_for
from .calculator import Calculation, CalculatorLine, conversion_calculate
from .credits import CreditSummary
from .graduation import (
    GRADUATION_HEADERS,
    GraduationRow,
    graduation_audit,
    graduation_rows_for_export,
)
from .learners import curriculum_for, learner_records_for_user
from .ledger import Ledger, LedgerRow, account_balance, entry_list, exemption_list, ledger_get
from .requests import (
    access_request,
    batch_list,
    outcome_pending_q,
    outcome_recognised_q,
    outcomes_for_request,
    request_detail_qs,
    request_list,
    request_preview,
    request_scope_q,
    review_queue,
)
from .rules import access_rule, policy_for, rule_list, rule_scope_q, rule_versions
from .simulation import Simulation, SimulationRow, rule_simulate
from .transcripts import (
    Transcript,
    TranscriptCourse,
    TranscriptCredit,
    TranscriptExemption,
    transcript_credential,
    transcript_get,
)

__all__ = [
    "GRADUATION_HEADERS",
    "access_request",
    "access_rule",
    "account_balance",
    "batch_list",
    "Calculation",
    "CalculatorLine",
    "conversion_calculate",
    "CreditSummary",
    "curriculum_for",
    "curriculum_options",
    "entry_list",
    "exemption_list",
    "graduation_audit",
    "graduation_rows_for_export",
    "GraduationRow",
    "is_learner_self",
    "learner_records_for_user",
    "Ledger",
    "ledger_get",
    "LedgerRow",
    "may_act_for_learner",
    "may_final_approve",
    "may_manage_rules",
    "may_school_review",
    "may_start_batch",
    "outcome_kind_for",
    "outcome_pending_q",
    "outcome_recognised_q",
    "outcomes_for_request",
    "policy_for",
    "request_detail_qs",
    "request_list",
    "request_preview",
    "request_scope_q",
    "review_queue",
    "rule_list",
    "rule_scope_q",
    "rule_simulate",
    "rule_versions",
    "Simulation",
    "SimulationRow",
    "Transcript",
    "transcript_credential",
    "transcript_get",
    "TranscriptCourse",
    "TranscriptCredit",
    "TranscriptExemption",
]
