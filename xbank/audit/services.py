"""The one helper every state change calls: ``audit.log(actor, action, obj, data=...)``.

Audit data never holds a resident ID number or a mobile number in clear (invariant 11): every
string in ``data`` (keys and values, at any depth) and the object's description go through
``xbank.core.pii.mask_data``, so a caller that passes a query string or a form's cleaned data
stores ``110105********002X``. Callers that need to tie an entry to a person pass the account,
or the keyed lookup hash, never the number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.http import HttpRequest

from xbank.core.actors import is_system
from xbank.core.net import client_ip
from xbank.core.pii import mask_data, mask_text

from .models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from xbank.core.actors import Actor


def log(
    actor: Actor | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    *,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``. ``actor`` is a user, or
    ``core.actors.SYSTEM`` for what no person did: an entry without a user, shown as "系统"
    (``AuditEntry.actor_name``). ``None`` and anonymous users are recorded the same way."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        # Authenticated: a person, an instance of ``AUTH_USER_MODEL``, which ``audit`` (below
        # ``accounts``) cannot name.
        actor=cast(Any, actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=mask_text(str(obj))[:200] if obj is not None else "",
        data=mask_data(data or {}),
        ip_address=client_ip(request) if request is not None else None,
    )
