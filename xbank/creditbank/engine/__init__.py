"""The conversion engine (转换引擎): which of a learner's outcomes convert into which exemptions and
credits of their curriculum, under which rule version, within which limits — and why, in words.

Pure Python over rows loaded in bulk, so that one request, a simulation over a cohort, the
public calculator and the benchmark (10,000 learners against 200 rules) run the same code:
``RuleBook`` holds the rule versions, ``LearnerState`` what a learner already has, and
``evaluate`` turns outcomes into ``ProposalLine``s. Nothing here writes; services post what the
engine proposes, under the account's lock, after evaluating again on fresh state.

Policy, as the engine applies it (each in the explanation of the line it affects):

- Grandfathering: for each rule (a family of versions sharing a code), the candidate versions
  are those in force at some day between the curriculum's enrolment (1 September of the cohort
  year) and the decision date: the version in force at enrolment and every later one. The most
  favourable for this learner (most credits) applies; on a tie, the earliest (the one the cohort
  enrolled under).
- Equivalence: outcomes of one certificate type are one class; only the highest level (then the
  latest, then the best score) of a class counts, and a class converts once under each rule.
- Exclusive groups: a class is spent on at most one rule of a group (the most favourable).
- Cap: converted credits (exemptions and conversion credits) stay within the institution's share
  of the curriculum's total credits. An exemption is all or nothing; conversion credits may be
  granted in part.
- An exemption is not granted for a course already exempted or already passed.

Layout: ``evaluation`` is the pure part (the rule book, a learner's state, ``evaluate``);
``loading`` reads the rows it needs in bulk. The small rules both share (conditions, labels,
formatting) are in ``creditbank.rules``.
"""

from .evaluation import (
    LearnerState,
    Proposal,
    ProposalLine,
    RuleBook,
    applies_to_curriculum,
    evaluate,
    exemptions_of,
    rule_value,
)
from .loading import (
    CHUNK,
    chunks,
    converted_q,
    curricula_for,
    curriculum_courses,
    earned_q,
    load_outcomes,
    load_rulebook,
    load_states,
    policy_shares,
    rule_queryset,
)

__all__ = [
    "CHUNK",
    "LearnerState",
    "Proposal",
    "ProposalLine",
    "RuleBook",
    "applies_to_curriculum",
    "chunks",
    "converted_q",
    "curricula_for",
    "curriculum_courses",
    "earned_q",
    "evaluate",
    "exemptions_of",
    "load_outcomes",
    "load_rulebook",
    "load_states",
    "policy_shares",
    "rule_queryset",
    "rule_value",
]
