"""Issue 9, part 2: signed checkpoints of every chain head, kept outside the database. A forger
who has the ledger key can recompute a chain so that it verifies, but cannot make it pass
through the (seq, hash) an earlier checkpoint recorded.

The signature is checked here with an Ed25519 key derived in the test (RFC 5869 by hand) and the
signed bytes rebuilt in the test, not with the code's own functions.
"""

import base64
import hashlib
import hmac
import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps
from django.core.management import CommandError, call_command

from xbank.core.actors import SYSTEM
from xbank.creditbank import services, tasks
from xbank.creditbank.models import CreditEntry, LedgerHead
from xbank.creditbank.tests import test_ledger, test_ledger_key
from xbank.creditbank.tests.test_ledger import _tamper, run_verify
from xbank.creditbank.tests.test_ledger_key import CHAIN_KEY, MASTER, hkdf_sha256, rewrite

pytestmark = pytest.mark.django_db

world = test_ledger.world
posted = test_ledger.posted
ledger_key = test_ledger_key.ledger_key  # the test master key, autouse

SIGNING_SEED = hkdf_sha256(MASTER, b"xbank ledger checkpoint ed25519")


def write_checkpoint(out=None) -> str:
    stdout = StringIO()
    args = ["--out", str(out)] if out is not None else []
    call_command("ledger_checkpoint", *args, stdout=stdout)
    return stdout.getvalue()


def only_checkpoint(directory):
    files = sorted(directory.glob("ledger-checkpoint-*.json"))
    assert len(files) == 1
    return files[0]


def test_a_checkpoint_is_every_chain_head_signed_with_ed25519(world, posted, settings, tmp_path):
    learner, _, _ = posted
    out = tmp_path / "elsewhere"
    assert "已写入签名检查点" in write_checkpoint(out)
    document = json.loads(only_checkpoint(out).read_text(encoding="utf-8"))
    head = LedgerHead.objects.get(account=learner.account)
    assert document["format"] == "xbank-ledger-checkpoint/1"
    assert document["heads"] == [
        {
            "account_id": learner.account_id,
            "account_no": learner.account.account_no,
            "seq": 4,
            "hash": head.last_hash,
        }
    ]
    signature = base64.b64decode(document.pop("signature"))
    signed = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    public = Ed25519PrivateKey.from_private_bytes(SIGNING_SEED).public_key()
    public.verify(signature, signed.encode())  # raises InvalidSignature if not
    assert not list(settings.LEDGER_CHECKPOINT_DIR.glob("*.json"))  # --out was honoured


def test_a_rewrite_with_the_stolen_key_is_found_by_the_checkpoint(world, posted):
    learner, _, _ = posted
    write_checkpoint()
    target = CreditEntry.objects.get(account=learner.account, seq=3)
    _tamper("UPDATE creditbank_creditentry SET credits = 40 WHERE id = %s", [target.pk])
    rewrite(learner.account_id, 3, lambda m: hmac.new(CHAIN_KEY, m, hashlib.sha256).hexdigest())
    code, message = run_verify()
    assert code == 1
    # The checkpoint holds seq 4; the rewritten chain no longer passes through its hash.
    seq4 = CreditEntry.objects.get(account=learner.account, seq=4)
    assert f"账户 {learner.account.account_no}" in message
    assert f"第 4 条，流水 id {seq4.pk}" in message
    assert "与已签名的检查点" in message


def test_entries_posted_after_a_checkpoint_extend_it(world, posted):
    learner, _, _ = posted
    write_checkpoint()
    services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, "老年照护实训"))
    assert LedgerHead.objects.get(account=learner.account).last_seq == 5
    code, output = run_verify()
    assert code == 0 and "与签名检查点 ledger-checkpoint-" in output


def test_a_checkpoint_whose_entry_was_cut_off_is_found(world):
    learner = world.learner()
    for name in ("护理学基础", "岗位实习"):
        services.course_credit_post(actor=SYSTEM, outcome=world.course_result(learner, name))
    write_checkpoint()
    # Cut entry 2 off and move the head back: the chain alone and its head agree again.
    last = CreditEntry.objects.get(account=learner.account, seq=2)
    _tamper("DELETE FROM creditbank_creditentry WHERE id = %s", [last.pk])
    LedgerHead.objects.filter(account=learner.account).update(
        last_seq=1, last_hash=CreditEntry.objects.get(account=learner.account, seq=1).hash
    )
    code, message = run_verify()
    assert code == 1 and "记录到第 2 条，该流水已不存在" in message


def test_an_altered_checkpoint_file_is_refused(world, posted, settings):
    learner, _, _ = posted
    write_checkpoint()
    path = only_checkpoint(settings.LEDGER_CHECKPOINT_DIR)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["heads"][0]["seq"] = 3  # to cover a rewrite of entry 4, say
    path.write_text(json.dumps(document), encoding="utf-8")
    code, message = run_verify()
    assert code == 1 and f"检查点 {path.name} 签名无效" in message


def test_a_checkpoint_signed_with_another_key_is_refused(world, posted, settings):
    learner, _, _ = posted
    head = LedgerHead.objects.get(account=learner.account)
    body = {
        "format": "xbank-ledger-checkpoint/1",
        "created_at": "2099-01-01T00:00:00.000000Z",
        "heads": [{"account_id": learner.account_id, "account_no": "", "seq": 4, "hash": "f" * 64}],
    }
    assert head.last_hash != "f" * 64
    forger = Ed25519PrivateKey.from_private_bytes(b"f" * 32)
    signed = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    body["signature"] = base64.b64encode(forger.sign(signed)).decode()
    directory = settings.LEDGER_CHECKPOINT_DIR
    directory.mkdir(parents=True)
    (directory / "ledger-checkpoint-20990101T000000000000Z.json").write_text(json.dumps(body))
    code, message = run_verify()
    assert code == 1 and "签名无效" in message


def test_a_ledger_that_does_not_verify_gets_no_checkpoint(world, posted, settings):
    learner, _, _ = posted
    target = CreditEntry.objects.get(account=learner.account, seq=2)
    _tamper("UPDATE creditbank_creditentry SET credits = 30 WHERE id = %s", [target.pk])
    with pytest.raises(CommandError) as exc:
        write_checkpoint()
    assert exc.value.returncode == 1 and "第 2 条" in str(exc.value)
    assert not settings.LEDGER_CHECKPOINT_DIR.exists()


def test_the_checkpoint_is_a_daily_task_that_writes_to_the_checkpoint_directory(
    world, posted, settings
):
    path = "xbank.creditbank.tasks.write_ledger_checkpoint"
    assert path in apps.get_app_config("creditbank").daily_tasks
    written = tasks.write_ledger_checkpoint.enqueue().return_value
    assert written == str(only_checkpoint(settings.LEDGER_CHECKPOINT_DIR))
