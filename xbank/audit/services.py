"""The one helper every state change calls: ``audit.log(actor, action, obj, data=...)``."""

from __future__ import annotations

from typing import Any

from django.db import models

from xbank.core.net import client_ip

from .models import AuditEntry


def log(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    data: dict[str, Any] | None = None,
    request=None,
) -> AuditEntry:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip_address=client_ip(request) if request is not None else None,
    )
