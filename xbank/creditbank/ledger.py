"""The ledger (学分流水): posting entries onto an account's hash chain, verifying the chains, and
signed checkpoints of their heads.

Posting locks the account's row (``SELECT … FOR UPDATE`` on the learning account), so two
postings to one account — two approvals, an approval and a revocation — take turns, and each
reads the chain head the other left. On SQLite, where there are no row locks, XBank's
transactions start IMMEDIATE and so already take turns.

Callers are services inside their own ``transaction.atomic``; this module opens none, so a
service's whole change (request status, exemptions, entries) commits or rolls back as one.

A chain keyed with ``XBANK_LEDGER_KEY`` stops whoever can write the database but lacks the key. A
checkpoint stops whoever has both: it is the head (seq, hash) of every chain, signed with an
Ed25519 key derived from the ledger key and written to files outside the database
(``settings.LEDGER_CHECKPOINT_DIR``, daily and by ``manage.py ledger_checkpoint``). Verification
requires every chain to still pass through the (seq, hash) the latest checkpoint recorded, so an
entry rewritten before the checkpoint is found even when its chain was recomputed with the key.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xbank.core.keys import derive_key
from xbank.learners.models import LearningAccount

from .models import GENESIS_HASH, CreditEntry, LedgerHead
from .models.ledger import CHECKPOINT_KEY_INFO


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
    # The checkpoint the chains were held against (its file name), or None when there is none;
    # and why that checkpoint could not be used (a bad signature, a malformed file).
    checkpoint: str | None = None
    checkpoint_problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None and self.checkpoint_problem is None


def verify(*, using: str = "default", checkpoint_dir: Path | None = None) -> VerifyResult:
    """Recompute every chain, in (account, seq) order with constant memory: the first entry that
    no longer matches, or all intact. A chain whose end was cut off no longer reaches the head
    recorded in ``LedgerHead``; that is reported at the head's sequence number. Then every
    (seq, hash) of the latest signed checkpoint must still be in its chain; a checkpoint whose
    signature does not verify is itself a failure, never skipped."""
    checkpoint_name = problem = None
    checkpointed: dict[int, tuple[int, str]] = {}
    path = checkpoint_latest(checkpoint_dir)
    if path is not None:
        checkpoint_name = path.name
        try:
            checkpointed = {
                h["account_id"]: (h["seq"], h["hash"]) for h in checkpoint_read(path)["heads"]
            }
        except CheckpointInvalid as exc:
            problem = str(exc)
    heads = {
        account_id: (last_seq, last_hash)
        for account_id, last_seq, last_hash in LedgerHead.objects.using(using).values_list(
            "account_id", "last_seq", "last_hash"
        )
    }
    first: Break | None = None
    behind_checkpoint: Break | None = None
    reached: set[int] = set()
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

    rows = CreditEntry.objects.using(using).order_by("account_id", "seq")
    for entry in rows.iterator(chunk_size=2000):
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
        mark = checkpointed.get(entry.account_id)
        if mark is not None and mark[0] == entry.seq:
            reached.add(entry.account_id)
            if mark[1] != entry.hash and behind_checkpoint is None:
                behind_checkpoint = Break(
                    entry.account_id,
                    "",
                    entry.seq,
                    entry.pk,
                    f"与已签名的检查点 {checkpoint_name} 不符（检查点之前的流水被改写）",
                )
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    if current is not None and first is None:
        first = check_head(current)
    if first is None:
        seen = set(
            CreditEntry.objects.using(using)
            .order_by()
            .values_list("account_id", flat=True)
            .distinct()
        )
        for account_id, (last_seq, _) in sorted(heads.items()):
            if last_seq and account_id not in seen:
                first = Break(account_id, "", last_seq, None, "链头有记录，但流水全部缺失")
                break
    if first is None and behind_checkpoint is None:
        for account_id, (seq, _) in sorted(checkpointed.items()):
            if account_id not in reached:
                behind_checkpoint = Break(
                    account_id,
                    "",
                    seq,
                    None,
                    f"已签名的检查点 {checkpoint_name} 记录到第 {seq} 条，该流水已不存在",
                )
                break
    first = first or behind_checkpoint
    if first is not None:
        first.account_no = (
            LearningAccount.objects.using(using)
            .filter(pk=first.account_id)
            .values_list("account_no", flat=True)
            .first()
            or ""
        )
    return VerifyResult(
        accounts=accounts,
        entries=entries,
        first_break=first,
        checkpoint=checkpoint_name,
        checkpoint_problem=problem,
    )


# --- Checkpoints ----------------------------------------------------------------------------------

CHECKPOINT_FORMAT = "xbank-ledger-checkpoint/1"
CHECKPOINT_GLOB = "ledger-checkpoint-*.json"


class CheckpointInvalid(Exception):
    """A checkpoint file that is malformed or whose signature does not verify."""


class CheckpointRefused(Exception):
    """The ledger does not verify, so no checkpoint may vouch for it."""


def checkpoint_signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key of checkpoints, its seed derived from ``XBANK_LEDGER_KEY``."""
    seed = derive_key(settings.XBANK_LEDGER_KEY, CHECKPOINT_KEY_INFO, name="XBANK_LEDGER_KEY")
    return Ed25519PrivateKey.from_private_bytes(seed)


