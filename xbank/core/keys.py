"""What a master key must look like, checked where settings are read (no Django imports here).

``XBANK_PII_KEY`` encrypts every resident ID number and phone and keys their lookup hashes; a weak
one is found out only when it is too late (the numbers are written under it), so production
refuses to start with a missing, demo, malformed or short key, and ``check --deploy`` says so.
"""

from __future__ import annotations

import base64
import binascii

MIN_KEY_BYTES = 32

# The demo master key, public in this file so that `make demo` runs with no set-up: never safe.
# Settings fall back to it outside production, and both settings and the deploy check refuse it.
DEMO_PII_KEY = "dW5zYWZlLWRlbW8tcGlpLWtleS1uZXZlci1wcm9kdWM="  # 32 bytes, base64


def pii_key_problem(value: str | None, *, demo_value: str | None = None) -> str | None:
    """Why ``value`` is not a usable master key, or None when it is."""
    if not value:
        return "XBANK_PII_KEY is not set"
    if demo_value is not None and value == demo_value:
        return "XBANK_PII_KEY is the demo key, which is public (UNSAFE FOR PRODUCTION)"
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "XBANK_PII_KEY must be base64 (try: openssl rand -base64 32)"
    if len(raw) < MIN_KEY_BYTES:
        return (
            f"XBANK_PII_KEY holds {len(raw)} bytes; it needs at least {MIN_KEY_BYTES} random "
            "bytes (try: openssl rand -base64 32)"
        )
    if len(set(raw)) < 16:
        return "XBANK_PII_KEY does not look random (too few distinct bytes)"
    return None
