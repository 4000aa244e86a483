from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

# Crockford's base32 (https://www.crockford.com/base32.html): digits and letters without I, L,
# O and U, so that a code typed from paper can't confuse 1/I/L or 0/O, and case doesn't matter.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26  # 26 symbols x 5 bits = 130 random bits (at least 128: unguessable)
# What people type for what they mean, read as Crockford says: O is 0, I and L are 1.
_TYPED = str.maketrans("OIL", "011")


def new_code() -> str:
    """26 Crockford base32 symbols from 130 random bits: unguessable, so the public page lists
    nothing to someone walking codes; printed in groups of four (``display_code``)."""
    n = secrets.randbits(5 * CODE_LENGTH)
    return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def normalize_code(typed: str) -> str:
    """A code as typed from paper (any case, spaces or hyphens between the groups, O for 0, I
    or L for 1) in the stored form; a code issued before Crockford codes (mixed-case URL-safe
    base64) can't be normalised, and is looked up as typed."""
    return "".join(typed.split()).replace("-", "").upper().translate(_TYPED)


def display_code(code: str) -> str:
    """``7K3M-Q9XD-…``: a Crockford code in groups of four for print; an old code as it is."""
    if len(code) != CODE_LENGTH or any(ch not in CROCKFORD for ch in code):
        return code
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class Credential(models.Model):
    """A document XBank issued that anyone may check (核验): a transcript, a certificate, an
    admission ticket… The public page shows what was issued, to whom (name masked), when, by
    whom, and whether it is still valid. Apps register their documents here through
    ``verify.services.credential_issue`` and revoke them through ``credential_revoke``."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("成绩单")
        CERTIFICATE = "certificate", _("证书")
        ADMISSION_TICKET = "admission_ticket", _("准考证")
        TRAINING_COMPLETION = "training_completion", _("培训结业证明")
        RECOGNITION = "recognition", _("学习成果认定书")

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    code = models.CharField(max_length=32, unique=True, default=new_code, editable=False)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    holder_name = models.CharField(_("持有人"), max_length=50)
    issuer = models.CharField(_("签发机构"), max_length=100)
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    # Lines shown on the public page, [[label, value], ...]: the issuing app decides what is
    # public; never put ID numbers or phones here.
    details = models.JSONField(_("公开信息"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="valid")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("可核验文书")
        verbose_name_plural = _("可核验文书")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    @property
    def code_display(self) -> str:
        return display_code(self.code)

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def holder_name_masked(self) -> str:
        return mask_name(self.holder_name)


def mask_name(name: str) -> str:
    """王小明 → 王*明, 李娜 → 李*, 欧阳可儿 → 欧**儿: enough for a verifier who knows the person."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
