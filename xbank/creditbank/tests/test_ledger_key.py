"""Issue 9: the ledger's chain needs a secret. Whoever can write the database can change an
entry and recompute a plain hash chain; with HMAC under a key the database does not hold, the
recomputed chain no longer verifies, and ``verify_ledger`` names the entry.

Every expected hash here is computed in the test, from hand-written bytes, with ``hmac`` and
``hashlib`` (HKDF written out after RFC 5869), never with the model's own hash function.
"""

import base64
import datetime
import hashlib
import hmac
import importlib
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from xbank.core.actors import SYSTEM
from xbank.creditbank import services
from xbank.creditbank.models import CreditEntry, LedgerHead
from xbank.creditbank.tests import test_ledger
from xbank.creditbank.tests.test_ledger import _tamper, run_verify

pytestmark = pytest.mark.django_db

# The fixtures of test_ledger: a credit world, and a learner with four entries posted.
world = test_ledger.world
posted = test_ledger.posted

# A test master key (32 bytes) and the chain key RFC 5869 derives from it.
MASTER = b"test-ledger-master-key-0123456789"[:32]
MASTER_B64 = base64.b64encode(MASTER).decode()


def hkdf_sha256(ikm: bytes, info: bytes) -> bytes:
    """RFC 5869 with no salt (a string of zeros) and one block of output."""
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


CHAIN_KEY = hkdf_sha256(MASTER, b"xbank ledger chain hmac-sha256")


@pytest.fixture(autouse=True)
def ledger_key(settings):
    settings.XBANK_LEDGER_KEY = MASTER_B64


def row_canonical(entry_id: int) -> bytes:
    """The canonical bytes of an entry, written independently: the stored values in a JSON
    object with sorted keys, no spaces, UTF-8, credits with one decimal, UTC microseconds."""
    v = CreditEntry.objects.filter(pk=entry_id).values().get()
    values = {
        "account_id": v["account_id"],
        "category": v["category"],
        "course_id": v["course_id"],
        "created_at": v["created_at"].astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "created_by_id": v["created_by_id"],
        "credits": f"{v['credits']:.1f}",
        "curriculum_id": v["curriculum_id"],
        "key": v["key"],
        "kind": v["kind"],
        "memo": v["memo"],
        "module_id": v["module_id"],
        "outcome_id": v["outcome_id"],
        "request_id": v["request_id"],
        "reverses_id": v["reverses_id"],
        "rule_id": v["rule_id"],
        "seq": v["seq"],
    }
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def test_an_entry_is_linked_by_hmac_sha256_of_its_canonical_string_under_the_ledger_key(world):
    learner = world.learner()
    entry = services.course_credit_post(
        actor=SYSTEM, outcome=world.course_result(learner, "护理学基础")
    )
    created = entry.created_at.astimezone(datetime.UTC)
    canonical = (
        f'{{"account_id":{learner.account_id},"category":"{entry.category}",'
        f'"course_id":{entry.course_id},'
        f'"created_at":"{created:%Y-%m-%dT%H:%M:%S.%f}Z","created_by_id":null,"credits":"8.0",'
        f'"curriculum_id":{entry.curriculum_id},"key":"course:{entry.outcome_id}",'
        f'"kind":"course","memo":"课程「护理学基础」成绩合格，计 8.0 学分","module_id":null,'
        f'"outcome_id":{entry.outcome_id},"request_id":null,"reverses_id":null,"rule_id":null,'
        f'"seq":1}}'
    )
    message = canonical.encode() + b"0" * 64  # the genesis link
    expected = hmac.new(CHAIN_KEY, message, hashlib.sha256).hexdigest()
    stored = CreditEntry.objects.get(pk=entry.pk)
    assert (stored.prev_hash, stored.hash) == ("0" * 64, expected)
    assert LedgerHead.objects.get(account=learner.account).last_hash == expected
    # Not the unkeyed hash the chain used to be.
    assert expected != hashlib.sha256(message).hexdigest()