def checkpoint_payload(body: dict[str, Any]) -> bytes:
    """The signed bytes: the checkpoint without its signature, as JSON with sorted keys, no
    spaces, UTF-8."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_dir(out: Path | str | None = None) -> Path:
    return Path(out) if out is not None else Path(settings.LEDGER_CHECKPOINT_DIR)


def checkpoint_latest(out: Path | str | None = None) -> Path | None:
    """The newest checkpoint file (names sort by their UTC timestamp), or None."""
    files = sorted(checkpoint_dir(out).glob(CHECKPOINT_GLOB))
    return files[-1] if files else None


def checkpoint_read(path: Path) -> dict[str, Any]:
    """The checkpoint in ``path``, its signature checked; raises ``CheckpointInvalid``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        signature = base64.b64decode(document.pop("signature"), validate=True)
        if document.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(document.get("format"))
        heads = document["heads"]
        for head in heads:
            int(head["account_id"]), int(head["seq"]), str(head["hash"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointInvalid(f"检查点 {path.name} 格式无效：{exc}") from exc
    try:
        public = checkpoint_signing_key().public_key()
        public.verify(signature, checkpoint_payload(document))
    except InvalidSignature as exc:
        raise CheckpointInvalid(f"检查点 {path.name} 签名无效（文件被改动或伪造）") from exc
    return document


def checkpoint_write(*, out: Path | str | None = None, using: str = "default") -> Path:
    """Verify the ledger (against the key and the latest checkpoint in ``out``), then write a
    checkpoint of every chain head there, signed; returns its path. A ledger that does not
    verify gets no checkpoint: ``CheckpointRefused``, whose message says why."""
    directory = checkpoint_dir(out)
    result = verify(using=using, checkpoint_dir=directory)
    if not result.intact:
        raise CheckpointRefused(verify_message(result))
    now = timezone.now().astimezone(datetime.UTC)
    rows = (
        LedgerHead.objects.using(using)
        .filter(last_seq__gt=0)
        .order_by("account_id")
        .values_list("account_id", "account__account_no", "last_seq", "last_hash")
    )
    body = {
        "format": CHECKPOINT_FORMAT,
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "heads": [
            {"account_id": a, "account_no": no, "seq": seq, "hash": h} for a, no, seq, h in rows
        ],
    }
    signature = checkpoint_signing_key().sign(checkpoint_payload(body))
    document = {**body, "signature": base64.b64encode(signature).decode()}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ledger-checkpoint-{now:%Y%m%dT%H%M%S%fZ}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)  # never a half-written checkpoint under the final name
    return path


def verify_message(result: VerifyResult) -> str:
    """What ``verify_ledger`` prints about a ledger that does not verify."""
    checked = f"（已检查 {result.accounts} 个账户、{result.entries} 条流水）"
    broken = result.first_break
    if broken is not None:
        entry = f"流水 id {broken.entry_id}" if broken.entry_id else "链头"
        return (
            f"学分流水校验失败：账户 {broken.account_no}（id {broken.account_id}）"
            f"第 {broken.seq} 条，{entry}：{broken.reason}。{checked}"
        )
    return f"学分流水校验失败：{result.checkpoint_problem}。{checked}"
