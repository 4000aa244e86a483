"""PDFs carry their Chinese text with the fonts embedded (checked with poppler's tools)."""

import shutil
import subprocess

from conftest import missing_tool
from xbank.core.pdf import render_pdf
from xbank.core.qr import qr_svg_data_uri


def pdf_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} is not installed (apt-get install poppler-utils)")
    return path


def test_a_pdf_has_its_chinese_text_and_embedded_fonts(tmp_path, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    (tmp_path / "sample.html").write_text(
        '{% extends "core/pdf_base.html" %}{% block body %}'
        "<h1>学习成果认定书</h1><p>欧阳可儿 老年照护职业技能等级证书（中级）</p>"
        '<img class="qr" src="{{ qr }}">{% endblock %}',
        encoding="utf-8",
    )
    content = render_pdf("sample.html", {"qr": qr_svg_data_uri("https://example.edu.cn/v/abc")})
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        [pdf_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "学习成果认定书" in text
    assert "老年照护职业技能等级证书（中级）" in text
    fonts = subprocess.run(
        [pdf_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    assert all(" yes " in row for row in rows), fonts  # the "emb" column
    assert any("XBank-Sans" in row for row in rows), fonts  # Noto Sans SC, under our family name
