"""Validate or commit a batch now, within the request, or in the background.

Small files run in the request; larger ones as a task (``tasks.py``), enqueued once the upload
or the claim is committed. This sits above both ``services`` and ``tasks``, which calls the
services: the services never enqueue a task themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from xbank.core.actors import Actor

from . import services, tasks
from .models import ImportBatch


def batch_validate_schedule(*, batch: ImportBatch) -> ImportBatch:
    """Validate now if the file is small, else in the background once the upload is saved."""
    if batch.file.size < settings.XBANK_IMPORT_INLINE_MAX_BYTES:
        return services.batch_validate(batch=batch)
    transaction.on_commit(lambda: tasks.validate_batch.enqueue(batch.pk))
    return batch


def batch_commit_schedule(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """确认导入: claim the batch, then commit now if the file is small, else in the background."""
    services.batch_commit_claim(actor=actor, batch=batch)
    if batch.file.size < settings.XBANK_IMPORT_INLINE_MAX_BYTES:
        return services.batch_commit_run(actor=actor, batch=batch)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: tasks.commit_batch.enqueue(batch.pk, actor_id))
    return batch