def rewrite(account_id: int, from_seq: int, link) -> None:
    """What a forger with write access does: recompute the links from ``from_seq`` to the end of
    the account's chain with ``link(message)``, and move the head to the new last link."""
    rows = list(
        CreditEntry.objects.filter(account_id=account_id, seq__gte=from_seq)
        .order_by("seq")
        .values_list("pk", "seq", "prev_hash")
    )
    prev = rows[0][2]
    for pk, _, _ in rows:
        new = link(row_canonical(pk) + prev.encode())
        _tamper(
            "UPDATE creditbank_creditentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new, pk],
        )
        prev = new
    LedgerHead.objects.filter(account_id=account_id).update(last_hash=prev)


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(lambda m: hashlib.sha256(m).hexdigest(), id="plain-sha256"),
        pytest.param(
            lambda m: hmac.new(hkdf_sha256(b"w" * 32, b"x"), m, hashlib.sha256).hexdigest(),
            id="wrong-key",
        ),
    ],
)
def test_a_changed_entry_with_its_chain_recomputed_without_the_key_is_found(world, posted, link):
    learner, _, _ = posted
    target = CreditEntry.objects.get(account=learner.account, seq=3)
    _tamper("UPDATE creditbank_creditentry SET credits = 40 WHERE id = %s", [target.pk])
    rewrite(learner.account_id, 3, link)
    # The forged chain hangs together: each link names the one before, the head the last.
    links = list(
        CreditEntry.objects.filter(account=learner.account)
        .order_by("seq")
        .values_list("prev_hash", "hash")
    )
    assert all(b[0] == a[1] for a, b in zip(links, links[1:], strict=False))
    assert LedgerHead.objects.get(account=learner.account).last_hash == links[-1][1]
    assert CreditEntry.objects.get(pk=target.pk).credits == Decimal("40")

    code, message = run_verify()
    assert code == 1
    assert f"账户 {learner.account.account_no}" in message
    assert f"第 3 条，流水 id {target.pk}" in message
    assert "流水内容与哈希不符" in message


def test_the_same_chain_recomputed_with_the_key_verifies(world, posted):
    """The control of the two cases above: the forger's procedure, given the key, succeeds, so
    it is the key that stops them (and the checkpoints, in test_ledger_checkpoints.py)."""
    learner, _, _ = posted
    target = CreditEntry.objects.get(account=learner.account, seq=3)
    _tamper("UPDATE creditbank_creditentry SET credits = 40 WHERE id = %s", [target.pk])
    rewrite(learner.account_id, 3, lambda m: hmac.new(CHAIN_KEY, m, hashlib.sha256).hexdigest())
    code, _ = run_verify()
    assert code == 0


rechain_migration = importlib.import_module(
    "xbank.creditbank.migrations.0003_rechain_under_ledger_key"
)


def run_rechain() -> None:
    # Migration 0003 runs before 0004 adds SQLite's trigger: take it away again for the test.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS creditbank_creditentry_append_only")
    # The migration reads only the schema editor's connection.
    rechain_migration.rechain(django_apps, SimpleNamespace(connection=connection))


def test_the_migration_rechains_an_unkeyed_chain_under_the_key(world, posted):
    learner, _, _ = posted
    rewrite(learner.account_id, 1, lambda m: hashlib.sha256(m).hexdigest())  # as before issue 9
    assert run_verify()[0] == 1
    run_rechain()
    first = CreditEntry.objects.get(account=learner.account, seq=1)
    message = row_canonical(first.pk) + b"0" * 64
    assert first.hash == hmac.new(CHAIN_KEY, message, hashlib.sha256).hexdigest()
    assert run_verify()[0] == 0


def test_the_migration_refuses_to_rechain_a_chain_that_was_already_tampered_with(world, posted):
    learner, _, _ = posted
    rewrite(learner.account_id, 1, lambda m: hashlib.sha256(m).hexdigest())
    target = CreditEntry.objects.get(account=learner.account, seq=2)
    _tamper("UPDATE creditbank_creditentry SET credits = 30 WHERE id = %s", [target.pk])
    with pytest.raises(rechain_migration.LegacyChainBroken, match=f"entry id {target.pk}"):
        run_rechain()
