"""Re-chain every ledger entry under the ledger key (HMAC-SHA256 instead of plain SHA-256).

Before this migration a chain link was ``sha256(canonical + prev_hash)``: anyone who could write
the database could change an entry and recompute the chain and its head. From here on a link is
``hmac_sha256(chain_key, canonical + prev_hash)`` with a key derived from ``XBANK_LEDGER_KEY``,
which the database does not hold.

Existing entries are re-chained rather than marked with a per-entry algorithm: a per-entry
"sha256" mark would let a forger downgrade any entry to the unkeyed hash. Each chain is first
checked as it stands (plain SHA-256, sequence, links and head); a chain that does not check
stops the migration, naming the entry, so tampering from before the key is never laundered
into a keyed chain. Then every entry gets its HMAC link and each head the new last hash.

The canonical form is frozen here (a migration must not follow later changes to the model).
On PostgreSQL the append-only trigger is switched off for the rewrite and on again, inside the
migration's transaction; migrations run as the owner role (docs/operations.md).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from django.conf import settings
from django.db import migrations

from xbank.core.keys import derive_key

GENESIS_HASH = "0" * 64
CHAIN_KEY_INFO = b"xbank ledger chain hmac-sha256"
HASHED_FIELDS = (
    "account_id", "seq", "kind", "credits", "curriculum_id", "course_id", "module_id",
    "category", "outcome_id", "rule_id", "request_id", "reverses_id", "key", "memo",
    "created_at", "created_by_id",
)  # fmt: skip


def canonical(entry) -> bytes:
    values = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if isinstance(value, Decimal):
            value = str(value.quantize(Decimal("0.1")) if value else Decimal("0.0"))
        elif isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        values[name] = value
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class LegacyChainBroken(RuntimeError):
    pass


def rechain(apps, schema_editor):
    CreditEntry = apps.get_model("creditbank", "CreditEntry")
    LedgerHead = apps.get_model("creditbank", "LedgerHead")
    db = schema_editor.connection.alias
    entries = CreditEntry.objects.using(db).order_by("account_id", "seq")
    if not entries.exists():
        return
    key = derive_key(settings.XBANK_LEDGER_KEY, CHAIN_KEY_INFO, name="XBANK_LEDGER_KEY")
    heads = {h.account_id: (h.last_seq, h.last_hash) for h in LedgerHead.objects.using(db).all()}

    def broken(entry_or_account, seq, why):
        return LegacyChainBroken(
            f"Ledger chain of account id {entry_or_account} is broken at seq {seq} ({why}); "
            "not re-chaining it under the ledger key. Restore the ledger from a backup taken "
            "before the change, or investigate, then run the migration again."
        )

    new_links: list[tuple[int, str, str]] = []  # (entry id, prev_hash, hash)
    new_heads: dict[int, str] = {}
    current = None
    old_prev = new_prev = GENESIS_HASH
    expected = 1

    def close(account_id):
        if heads.get(account_id, (0, GENESIS_HASH)) != (expected - 1, old_prev):
            raise broken(account_id, expected - 1, "head does not match the chain")
        new_heads[account_id] = new_prev

    for entry in entries.iterator(chunk_size=2000):
        if entry.account_id != current:
            if current is not None:
                close(current)
            current, old_prev, new_prev, expected = entry.account_id, GENESIS_HASH, GENESIS_HASH, 1
        body = canonical(entry)
        if (
            entry.seq != expected
            or entry.prev_hash != old_prev
            or hashlib.sha256(body + entry.prev_hash.encode()).hexdigest() != entry.hash
        ):
            raise broken(entry.account_id, entry.seq, f"entry id {entry.pk}")
        link = hmac.new(key, body + new_prev.encode(), hashlib.sha256).hexdigest()
        new_links.append((entry.pk, new_prev, link))
        old_prev, new_prev, expected = entry.hash, link, entry.seq + 1
    close(current)

    postgresql = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE creditbank_creditentry "
                "DISABLE TRIGGER creditbank_creditentry_append_only"
            )
        cursor.executemany(
            "UPDATE creditbank_creditentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [(prev, link, pk) for pk, prev, link in new_links],
        )
        cursor.executemany(
            "UPDATE creditbank_ledgerhead SET last_hash = %s WHERE account_id = %s",
            [(last, account_id) for account_id, last in new_heads.items()],
        )
        if postgresql:
            cursor.execute(
                "ALTER TABLE creditbank_creditentry "
                "ENABLE TRIGGER creditbank_creditentry_append_only"
            )


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0002_append_only_triggers")]

    # No way back: the unkeyed chain is exactly what this migration retires.
    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
