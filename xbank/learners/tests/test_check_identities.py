"""``manage.py check_identities`` lists the stored numbers a deployment must correct."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.pii import lookup_hash
from xbank.learners.models import LearningAccount
from xbank.learners.services import account_get_or_create

pytestmark = pytest.mark.django_db


def stored_before_the_fix(number: str, name: str) -> LearningAccount:
    """An account as the old code stored it: the number as typed, hashed under the cn namespace."""
    return LearningAccount.objects.create(
        name=name, id_type="resident_id", id_number=number, id_hash=lookup_hash(f"cn:{number}")
    )


def test_it_reports_0_when_every_number_is_valid():
    account_get_or_create(actor=SYSTEM, document=parse_document("11010519491231002X"), name="甲")
    out = StringIO()
    call_command("check_identities", stdout=out)
    assert "0 个账户需要更正：1 个学习账户的证件号码全部有效" in out.getvalue()


def test_it_lists_each_wrong_number_masked_and_exits_1():
    account_get_or_create(actor=SYSTEM, document=parse_document("11010519491231002X"), name="甲")
    # The old code computed "1" for this body (from 16 digits); the right digit is "X".
    wrong = stored_before_the_fix("110105194912310021", "乙")
    # And a 15-digit number that an earlier import let through.
    old = stored_before_the_fix("110105491231002", "丙")
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("check_identities", stdout=out)
    assert exc.value.returncode == 1
    assert str(exc.value) == "2 个账户的证件号码需要更正（共检查 3 个账户）。"
    lines = out.getvalue().splitlines()
    assert lines == [
        f"账户 {wrong.account_no}（id {wrong.pk}）乙 110105********0021："
        "校验位不正确（最后一位应为 X），请核对是否输错",
        f"账户 {old.account_no}（id {old.pk}）丙 110105*****1002："
        "是 15 位的旧身份证号，请填写 18 位的新号码",
    ]
    assert "110105194912310021" not in out.getvalue()


def test_it_reports_a_birth_date_that_disagrees_with_the_number():
    account, _ = account_get_or_create(
        actor=SYSTEM, document=parse_document("11010519491231002X"), name="甲"
    )
    LearningAccount.objects.filter(pk=account.pk).update(birth_date="1949-12-30")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_identities", stdout=out)
    assert "出生日期 1949-12-30 与证件号码中的 1949-12-31 不符" in out.getvalue()
