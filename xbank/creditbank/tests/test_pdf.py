"""The transcript (成绩单) as a PDF: its Chinese course names extract as text (pdftotext), its
fonts are embedded (pdffonts), and it prints the public verification URL its QR code carries."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from conftest import missing_tool
from xbank.creditbank import services
from xbank.creditbank.tests.test_views import build_page_world

pytestmark = pytest.mark.django_db


def pdf_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} is not installed (apt-get install poppler-utils)")
    return path


def run(tool: str, path) -> str:
    return subprocess.run(
        [pdf_tool(tool), str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_transcript_pdf_has_the_exempted_course_in_chinese_embedded_fonts_and_its_url(
    client, tmp_path
):
    pw = build_page_world()
    services.recognition_school_approve(actor=pw.users["school_staff"], request=pw.request)
    services.recognition_approve(actor=pw.users["academic_affairs"], request=pw.request)
    client.force_login(pw.users["learner"])
    client.post(reverse("creditbank:transcript-issue", args=[pw.alice.pk]))
    credential = client.get(reverse("creditbank:transcript", args=[pw.alice.pk])).context[
        "credential"
    ]
    response = client.get(reverse("creditbank:transcript-pdf", args=[pw.alice.pk, credential.code]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "transcript.pdf"
    path.write_bytes(response.content)

    text = run("pdftotext", path)
    assert "成绩单" in text and "安丽丝" in text
    exempted, passed = text.split("免修课程", 1)[1].split("已修合格课程", 1)
    assert "老年护理" in exempted and pw.published.label in exempted
    assert pw.certificate.number in exempted
    assert "护理学基础" in passed
    # The URL under the QR code, the same one the page links to (wrapped over lines in print).
    url = "http://testserver" + reverse("verify:detail", args=[credential.code])
    assert url in "".join(text.split())

    fonts = [line for line in run("pdffonts", path).splitlines()[2:] if line.strip()]
    assert fonts
    assert all(" yes " in row for row in fonts), fonts  # the "emb" column
    assert any("XBank-Sans" in row for row in fonts), fonts
