"""Public verification pages (核验): no login; rate-limited per client address so that codes
cannot be walked; in Chinese and English (Hong Kong, Macao and foreign verifiers)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django_ratelimit.decorators import ratelimit

from xbank.core.net import client_ip

from . import selectors

RATE = "30/m"


def _client(group, request):
    return client_ip(request) or "unknown"


@ratelimit(key=_client, rate=RATE, block=True)
def verify_home(request):
    code = "".join((request.GET.get("code") or "").split())
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
    return render(request, "verify/ratelimited.html", status=429)
