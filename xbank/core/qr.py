"""QR codes of public verification URLs, as inline SVG for pages and PDFs (segno)."""

from __future__ import annotations

import segno


def qr_svg_data_uri(url: str, *, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)


def qr_svg_inline(url: str, *, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)
