"""Public verification pages (核验): no login; rate-limited per client address so that codes
cannot be walked; in Chinese and English (Hong Kong, Macao and foreign verifiers)."""

from __future__ import annotations

import re

from django.shortcuts import redirect, render
from django_ratelimit.decorators import ratelimit

from xbank.core.net import client_ip
from xbank.core.throttling import ratelimit_seconds_left, too_many

from . import selectors

RATE = "30/m"


def _client(group, request):
    return client_ip(request) or "unknown"


@ratelimit(key=_client, rate=RATE, block=True)
def verify_home(request):
    # Every code ever issued is URL-safe (A-Z a-z 0-9 - _): anything else typed (spaces, a
    # slash, a full stop) is dropped, so what is left always makes an address.
    code = re.sub(r"[^A-Za-z0-9_-]", "", request.GET.get("code") or "")
    if code:
        return redirect("verify:detail", code=code)
    return render(request, "verify/home.html")


@ratelimit(key=_client, rate=RATE, block=True)
def verify_detail(request, code: str):
    credential = selectors.credential_for_code(code)
    status = 200 if credential else 404
    return render(
        request, "verify/detail.html", {"credential": credential, "code": code}, status=status
    )


def ratelimited(request, exception):
    """Every blocked django-ratelimit view (``RATELIMIT_VIEW``): a 429 with ``Retry-After``, the
    seconds until the blocked view's window for this address ends."""
    match = request.resolver_match
    seconds = match and ratelimit_seconds_left(request, fn=match.func, key=_client, rate=RATE)
    return too_many(request, "verify/ratelimited.html", seconds=seconds or 60)
