"""What an uploaded file is, read from its first bytes (``filetype``), never from its name: a
``.txt`` renamed ``scan.pdf`` is still text."""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# Scans and phone photos: PDF and the images phones save (HEIC on iPhones, WebP on some Android).
EVIDENCE_MIME_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
HEAD_BYTES = 262  # what filetype reads to decide


def sniff_mime(upload: UploadedFile) -> str | None:
    """The file's type by content, or None when its first bytes match no known type."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def validate_evidence_file(upload: UploadedFile | None) -> None:
    """Refuse, naming the file, an upload that is not a PDF or an image by its content."""
    if not upload:
        return
    if sniff_mime(upload) not in EVIDENCE_MIME_TYPES:
        raise ValidationError(
            _("「%(name)s」不是 PDF 或图片文件。佐证材料请上传 PDF、JPG、PNG、WebP 或 HEIC。")
            % {"name": upload.name},
            code="evidence_type",
        )
