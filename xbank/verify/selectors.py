"""Reads of the verification app: a credential by the code someone typed or scanned."""

from __future__ import annotations

from .models import Credential, normalize_code


def credential_for_code(typed: str) -> Credential | None:
    """The credential whose code was typed: a Crockford code in any case, with or without the
    hyphens of print and with O/I/L for 0/1; or an older case-sensitive code exactly as issued."""
    typed = typed.strip()
    if not typed:
        return None
    candidates = {typed, normalize_code(typed)}
    return Credential.objects.filter(code__in=candidates).first()
