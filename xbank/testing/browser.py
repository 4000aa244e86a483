"""Helpers for the Playwright tests."""

from __future__ import annotations


def overflows(page) -> bool:
    """Whether the page scrolls sideways. It waits for the page to finish loading first: right
    after a navigation commits the new document may have no root element yet, and a bare
    ``evaluate`` then fails (or measures a half-built page)."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))
