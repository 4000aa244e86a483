"""Background import work: each task takes the batch id, loads it and calls one service.

Enqueued with ``transaction.on_commit`` by ``scheduling.batch_validate_schedule`` and
``scheduling.batch_commit_schedule`` when a file is too large to handle within the request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from xbank.core.actors import SYSTEM

from . import services
from .models import ImportBatch


def _batch(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_related("institution", "created_by").get(pk=batch_id)


@task()
def validate_batch(batch_id: int) -> None:
    services.batch_validate(batch=_batch(batch_id))


@task()
def commit_batch(batch_id: int, actor_id: int | None) -> None:
    actor = get_user_model().objects.get(pk=actor_id) if actor_id is not None else SYSTEM
    services.batch_commit_run(actor=actor, batch=_batch(batch_id))


@task()
def purge_expired_batches() -> int:
    """Delete import files past their retention period (enqueued daily by ``manage.py serve``;
    production runs ``manage.py purge_imports`` from a timer, see docs/operations.md)."""
    return services.batches_purge_expired()
