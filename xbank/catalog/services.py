from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xbank.audit import services as audit

from .models import CertificateType

ERR_CANCELLED = "证书「{name}」已取消，不能再新增相关记录"


def ensure_certificate_active(certificate_type: CertificateType | None) -> None:
    """A cancelled certificate type (已取消) accepts no new records anywhere (seed 四(二)2)."""
    if certificate_type is not None and certificate_type.is_cancelled:
        raise ValidationError(ERR_CANCELLED.format(name=certificate_type.name), code="cancelled")


@transaction.atomic
def certificate_type_cancel(*, actor, certificate_type: CertificateType) -> CertificateType:
    ct = CertificateType.objects.select_for_update().get(pk=certificate_type.pk)
    if ct.is_cancelled:
        return ct
    ct.status = CertificateType.Status.CANCELLED
    ct.cancelled_on = timezone.localdate()
    ct.save(update_fields=["status", "cancelled_on"])
    audit.log(actor, "catalog.certificate_type.cancelled", ct)
    return ct
