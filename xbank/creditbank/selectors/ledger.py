"""An account's ledger (学分流水) as the pages show it: entries in chain order, balances,
exemptions, and the chain checked on the rows already read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from xbank.catalog.models import Curriculum
from xbank.learners.models import LearningAccount

from ..models import GENESIS_HASH, CreditEntry, Exemption, LedgerHead
from ..rules import ZERO


def entry_list(*, account: LearningAccount) -> QuerySet[CreditEntry]:
    """An account's ledger in chain order, with what each line refers to (1 query)."""
    return (
        CreditEntry.objects.filter(account=account)
        .select_related(
            "curriculum__major", "course", "module", "rule", "outcome", "request", "reverses"
        )
        .order_by("seq")
    )


def account_balance(*, account: LearningAccount, curriculum: Curriculum | None = None) -> Decimal:
    """Balance = the sum of the account's entries (of one curriculum, if given)."""
    qs = CreditEntry.objects.filter(account=account)
    if curriculum is not None:
        qs = qs.filter(curriculum=curriculum)
    return qs.aggregate(total=Sum("credits"))["total"] or ZERO


def exemption_list(
    *, account: LearningAccount, curriculum: Curriculum | None = None, active_only: bool = True
) -> QuerySet[Exemption]:
    qs = Exemption.objects.filter(account=account).select_related(
        "course", "module", "rule", "outcome", "request", "curriculum"
    )
    if curriculum is not None:
        qs = qs.filter(curriculum=curriculum)
    if active_only:
        qs = qs.filter(status=Exemption.Status.ACTIVE)
    return qs.order_by("course__code", "id")


@dataclass
class LedgerRow:
    """One ledger line as the ledger page shows it: the running balance after it, the entry
    that reverses it (if any), and whether its hash and link to the previous line still hold."""

    entry: CreditEntry
    balance: Decimal
    reversed_by: CreditEntry | None
    intact: bool


@dataclass
class Ledger:
    account: LearningAccount
    rows: list[LedgerRow]
    head_seq: int

    @property
    def balance(self) -> Decimal:
        return self.rows[-1].balance if self.rows else ZERO

    @property
    def first_break(self) -> LedgerRow | None:
        return next((row for row in self.rows if not row.intact), None)

    @property
    def intact(self) -> bool:
        last = self.rows[-1].entry.seq if self.rows else 0
        return self.first_break is None and last == self.head_seq


def ledger_get(*, account: LearningAccount) -> Ledger:
    """An account's ledger in chain order with running balances, reversal links and the chain
    checked on the rows already read (the same check as ``verify_ledger``, for one account).
    Two queries: the entries with what they refer to, and the chain head."""
    entries = list(entry_list(account=account))
    by_reversed = {e.reverses_id: e for e in entries if e.reverses_id is not None}
    head_seq = (
        LedgerHead.objects.filter(account=account).values_list("last_seq", flat=True).first() or 0
    )
    rows = []
    balance = ZERO
    prev_hash, expected = GENESIS_HASH, 1
    for entry in entries:
        balance += entry.credits
        intact = (
            entry.seq == expected
            and entry.prev_hash == prev_hash
            and entry.compute_hash() == entry.hash
        )
        rows.append(LedgerRow(entry, balance, by_reversed.get(entry.pk), intact))
        prev_hash, expected = entry.hash, entry.seq + 1
    return Ledger(account=account, rows=rows, head_seq=head_seq)
