"""Verification codes people can type from paper: Crockford base32, printed in groups of four,
matched whatever the case, the hyphens, or O/I/L typed for 0/1; older codes still work.

The alphabet is copied from Crockford's page (https://www.crockford.com/base32.html), and the
codes are decoded in the test with Python's own base-32 integer parsing, not with our code."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db

# Crockford's symbols 0..31, as published: no I, L, O or U.
PUBLISHED_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The same values in the digits int(..., 32) reads (0-9 then A-V).
PYTHON_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
TO_PYTHON = str.maketrans(PUBLISHED_ALPHABET, PYTHON_DIGITS)

STORED = "7K3MQ9XD0A1B2C3D4E5F6G7H8J"  # a hand-made 26-symbol code
PRINTED = "7K3M-Q9XD-0A1B-2C3D-4E5F-6G7H-8J"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _credential(code: str | None = None) -> Credential:
    credential = Credential(
        kind=Credential.Kind.CERTIFICATE,
        title="老年照护职业技能等级证书（初级）",
        holder_name="欧阳可儿",
        issuer="广东岭南职业技术学院",
    )
    if code:
        credential.code = code
    credential.save()
    return credential


def test_new_codes_are_26_crockford_symbols_carrying_at_least_128_random_bits():
    codes = [_credential().code for _ in range(200)]
    assert len(set(codes)) == 200
    assert all(len(c) == 26 and set(c) <= set(PUBLISHED_ALPHABET) for c in codes)
    values = [int(c.translate(TO_PYTHON), 32) for c in codes]
    assert max(values).bit_length() > 128  # the top symbol is used: 130 bits, not fewer
    assert all(v < 2**130 for v in values)


def test_a_code_is_printed_in_groups_of_four():
    assert _credential(STORED).code_display == PRINTED


@pytest.mark.parametrize(
    "typed",
    [
        STORED,
        PRINTED,
        PRINTED.lower(),
        "7k3m q9xd 0a1b 2c3d 4e5f 6g7h 8j",
        "7K3M-Q9XD-OA1B-2C3D-4E5F-6G7H-8J",  # O typed for 0
    ],
)
def test_a_code_typed_from_paper_finds_the_document(client, typed):
    _credential(STORED)
    response = client.get(reverse("verify:home"), {"code": typed}, follow=True)
    assert response.status_code == 200
    assert "老年照护职业技能等级证书（初级）" in response.content.decode()


def test_a_one_typed_as_i_or_l_is_read_as_one():
    code = "1" * 26
    _credential(code)
    for typed in ["I" * 26, "l" * 26, "iIlL" * 6 + "11"]:
        response = _get(typed)
        assert response.status_code == 200, typed


def _get(typed: str):
    from django.test import Client

    return Client().get(reverse("verify:detail", args=[typed]))


def test_an_older_code_still_works_exactly_as_issued_and_only_so():
    old = "Xy_3kP-9QrZtL2mN8vB4wA"  # token_urlsafe, before Crockford codes
    _credential(old)
    assert _get(old).status_code == 200
    assert _get(old.lower()).status_code == 404
    assert _credential(None).code_display != old


@pytest.mark.parametrize("typed", ["a/b", "7K3M/Q9XD", "../admin", "。", "<script>"])
def test_anything_typed_in_the_code_box_gets_an_answer_not_an_error(client, typed):
    response = client.get(reverse("verify:home"), {"code": typed}, follow=True)
    assert response.status_code in (200, 404)
    assert "data-verdict" in response.content.decode() or "核验码" in response.content.decode()


def test_a_code_typed_with_a_full_stop_or_slash_between_groups_still_finds_it(client):
    _credential(STORED)
    response = client.get(reverse("verify:home"), {"code": "7K3M.Q9XD/0A1B 2C3D-4E5F-6G7H-8J"})
    assert response["Location"] == reverse("verify:detail", args=["7K3MQ9XD0A1B2C3D-4E5F-6G7H-8J"])
    assert "老年照护职业技能等级证书（初级）" in client.get(response["Location"]).content.decode()
