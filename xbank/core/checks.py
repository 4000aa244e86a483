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


# Cache backends shared by every web process (and machine): counts kept there hold for all.
SHARED_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs):
    """Production runs several web processes: the rate limits (verification, registration) count
    in the cache, so a per-process memory cache would let an address make the limit once per
    process. Production refuses to start without a shared cache (``REDIS_URL``)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in SHARED_CACHES:
        return []
    return [
        Error(
            "Production needs a cache shared by every web process for its rate limits; "
            f"the default cache is {backend or 'not set'}.",
            hint="Set REDIS_URL, e.g. redis://127.0.0.1:6379/0",
            id="xbank.E003",
        )
    ]
