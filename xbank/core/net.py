"""The client's address when XBank runs behind reverse proxies.

Behind nginx every request arrives from the proxy, so throttling logins by (username, address)
would throttle by username alone (anyone could lock anyone out) and the audit log would record
the proxy. Each proxy appends the address it received the request from to X-Forwarded-For; with
``XBANK_TRUSTED_PROXIES`` = N proxies in front of XBank, the client is the N-th entry from the
right. Entries further left are written by the client and never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "XBANK_TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
