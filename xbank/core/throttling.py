"""Answers of a refused request (429 Too Many Requests), each with ``Retry-After`` in seconds.

Every 429 the project returns goes through ``too_many``: django-ratelimit's blocked views
(``xbank.verify.views.ratelimited``), the public registration form, the login lockout
(``xbank.accounts.throttle``) and the daily limit of full-ID exports. ``ratelimit_seconds_left``
reads how long a django-ratelimit window still runs, without counting the request again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# A window that ends this very second still asks the client to wait one.
MIN_RETRY_AFTER = 1


def with_retry_after(response: HttpResponse, seconds: float) -> HttpResponse:
    """Set ``Retry-After`` (whole seconds, rounded up, at least one) on ``response``."""
    response["Retry-After"] = str(max(MIN_RETRY_AFTER, math.ceil(seconds)))
    return response


def too_many(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    seconds: float,
) -> HttpResponse:
    """``template`` rendered as a 429 that asks the client to come back in ``seconds``."""
    return with_retry_after(render(request, template, context, status=429), seconds)


def ratelimit_seconds_left(
    request: HttpRequest,
    *,
    fn: Callable[..., Any],
    key: Callable[[str, HttpRequest], str],
    rate: str | Callable[[str, HttpRequest], str | None],
    method: Any = None,
) -> int | None:
    """Seconds until the django-ratelimit window of ``fn`` (its default group) for this request's
    key ends; None when no limit applies. The request is not counted again."""
    kwargs: dict[str, Any] = {"fn": fn, "key": key, "rate": rate, "increment": False}
    if method is not None:
        kwargs["method"] = method
    usage = get_usage(request, **kwargs)
    if usage is None:
        return None
    return max(MIN_RETRY_AFTER, int(usage["time_left"]))
