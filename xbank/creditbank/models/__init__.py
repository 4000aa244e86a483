"""The credit bank (学分银行): conversion rules, recognition requests, the ledger and exemptions.

Three verbs of the seed (五.3): a learner's outcomes are recognised (认定), accumulated (积累) in
the ledger, and converted (转换) into credits and course exemptions (免修) of their curriculum,
under published, versioned rules. The ledger is the truth; exemptions are its projection for
the one question the ledger alone cannot answer with a database constraint (is this course
already exempted for this learner and curriculum?).

One module per entity group: ``conversion`` (policies, rules and the courses they exempt),
``recognition`` (batches, requests, their history and lines), ``ledger`` (entries, chain heads,
exemptions). Every name is importable from here, as before.
"""

from ..errors import ERR_LEDGER_APPEND_ONLY, ERR_RULE_DELETE, ERR_RULE_IMMUTABLE
from .conversion import ConversionPolicy, ConversionRule, CreditCategory, RuleExemption
from .ledger import GENESIS_HASH, AppendOnlyQuerySet, CreditEntry, Exemption, LedgerHead
from .recognition import (
    LineResult,
    RecognitionBatch,
    RecognitionRequest,
    RequestEvent,
    RequestLine,
    new_request_code,
)

__all__ = [
    "ERR_LEDGER_APPEND_ONLY",
    "ERR_RULE_DELETE",
    "ERR_RULE_IMMUTABLE",
    "GENESIS_HASH",
    "AppendOnlyQuerySet",
    "ConversionPolicy",
    "ConversionRule",
    "CreditCategory",
    "CreditEntry",
    "Exemption",
    "LedgerHead",
    "LineResult",
    "RecognitionBatch",
    "RecognitionRequest",
    "RequestEvent",
    "RequestLine",
    "RuleExemption",
    "new_request_code",
]
