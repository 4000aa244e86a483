"""Background import work: each task takes the batch id, loads it and calls one service.

Enqueued with ``transaction.on_commit`` by ``scheduling.batch_validate_schedule`` and
``scheduling.batch_commit_schedule`` when a file is too large to handle within the request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

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


@task()
def recover_interrupted_batches() -> int:
    """Mark 导入中断 the commits whose worker died (enqueued every few minutes by ``manage.py
    serve``; production runs ``manage.py recover_imports`` from a timer)."""
    return len(recover_interrupted())


def recover_interrupted() -> list[ImportBatch]:
    """``services.batches_recover_interrupted``, and the background task that ran each of those
    commits, left 运行中 by its dead worker, recorded as failed (database task backend)."""
    batches = services.batches_recover_interrupted()
    now = timezone.now()
    for batch in batches:
        DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING,
            task_path=commit_batch.module_path,
            args_kwargs__args__0=batch.pk,
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{services.LeaseExpired.__module__}.LeaseExpired",
            traceback=(
                f"LeaseExpired: worker {batch.lease_owner} last renewed the lease of import "
                f"batch {batch.pk} at {batch.lease_renewed_at:%Y-%m-%d %H:%M:%S%z}\n"
            ),
        )
    return batches
