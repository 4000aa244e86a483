"""Middleware shared by every app."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Send ``Cache-Control: no-store`` on every page that does not choose its own caching.

    XBank's pages show personal data (names, masked and full document numbers, phones) to staff,
    to learners on their own account, and to the public on registration status pages. A browser
    or a proxy that keeps such a page on disk leaks it to the next user of a shared computer, so
    nothing is stored unless a view says otherwise. Applying this to every response rather than
    a list of "personal" pages means a new page is covered without anyone remembering to; no
    XBank page gains from browser caching. Static files never reach this middleware: WhiteNoise
    answers them earlier in the chain with its own long-lived headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            response.headers.setdefault("Pragma", "no-cache")  # HTTP/1.0 proxies
        return response
