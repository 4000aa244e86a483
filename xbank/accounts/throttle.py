"""Login throttling (登录限制) on top of django-axes, which counts failures per username and
client address.

Two limits, both over the cool-off window (``AXES_COOLOFF_TIME``, 15 minutes):

- per account and address: ``AXES_FAILURE_LIMIT`` (5) failures lock that pair (axes itself);
- per address, whatever the usernames: ``XBANK_LOGIN_ADDRESS_FAILURE_LIMIT`` (30) failures
  refuse the address's next attempts, so that guessing over many accounts from one address is
  throttled too (issue 9: 78 wrong passwords over 26 accounts went through).

The lockout page is a 429 with ``Retry-After``: the seconds until enough of the counted failures
have aged out of the window for the lock to lift.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from xbank.core.net import client_ip
from xbank.core.throttling import too_many


def _window() -> datetime.timedelta:
    cool_off = get_cool_off()
    assert cool_off is not None, "AXES_COOLOFF_TIME must be set: the limits count over it"
    return cool_off


def _address(request: HttpRequest) -> str:
    return getattr(request, "axes_ip_address", None) or client_ip(request) or ""


def _recent(**filters: Any) -> list[tuple[datetime.datetime, int]]:
    """(last failure, failures) of the attempt rows matching ``filters`` within the window."""
    since = timezone.now() - _window()
    rows = AccessAttempt.objects.filter(attempt_time__gte=since, **filters)
    return list(rows.values_list("attempt_time", "failures_since_start"))


def _seconds_until_below(rows: Iterable[tuple[datetime.datetime, int]], limit: int) -> float:
    """Seconds until the failures still inside the window drop below ``limit`` (0: already).

    A row leaves the window a cool-off after its last failure; the newest rows stay longest. Adding
    rows from the newest, the row that brings the sum to the limit is the one whose leaving lifts
    the lock."""
    total = 0
    for attempt_time, failures in sorted(rows, reverse=True):
        total += failures
        if total >= limit:
            return (attempt_time + _window() - timezone.now()).total_seconds()
    return 0.0


def address_failures_left(request: HttpRequest) -> float:
    """Seconds the request's address stays refused for failures across usernames (0: not)."""
    return _seconds_until_below(
        _recent(ip_address=_address(request)), settings.XBANK_LOGIN_ADDRESS_FAILURE_LIMIT
    )


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler plus the per-address limit across usernames."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        # Checked before the password: the attempt after the limit is refused, right or wrong.
        request.xbank_address_locked = address_failures_left(request) > 0
        return request.xbank_address_locked

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Axes records the refused attempt and flags the request for its lockout page only when
        the account's own count is reached; an attempt refused for its address is flagged here."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "xbank_address_locked", False):
            request.axes_locked_out = True


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The lockout page (``AXES_LOCKOUT_CALLABLE``): which limit was reached, and for how long."""
    by_address = address_failures_left(request)
    username = get_client_username(request, credentials)
    by_account = _seconds_until_below(
        _recent(ip_address=_address(request), username=username), settings.AXES_FAILURE_LIMIT
    )
    seconds = max(by_address, by_account) or _window().total_seconds()
    return too_many(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"by_address": by_address > 0},
        seconds=seconds,
    )
