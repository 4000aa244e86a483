"""System checks of XBank's own settings (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from .keys import DEMO_LEDGER_KEY, DEMO_PII_KEY, ledger_key_problem, pii_key_problem


@register(Tags.security, deploy=True)
def check_pii_key(app_configs, **kwargs):
    """The master key of personal data: set, not the demo key, base64 of ≥ 32 random bytes.

    Production settings already refuse to start with such a key; this also catches a deployment
    check run under the demo profile, which would otherwise encrypt real numbers under a key that
    is printed in the source.
    """
    problem = pii_key_problem(getattr(settings, "XBANK_PII_KEY", None), demo_value=DEMO_PII_KEY)
    if problem is None:
        return []
    return [Error(problem, hint="openssl rand -base64 32", id="xbank.E001")]


@register(Tags.security, deploy=True)
def check_ledger_key(app_configs, **kwargs):
    """The master key of the ledger's hash chains and checkpoints: set, not the demo key, base64
    of ≥ 32 random bytes. Under the demo key anyone can rewrite a chain so that it verifies."""
    problem = ledger_key_problem(
        getattr(settings, "XBANK_LEDGER_KEY", None), demo_value=DEMO_LEDGER_KEY
    )
    if problem is None:
        return []
    return [Error(problem, hint="openssl rand -base64 32", id="xbank.E002")]
