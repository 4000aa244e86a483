"""The ledger (学分流水): posting entries onto an account's hash chain, and verifying the chains.

Posting locks the account's row (``SELECT … FOR UPDATE`` on the learning account), so two
postings to one account — two approvals, an approval and a revocation — take turns, and each
reads the chain head the other left. On SQLite, where there are no row locks, XBank's
transactions start IMMEDIATE and so already take turns.

Callers are services inside their own ``transaction.atomic``; this module opens none, so a
service's whole change (request status, exemptions, entries) commits or rolls back as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from xbank.learners.models import LearningAccount

from .models import GENESIS_HASH, CreditEntry, LedgerHead


@dataclass
class EntryDraft:
    """An entry to post; the ledger fills in its place in the chain."""

    kind: str
    credits: Decimal
    key: str
    memo: str = ""
    curriculum_id: int | None = None
    course_id: int | None = None
    module_id: int | None = None
    category: str = ""
    outcome_id: int | None = None
    rule_id: int | None = None
    request_id: int | None = None
    reverses_id: int | None = None


def lock_account(account_id: int) -> None:
    """Serialise postings to one account until the surrounding transaction ends."""
    assert transaction.get_connection().in_atomic_block, "post inside transaction.atomic"
    list(LearningAccount.objects.select_for_update().filter(pk=account_id).values_list("pk"))


def post(*, actor, account_id: int, drafts: list[EntryDraft]) -> list[CreditEntry]:
    """Append ``drafts`` to the account's chain, in order; returns the saved entries.

    A draft whose ``key`` was posted before makes the database refuse the insert (unique key):
    the caller's transaction then rolls back whole, so nothing is posted twice.
    """
    if not drafts:
        return []
    lock_account(account_id)
    head, _ = LedgerHead.objects.get_or_create(account_id=account_id)
    now = timezone.now()
    entries = []
    for draft in drafts:
        entry = CreditEntry(
            account_id=account_id,
            seq=head.last_seq + 1,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            prev_hash=head.last_hash,
            **draft.__dict__,
        )
        entry.credits = Decimal(entry.credits).quantize(Decimal("0.1")) or Decimal("0.0")
        entry.hash = entry.compute_hash()
        entry.save()
        head.last_seq, head.last_hash = entry.seq, entry.hash
        entries.append(entry)
    head.save(update_fields=["last_seq", "last_hash", "updated_at"])
    return entries


def reversal_draft(entry: CreditEntry, *, memo: str, request_id: int | None = None) -> EntryDraft:
    """The entry that cancels ``entry``: same account, course and category, opposite credits."""
    return EntryDraft(
        kind=CreditEntry.Kind.REVERSAL,
        credits=-entry.credits,
        key=f"reversal:{entry.pk}",
        memo=memo,
        curriculum_id=entry.curriculum_id,
        course_id=entry.course_id,
        module_id=entry.module_id,
        category=entry.category,
        outcome_id=entry.outcome_id,
        rule_id=entry.rule_id,
        request_id=request_id if request_id is not None else entry.request_id,
        reverses_id=entry.pk,
    )


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class Break:
    """The first place an account's chain no longer matches."""

    account_id: int
    account_no: str
    seq: int
    entry_id: int | None
    reason: str


@dataclass
class VerifyResult:
    accounts: int
    entries: int
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify() -> VerifyResult:
    """Recompute every chain, in (account, seq) order with constant memory: the first entry that
    no longer matches, or all intact. A chain whose end was cut off no longer reaches the head
    recorded in ``LedgerHead``; that is reported at the head's sequence number."""
    heads = {
        account_id: (last_seq, last_hash)
        for account_id, last_seq, last_hash in LedgerHead.objects.values_list(
            "account_id", "last_seq", "last_hash"
        )
    }
    first: Break | None = None
    accounts = entries = 0
    current: int | None = None
    prev_hash, expected_seq = GENESIS_HASH, 1

    def check_head(account_id: int) -> Break | None:
        last_seq, last_hash = heads.get(account_id, (0, GENESIS_HASH))
        if (last_seq, last_hash) == (expected_seq - 1, prev_hash):
            return None
        return Break(
            account_id,
            "",
            last_seq,
            None,
            f"链头记录到第 {last_seq} 条，流水链只到第 {expected_seq - 1} 条（末尾流水缺失）",
        )

    for entry in CreditEntry.objects.order_by("account_id", "seq").iterator(chunk_size=2000):
        if entry.account_id != current:
            if current is not None and first is None:
                first = check_head(current)
            current, prev_hash, expected_seq = entry.account_id, GENESIS_HASH, 1
            accounts += 1
        entries += 1
        if first is None:
            if entry.seq != expected_seq:
                reason = f"序号应为 {expected_seq}，实为 {entry.seq}（流水缺失或插入）"
            elif entry.prev_hash != prev_hash:
                reason = "前序哈希与上一条流水不符"
            elif entry.compute_hash() != entry.hash:
                reason = "流水内容与哈希不符（记录被改动）"
            else:
                reason = ""
            if reason:
                first = Break(entry.account_id, "", entry.seq, entry.pk, reason)
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    if current is not None and first is None:
        first = check_head(current)
    if first is None:
        seen = set(CreditEntry.objects.order_by().values_list("account_id", flat=True).distinct())
        for account_id, (last_seq, _) in sorted(heads.items()):
            if last_seq and account_id not in seen:
                first = Break(account_id, "", last_seq, None, "链头有记录，但流水全部缺失")
                break
    if first is not None:
        first.account_no = (
            LearningAccount.objects.filter(pk=first.account_id)
            .values_list("account_no", flat=True)
            .first()
            or ""
        )
    return VerifyResult(accounts=accounts, entries=entries, first_break=first)
