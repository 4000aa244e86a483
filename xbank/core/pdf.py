"""One function renders every PDF (admission tickets, transcripts, certificates, evidence reports)
from a template and a context, with the Chinese glyphs embedded.

WeasyPrint lays out HTML/CSS; the fonts are Noto Sans SC and Noto Serif SC from the
``pylopdf-fonts-zh-cn`` package (OFL), loaded through ``@font-face`` so that a PDF renders the
same on a machine with no Chinese fonts at all. ReportLab's built-in CJK fonts are not embedded
and show boxes on such a reader, hence this choice (LIBRARIES.md).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def font_faces_css() -> str:
    fonts = resources.files("pylopdf_fonts_zh_cn")
    sans = fonts / "NotoSansSC-Regular.otf"
    serif = fonts / "NotoSerifSC-Regular.otf"
    return (
        f'@font-face {{ font-family: "XBank Sans"; src: url("file://{sans}"); }}\n'
        f'@font-face {{ font-family: "XBank Serif"; src: url("file://{serif}"); }}\n'
    )


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render ``template_name`` (which extends ``core/pdf_base.html``) to PDF bytes."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template_name, context, request=request)
    font_config = FontConfiguration()
    css = CSS(string=font_faces_css(), font_config=font_config)
    return HTML(string=html, base_url="/").write_pdf(stylesheets=[css], font_config=font_config)


def pdf_response(filename: str, content: bytes, *, inline: bool = True):
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
