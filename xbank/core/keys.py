"""What a master key must look like, checked where settings are read (no Django imports here).

``XBANK_PII_KEY`` encrypts every resident ID number and phone and keys their lookup hashes; a weak
one is found out only when it is too late (the numbers are written under it), so production
refuses to start with a missing, demo, malformed or short key, and ``check --deploy`` says so.

``XBANK_LEDGER_KEY`` keys the ledger's hash chains and signs their checkpoints. It is a separate
master key so that the people who hold it (the registrar's office, say) need not hold the key to
personal data, and so that it can live somewhere the database server cannot read. The same rules
apply to it.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_KEY_BYTES = 32

# The demo master key, public in this file so that `make demo` runs with no set-up: never safe.
# Settings fall back to it outside production, and both settings and the deploy check refuse it.
DEMO_PII_KEY = "dW5zYWZlLWRlbW8tcGlpLWtleS1uZXZlci1wcm9kdWM="  # 32 bytes, base64
# The demo ledger key, public for the same reason and just as unsafe: anyone who knows it can
# rewrite a ledger chain so that it verifies.
DEMO_LEDGER_KEY = "dW5zYWZlLWRlbW8tbGVkZ2VyLWtleS1uZXZlci1wcmQ="  # 32 bytes, base64


def key_problem(
    value: str | None, *, name: str = "XBANK_PII_KEY", demo_value: str | None = None
) -> str | None:
    """Why ``value`` is not a usable master key (the setting called ``name``), or None."""
    if not value:
        return f"{name} is not set"
    if demo_value is not None and value == demo_value:
        return f"{name} is the demo key, which is public (UNSAFE FOR PRODUCTION)"
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return f"{name} must be base64 (try: openssl rand -base64 32)"
    if len(raw) < MIN_KEY_BYTES:
        return (
            f"{name} holds {len(raw)} bytes; it needs at least {MIN_KEY_BYTES} random "
            "bytes (try: openssl rand -base64 32)"
        )
    if len(set(raw)) < 16:
        return f"{name} does not look random (too few distinct bytes)"
    return None


def pii_key_problem(value: str | None, *, demo_value: str | None = None) -> str | None:
    """Why ``value`` is not a usable ``XBANK_PII_KEY``, or None when it is."""
    return key_problem(value, name="XBANK_PII_KEY", demo_value=demo_value)


def ledger_key_problem(value: str | None, *, demo_value: str | None = None) -> str | None:
    """Why ``value`` is not a usable ``XBANK_LEDGER_KEY``, or None when it is."""
    return key_problem(value, name="XBANK_LEDGER_KEY", demo_value=demo_value)


@lru_cache(maxsize=16)
def derive_key(master_b64: str, info: bytes, *, name: str = "XBANK_PII_KEY") -> bytes:
    """A 32-byte subkey of a master key for one purpose, named by ``info`` (HKDF-SHA256, no
    salt): subkeys for different purposes never coincide."""
    problem = key_problem(master_b64, name=name)
    if problem:
        raise ValueError(problem)
    master = base64.b64decode(master_b64)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)
