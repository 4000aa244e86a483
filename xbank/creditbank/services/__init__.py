"""Writes of the credit bank: rules and their versions, recognition requests and their review,
postings to the ledger, revocations, transcripts.

Every function is ``<entity>_<verb>(*, actor, ...)``, runs in one transaction, checks who may act
(``selectors.may_*``), writes an audit entry, and tells the learner in the app. ``actor`` is
required: pages pass the user, whose rights are always checked; the system itself (the demo
loader, a background task) passes ``core.actors.SYSTEM``, which the checks let through on
purpose (``is_system``). ``None`` is refused (``TypeError``).

Posting goes through ``ledger.post``, which locks the learner's account; approvals also lock the
request first, so a request is decided once however many people press the button at once, and
the ledger's unique posting keys refuse a second set of entries even if that lock were bypassed.

One module per job: ``rules`` (rules, versions, policy), ``credits`` (course credits),
``requests`` (recognition requests and their review), ``reversals`` (reversing entries and
revoked outcomes), ``transcripts``, ``awards`` (a new certificate proposes a request). Every
public name, messages included, is importable from here.
"""

from ..errors import (
    ERR_ALREADY_POSTED,
    ERR_ALREADY_REVERSED,
    ERR_APPEAL_EVIDENCE,
    ERR_APPEAL_ONCE,
    ERR_BATCH_EMPTY,
    ERR_NO_CURRICULUM,
    ERR_NO_OUTCOMES,
    ERR_NOT_ALLOWED,
    ERR_OUTCOME_COURSE_RESULT,
    ERR_OUTCOME_IN_OPEN_REQUEST,
    ERR_OUTCOME_NOT_OWN,
    ERR_OUTCOME_REVOKED,
    ERR_PERSON_REQUIRED,
    ERR_REASON_REQUIRED,
    ERR_REVERSE_KIND,
    ERR_REVERSE_REASON,
    ERR_RULE_CATEGORY,
    ERR_RULE_COURSE_INSTITUTION,
    ERR_RULE_DATES,
    ERR_RULE_DRAFT_EXISTS,
    ERR_RULE_EFFECTIVE,
    ERR_RULE_FIELD,
    ERR_RULE_LEVEL,
    ERR_RULE_NO_EFFECT,
    ERR_RULE_NOT_DRAFT,
    ERR_RULE_NOT_PUBLISHED,
    ERR_RULE_RETIRE_DATE,
    ERR_RULE_TYPE_KIND,
    ERR_RULE_TYPE_REQUIRED,
    ERR_SAME_PERSON,
    ERR_SHARE_RANGE,
    ERR_STATE,
    MSG_AWARD_PROPOSAL_BODY,
    MSG_AWARD_PROPOSAL_TITLE,
)
from ..rules import FAIL_GRADES, PASS_SCORE
from .awards import award_propose, on_award_issued
from .credits import course_credit_post, course_credits_post, course_credits_sync
from .requests import (
    recognition_appeal,
    recognition_approve,
    recognition_batch_start,
    recognition_reject,
    recognition_school_approve,
    recognition_submit,
    recognition_withdraw,
    request_url,
)
from .reversals import entry_reverse, on_outcome_revoked, outcome_revoked
from .rules import (
    RULE_FIELDS,
    policy_set,
    rule_create,
    rule_discard,
    rule_publish,
    rule_retire,
    rule_revise,
    rule_update,
)
from .transcripts import transcript_issue

__all__ = [
    "ERR_ALREADY_POSTED",
    "ERR_ALREADY_REVERSED",
    "ERR_APPEAL_EVIDENCE",
    "ERR_APPEAL_ONCE",
    "ERR_BATCH_EMPTY",
    "ERR_NO_CURRICULUM",
    "ERR_NO_OUTCOMES",
    "ERR_NOT_ALLOWED",
    "ERR_OUTCOME_COURSE_RESULT",
    "ERR_OUTCOME_IN_OPEN_REQUEST",
    "ERR_OUTCOME_NOT_OWN",
    "ERR_OUTCOME_REVOKED",
    "ERR_PERSON_REQUIRED",
    "ERR_REASON_REQUIRED",
    "ERR_REVERSE_KIND",
    "ERR_REVERSE_REASON",
    "ERR_RULE_CATEGORY",
    "ERR_RULE_COURSE_INSTITUTION",
    "ERR_RULE_DATES",
    "ERR_RULE_DRAFT_EXISTS",
    "ERR_RULE_EFFECTIVE",
    "ERR_RULE_FIELD",
    "ERR_RULE_LEVEL",
    "ERR_RULE_NO_EFFECT",
    "ERR_RULE_NOT_DRAFT",
    "ERR_RULE_NOT_PUBLISHED",
    "ERR_RULE_RETIRE_DATE",
    "ERR_RULE_TYPE_KIND",
    "ERR_RULE_TYPE_REQUIRED",
    "ERR_SAME_PERSON",
    "ERR_SHARE_RANGE",
    "ERR_STATE",
    "FAIL_GRADES",
    "MSG_AWARD_PROPOSAL_BODY",
    "MSG_AWARD_PROPOSAL_TITLE",
    "PASS_SCORE",
    "RULE_FIELDS",
    "award_propose",
    "course_credit_post",
    "course_credits_post",
    "course_credits_sync",
    "entry_reverse",
    "on_award_issued",
    "on_outcome_revoked",
    "outcome_revoked",
    "policy_set",
    "recognition_appeal",
    "recognition_approve",
    "recognition_batch_start",
    "recognition_reject",
    "recognition_school_approve",
    "recognition_submit",
    "recognition_withdraw",
    "request_url",
    "rule_create",
    "rule_discard",
    "rule_publish",
    "rule_retire",
    "rule_revise",
    "rule_update",
    "transcript_issue",
]
