from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from xbank.audit import services as audit
from xbank.core.actors import acting

from .models import Credential

if TYPE_CHECKING:
    from xbank.core.actors import Actor


def credential_issue(
    *,
    actor: Actor,
    kind: str,
    title: str,
    holder_name: str,
    issuer: str,
    details: list[tuple[str, str]] | None = None,
    source: models.Model | None = None,
) -> Credential:
    acting(actor)
    credential = Credential.objects.create(
        kind=kind,
        title=title,
        holder_name=holder_name,
        issuer=issuer,
        details=[[str(label), str(value)] for label, value in (details or [])],
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
    )
    audit.log(actor, "verify.credential.issued", credential, data={"kind": kind})
    return credential


@transaction.atomic
def credential_add_detail(*, actor: Actor, credential: Credential, label: str, value: str) -> None:
    """Add one public line (``label``: ``value``) to a credential's page, e.g. the number of the
    certificate re-issued in place of a revoked one."""
    acting(actor)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    credential.details = [*credential.details, [str(label), str(value)]]
    credential.save(update_fields=["details"])
    audit.log(actor, "verify.credential.detail_added", credential, data={"label": str(label)})


@transaction.atomic
def credential_revoke(*, actor: Actor, credential: Credential, reason: str) -> Credential:
    acting(actor)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.status == Credential.Status.REVOKED:
        return credential
    credential.status = Credential.Status.REVOKED
    credential.revoked_at = timezone.now()
    credential.revoked_reason = reason[:200]
    credential.save(update_fields=["status", "revoked_at", "revoked_reason"])
    audit.log(actor, "verify.credential.revoked", credential, data={"reason": reason})
    return credential


def credential_for_source(source: models.Model, *, kind: str | None = None) -> Credential | None:
    qs = Credential.objects.filter(source_type=source._meta.label_lower, source_id=str(source.pk))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-issued_at").first()


def public_url(credential: Credential, request: HttpRequest | None = None) -> str:
    """The absolute URL printed in QR codes: from the request when there is one, else from
    ``XBANK_PUBLIC_BASE_URL`` (PDFs rendered by background tasks have no request)."""
    path = reverse("verify:detail", kwargs={"code": credential.code})
    if request is not None:
        return request.build_absolute_uri(path)
    base: str = settings.XBANK_PUBLIC_BASE_URL
    return base.rstrip("/") + path
