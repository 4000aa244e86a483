"""Background work of the credit bank: each task takes ids, loads rows and calls one service.

Enqueue on commit (``transaction.on_commit(lambda: task.enqueue(...))``): a task that started
before the transaction committed would not see its rows.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from xbank.core.actors import SYSTEM, Actor

from . import ledger, services


def _actor(actor_id: int | None) -> Actor:
    """The user who asked for the task, or the system when no one did."""
    return get_user_model().objects.get(pk=actor_id) if actor_id is not None else SYSTEM


@task()
def post_course_credits(account_ids: list[int] | None = None, actor_id: int | None = None) -> int:
    """Post the credits of passed course results not yet in the ledger (after an import)."""
    return services.course_credits_sync(actor=_actor(actor_id), account_ids=account_ids)


@task()
def verify_ledger() -> dict:
    """The nightly chain check, as a task: the result is kept with the task."""
    result = ledger.verify()
    broken = result.first_break
    return {
        "accounts": result.accounts,
        "entries": result.entries,
        "intact": result.intact,
        "checkpoint": result.checkpoint,
        "checkpoint_problem": result.checkpoint_problem,
        "first_break": None
        if broken is None
        else {
            "account_id": broken.account_id,
            "account_no": broken.account_no,
            "seq": broken.seq,
            "entry_id": broken.entry_id,
            "reason": broken.reason,
        },
    }


@task()
def write_ledger_checkpoint() -> str:
    """The daily signed checkpoint of every chain head (``daily_tasks``; production runs
    ``manage.py ledger_checkpoint`` from a timer). Fails, and writes nothing, if the ledger
    does not verify: the failed task is the alarm."""
    return str(ledger.checkpoint_write())
