"""Personal data at rest: authenticated encryption, keyed lookup hashes and masking.

Resident ID numbers (居民身份证号) and phone numbers are personal information under PIPL. They are
stored encrypted with AES-256-GCM (so a stolen database file reveals nothing and a tampered
ciphertext fails to decrypt), looked up and kept unique through an HMAC-SHA256 of the normalised
value (so equality search needs no decryption), and shown masked unless a role that needs the full
value asks for it, which is logged (see ``xbank.learners.services.account_reveal_id``).

Both subkeys are derived with HKDF from one master key, ``settings.XBANK_PII_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

from .keys import derive_key

_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> tuple[AESGCM, bytes]:
    return (
        AESGCM(derive_key(master_b64, b"xbank pii encryption")),
        derive_key(master_b64, b"xbank pii lookup hash"),
    )


def encrypt(plaintext: str) -> str:
    aead, _ = _keys(settings.XBANK_PII_KEY)
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
    return f"{_VERSION}:" + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    version, _, payload = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"Unknown PII ciphertext version {version!r}")
    aead, _ = _keys(settings.XBANK_PII_KEY)
    raw = base64.b64decode(payload)
    return aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash of an already normalised value; equal values give equal hashes."""
    _, key = _keys(settings.XBANK_PII_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``440106199001011234`` → ``440106********1234``; short documents keep 2 + 2 characters."""
    if not value:
        return ""
    if len(value) >= 15:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class EncryptedTextField(models.TextField):
    """A text column whose value is stored as AES-GCM ciphertext and read back as plaintext.

    It cannot be filtered or ordered on: search through a companion hash column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


# --- Masking numbers in free text (logs, audit data) ------------------------------------------

_DIGIT = "0-9０-９"
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
# Anything shaped like a resident ID number (18 characters: 17 digits and a digit or X; or the
# 15-digit legacy form) or a mainland mobile number (1[3-9] and 9 digits, optionally after +86),
# standing alone: not inside a longer run of letters and digits, so hex digests and UUIDs
# (lookup hashes, file digests) are left alone. Full-width digits count: rosters have them.
PII_SHAPED = re.compile(
    # After a percent-escape (a login redirect's ?next=…%3D1101…) the letter of the escape is
    # no part of the number.
    rf"(?:(?<=%[0-9A-Fa-f]{{2}})|(?<![{_ALNUM}+]))(?:"
    rf"(?P<id>[{_DIGIT}]{{17}}[{_DIGIT}XxＸｘ]|[{_DIGIT}]{{15}})"
    rf"|(?P<prefix>(?:\+|00)?(?:86|８６)[-\s]?)?(?P<mobile>[1１][3-9３-９][{_DIGIT}]{{9}})"
    rf")(?![{_ALNUM}])"
)


def _mask_match(match: re.Match) -> str:
    if match.group("id"):
        return mask_id_number(match.group("id"))
    return (match.group("prefix") or "") + mask_phone(match.group("mobile"))


def mask_text(text: str) -> str:
    """Mask every ID-shaped or mobile-shaped number in ``text``:
    ``"q=11010519491231002X"`` → ``"q=110105********002X"``."""
    return PII_SHAPED.sub(_mask_match, text)


def mask_data(value: Any) -> Any:
    """``mask_text`` through a JSON-like value (dicts, lists, tuples, strings, integers)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        text = str(value)
        masked = mask_text(text)
        return value if masked == text else masked
    if isinstance(value, dict):
        return {mask_data(key): mask_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_data(item) for item in value]
    return value
