"""Import batches (导入批次): upload, validate (the preview), commit — all or nothing.

A batch is validated when it is uploaded and again when it is committed, because the database
may have changed in between (someone opened the same account, cancelled a certificate type).
Reading and cleaning the file is a pure function of its bytes, so the cleaned rows of the
preview are kept beside the file and the commit re-runs only the checks against the database, in
the same transaction as the writes. Without the kept rows (another server, another day, a new
release) the commit simply reads the file again.

A roster holds ID numbers, which exist in clear nowhere but in memory (invariant 11): the file
and the kept rows are encrypted at rest (``xbank.core.filecrypt``; AES-GCM also means a changed
snapshot never reaches ``pickle``), and both are deleted as soon as the batch no longer needs
them: when it is committed, cancelled, failed, found invalid or unchanged (its errors are in
the database; the user uploads a corrected file), and in any case after
``XBANK_IMPORT_RETENTION_DAYS`` (``batches_purge_expired``, run daily).

Small files run in the request; larger ones in a background task (``tasks.py``) that updates
``processed_rows`` for the progress bar; ``scheduling.py`` chooses, above both.

A commit holds a lease (``lease_owner``, "host:pid", and ``lease_renewed_at``), renewed every
few seconds while it reads the file, and holds the batch's row locked while it writes: on
PostgreSQL a row lock, on SQLite the database's write lock. A process killed mid-commit loses
both, its transaction is rolled back by the database, and ``batches_recover_interrupted``
(``manage.py recover_imports``) then finds its lease expired and marks the batch 导入中断, which
the user can confirm again (the same file, claimed anew) or cancel. A live commit whose lease
looks old is never taken: its row is locked, and the recovery skips locked rows (PostgreSQL) or
waits for the lock (SQLite), after which the batch is no longer 导入中. A commit that lost its
lease (recovered while it was stalled) finds so in its transaction and writes nothing.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from xbank.accounts.models import User
from xbank.accounts.scoping import scope_for
from xbank.audit import services as audit
from xbank.core import filecrypt
from xbank.core.actors import SYSTEM, Actor, is_system
from xbank.orgs.models import Institution

from . import files, pipeline
from .models import ImportBatch
from .reader import check_file_name, file_suffix
from .selectors import import_institutions

logger = logging.getLogger(__name__)

ERR_KIND = "不支持的导入类型「{kind}」"
ERR_SCOPE = "您不能向「{institution}」导入数据"
ERR_NOT_READY = "该批次的状态是「{status}」，不能确认导入"
MSG_INVALID = "发现 {count} 处错误，没有导入任何数据；请修改文件后重新上传"
MSG_READY = (
    "校验通过：确认后将新增 {created} 条、更新 {updated} 条，另有 {unchanged} 条与系统中一致"
)
MSG_UNCHANGED = "与系统中已有数据完全一致，未做任何更改"
MSG_COMMITTED = "导入完成：新增 {created} 条、更新 {updated} 条，{unchanged} 条未变化"
MSG_FAILED = "导入失败，没有写入任何数据（{detail}）；请重新上传或联系管理员"
MSG_CANCELLED = "已取消，没有导入任何数据"
MSG_EXPIRED = "超过 {days} 天未确认，上传的文件已按规定删除，没有导入任何数据；如需导入请重新上传"
ERR_NOT_CANCELLABLE = "该批次的状态是「{status}」，不能取消"
MSG_INTERRUPTED = "导入中断，未写入任何数据；可以再次确认导入同一文件，或取消"
LEASE_RENEW_SECONDS = 5  # at most one heartbeat write per this many seconds
MAX_STORED_ISSUES = 1000

Status = ImportBatch.Status
# A batch the user can confirm: waiting for confirmation, or interrupted (retry).
CONFIRMABLE = (Status.READY, Status.INTERRUPTED)


class LeaseExpired(Exception):
    """The process running a commit stopped renewing its lease (recorded on the background
    task it ran, by ``tasks.recover_interrupted``)."""


class LeaseLost(Exception):
    """This process's commit was recovered (导入中断) by the time it began to write."""


def worker_id() -> str:
    """This process, as a lease names it: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class CheckResult:
    """The outcome of checking a file without a batch (``file_check``, the --dry-run)."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _context(
    *, actor: Actor, institution: Institution, batch: ImportBatch | None = None
) -> pipeline.Context:
    """``actor`` is the person importing, or ``SYSTEM`` (the command line without ``--user``,
    a background task for a batch uploaded by no one)."""
    if is_system(actor):  # unrestricted
        return pipeline.Context(
            institution=institution, actor=actor, report=pipeline.Report(), batch=batch
        )
    return pipeline.Context(
        institution=institution,
        actor=actor,
        report=pipeline.Report(),
        scope=scope_for(actor),
        batch=batch,
    )


def _check_access(*, actor: Actor, kind: str, institution: Institution) -> pipeline.ImportSpec:
    """The kind exists, and a person importing may import it into this institution (the kind's
    ``ImportSpec.roles``); the system may import anything."""
    if kind not in pipeline.kinds():
        raise ValidationError(ERR_KIND.format(kind=kind), code="kind")
    if not is_system(actor) and not (
        import_institutions(actor, kind).filter(pk=institution.pk).exists()
    ):
        raise ValidationError(ERR_SCOPE.format(institution=institution), code="scope")
    return pipeline.spec_for(kind)


def file_check(
    *, actor: Actor, kind: str, institution: Institution, file_name: str, content: bytes
) -> CheckResult:
    """Validate a file as an import would, writing nothing at all (not even a batch)."""
    spec = _check_access(actor=actor, kind=kind, institution=institution)
    ctx = _context(actor=actor, institution=institution)
    table = pipeline.load_table(spec, content, file_name, ctx.report)
    result = CheckResult()
    if table is not None:
        plan = spec.check(table, ctx)
        result.rows = len(table)
        result.created, result.updated, result.unchanged = (
            plan.created,
            plan.updated,
            plan.unchanged,
        )
    result.errors = ctx.report.sorted_errors()
    result.warnings = ctx.report.sorted_warnings()
    return result


def batch_create(
    *,
    actor: Actor,
    kind: str,
    institution: Institution,
    file_name: str,
    content: bytes | BinaryIO,
) -> ImportBatch:
    """Store an uploaded file, encrypted, as a new batch (校验中); nothing is read or written yet.

    ``content`` is the file's bytes or a readable file (an upload): it is encrypted a chunk at
    a time on its way to storage, so a large upload is never held twice."""
    _check_access(actor=actor, kind=kind, institution=institution)
    check_file_name(file_name)
    source = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    batch = ImportBatch(
        kind=kind,
        institution=institution,
        file_name=file_name[-255:],
        created_by=actor if isinstance(actor, User) else None,
    )
    with filecrypt.spooled_ciphertext() as sealed:
        encryptor = filecrypt.encrypt_stream(source, cast(BinaryIO, sealed))
        sealed.seek(0)
        batch.file_sha256 = encryptor.sha256.hexdigest()  # of the file as uploaded
        batch.file.save(f"{batch.code}{file_suffix(file_name)}.enc", File(sealed), save=False)
    batch.save()
    return batch


def batch_validate(*, batch: ImportBatch) -> ImportBatch:
    """Read, clean and check every row; set the batch to 有错误, 待确认导入 or 无变化."""
    batch.status = Status.VALIDATING
    batch.processed_rows = 0
    batch.save(update_fields=["status", "processed_rows"])
    spec = pipeline.spec_for(batch.kind)
    # A batch uploaded by no one was stored by the system.
    actor: Actor = batch.created_by or SYSTEM
    ctx = _context(actor=actor, institution=batch.institution, batch=batch)
    try:
        table = _load(batch, spec, ctx.report, use_snapshot=False)
        plan = spec.check(table, ctx) if table is not None else None
    except Exception as exc:  # a bug must not leave the batch "validating" forever
        logger.exception("Validating import batch %s failed", batch.pk)
        return _fail(batch, exc)
    _record(batch, ctx.report, table, plan)
    if ctx.report.errors:
        batch.status = Status.INVALID
        batch.message = MSG_INVALID.format(count=batch.error_count)
    elif (plan := _present(plan)).has_changes:
        batch.status = Status.READY
        batch.message = _with_note(MSG_READY.format(**_counts(plan)), plan)
        files.save_snapshot(batch, _present(table), ctx.report.warnings)
    else:
        batch.status = Status.UNCHANGED
        batch.message = MSG_UNCHANGED
    batch.save()
    if batch.status != Status.READY:
        files.purge_files(batch)
    return batch


def batch_commit(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Check again and write every row in one transaction, or nothing.

    Accepts a batch waiting for confirmation (待确认导入) or interrupted (导入中断), or one not
    yet validated (the command line commits in one pass). The claim is a conditional update, so
    two clicks on 确认导入 run the import once."""
    _check_access(actor=actor, kind=batch.kind, institution=batch.institution)
    _claim(batch, (*CONFIRMABLE, Status.VALIDATING))
    return batch_commit_run(actor=actor, batch=batch)


def batch_commit_run(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Run a commit already claimed (导入中) by ``batch_commit`` or ``batch_commit_claim``."""
    if batch.status != Status.COMMITTING:
        raise ValidationError(ERR_NOT_READY.format(status=batch.get_status_display()))
    _lease_take(batch)
    spec = pipeline.spec_for(batch.kind)
    ctx = _context(actor=actor, institution=batch.institution, batch=batch)
    try:
        table = _load(batch, spec, ctx.report, use_snapshot=True)
        if table is None:
            _record(batch, ctx.report, None, None)
            batch.status = Status.INVALID
            batch.message = MSG_INVALID.format(count=batch.error_count)
            batch.save()
            files.purge_files(batch)
            return batch
        with transaction.atomic():
            _lease_lock(batch)  # held until the writes are committed or rolled back
            plan = spec.check(table, ctx)
            _record(batch, ctx.report, table, plan)
            if ctx.report.errors:
                batch.status = Status.INVALID
                batch.message = MSG_INVALID.format(count=batch.error_count)
            elif not plan.has_changes:
                batch.status = Status.UNCHANGED
                batch.message = MSG_UNCHANGED
            else:
                spec.write(plan, ctx)
                batch.status = Status.COMMITTED
                batch.committed_at = timezone.now()
                batch.message = _with_note(MSG_COMMITTED.format(**_counts(plan)), plan)
                audit.log(
                    actor,
                    "imports.batch.committed",
                    batch,
                    data={
                        "kind": batch.kind,
                        "file_sha256": batch.file_sha256,
                        "file_name": batch.file_name,
                        "created": plan.created,
                        "updated": plan.updated,
                        "unchanged": plan.unchanged,
                        "rows": len(table),
                    },
                )
            batch.save()
    except LeaseLost:
        logger.warning("Import batch %s was recovered before its commit began", batch.pk)
        batch.refresh_from_db()
        return batch
    except DatabaseError as exc:  # a constraint met by a concurrent writer: all rolled back
        logger.warning("Committing import batch %s failed: %s", batch.pk, exc)
        return _fail(batch, exc)
    except Exception as exc:
        logger.exception("Committing import batch %s failed", batch.pk)
        return _fail(batch, exc)
    files.purge_files(batch)  # committed, invalid or unchanged: the file has served
    return batch


def batch_commit_claim(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """确认导入: claim a batch waiting for confirmation or interrupted (导入中), for
    ``batch_commit_run`` to run now or in the background (``scheduling.batch_commit_schedule``).
    The claim is a conditional update, so two clicks run the import once."""
    _check_access(actor=actor, kind=batch.kind, institution=batch.institution)
    _claim(batch, CONFIRMABLE)
    return batch


def batch_cancel(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """取消: a batch waiting for confirmation, or interrupted, is dropped, and its file with it."""
    _check_access(actor=actor, kind=batch.kind, institution=batch.institution)
    with transaction.atomic():
        cancelled = ImportBatch.objects.filter(pk=batch.pk, status__in=CONFIRMABLE).update(
            status=Status.CANCELLED, message=MSG_CANCELLED
        )
        if not cancelled:
            batch.refresh_from_db(fields=["status"])
            raise ValidationError(
                ERR_NOT_CANCELLABLE.format(status=batch.get_status_display()), code="not_ready"
            )
        batch.status, batch.message = Status.CANCELLED, MSG_CANCELLED
        audit.log(
            actor,
            "imports.batch.cancelled",
            batch,
            data={
                "kind": batch.kind,
                "file_name": batch.file_name,
                "file_sha256": batch.file_sha256,
            },
        )
    files.purge_files(batch)
    return batch


def batches_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files of batches older than ``XBANK_IMPORT_RETENTION_DAYS``, whatever their
    state, and any file left under ``imports/`` that no batch refers to (a crash between
    writing and saving, or a snapshot of a deleted batch). A batch still waiting for
    confirmation is cancelled, one still running a day later (a worker that died) is failed:
    neither can go on without its file. Returns the number of batches purged."""
    now = now or timezone.now()
    days = settings.XBANK_IMPORT_RETENTION_DAYS
    cutoff = now - timedelta(days=days)
    expired = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(file="")
    count = 0
    dead = cutoff - timedelta(days=1)  # running a day past retention: its worker is gone
    for batch in expired.iterator():
        running = batch.status in (Status.VALIDATING, Status.COMMITTING)
        if running and batch.created_at >= dead:
            continue  # a commit confirmed on the last day may be running now
        if running or batch.status in CONFIRMABLE:
            # Conditional, like the commit's claim: a click on 确认导入 at this very moment
            # wins, and this batch waits for tomorrow's run.
            ended = Status.CANCELLED if batch.status in CONFIRMABLE else Status.FAILED
            message = MSG_EXPIRED.format(days=days)
            if not ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
                status=ended, message=message
            ):
                continue
            batch.status, batch.message = ended, message
        files.purge_files(batch, now=now)
        count += 1
    files.purge_orphans(cutoff)
    return count


def batches_recover_interrupted(*, now: datetime | None = None) -> list[ImportBatch]:
    """Mark 导入中断 every commit whose lease expired (its process was killed or its machine
    went down), so that the user can confirm it again or cancel it; returns those batches.

    Its transaction died with its process, so nothing of it was written. A live commit is never
    taken, however old its lease: it holds its batch's row locked while it writes, and a locked
    row is skipped (PostgreSQL) or waited for (SQLite, whose writers take turns) until the
    commit has ended and the batch is no longer 导入中. A batch queued but not yet started has
    no lease and is left to its worker."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.XBANK_IMPORT_LEASE_SECONDS)
    expired = ImportBatch.objects.filter(status=Status.COMMITTING, lease_renewed_at__lt=cutoff)
    recovered = []
    for pk in list(expired.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                batch = expired.select_for_update(skip_locked=True).filter(pk=pk).first()
                if batch is None:  # ended meanwhile, or its commit is writing right now
                    continue
                batch.status, batch.message, batch.processed_rows = (
                    Status.INTERRUPTED,
                    MSG_INTERRUPTED,
                    0,
                )
                batch.save(update_fields=["status", "message", "processed_rows"])
                audit.log(
                    SYSTEM,
                    "imports.batch.interrupted",
                    batch,
                    data={
                        "kind": batch.kind,
                        "file_name": batch.file_name,
                        "worker": batch.lease_owner,
                        "lease_renewed_at": (
                            batch.lease_renewed_at.isoformat() if batch.lease_renewed_at else ""
                        ),
                    },
                )
        except OperationalError:  # SQLite: still locked by a live commit after the busy timeout
            logger.info("Import batch %s is still being written; not recovered", pk)
            continue
        recovered.append(batch)
    return recovered


# --- Helpers ------------------------------------------------------------------------------------


def _lease_take(batch: ImportBatch) -> None:
    """Hold the lease of a claimed batch (导入中) as this process."""
    owner, now = worker_id(), timezone.now()
    taken = ImportBatch.objects.filter(pk=batch.pk, status=Status.COMMITTING).update(
        lease_owner=owner, lease_renewed_at=now
    )
    if not taken:  # recovered, or cancelled by the retention purge, before it started
        batch.refresh_from_db(fields=["status"])
        raise ValidationError(ERR_NOT_READY.format(status=batch.get_status_display()))
    batch.lease_owner, batch.lease_renewed_at = owner, now


def _lease_lock(batch: ImportBatch) -> None:
    """Renew the lease inside the commit's transaction, which locks the batch's row until the
    writes are committed (a live commit is never recovered), and make sure it is still ours."""
    now = timezone.now()
    held = ImportBatch.objects.filter(
        pk=batch.pk, status=Status.COMMITTING, lease_owner=batch.lease_owner
    ).update(lease_renewed_at=now)
    if not held:
        raise LeaseLost
    batch.lease_renewed_at = now


def _claim(batch: ImportBatch, from_states: tuple[str, ...]) -> None:
    claimed = (
        ImportBatch.objects.filter(pk=batch.pk, status__in=from_states)
        .exclude(file="")
        .update(status=Status.COMMITTING, processed_rows=0, lease_owner="", lease_renewed_at=None)
    )
    if not claimed:
        batch.refresh_from_db(fields=["status", "file", "file_purged_at"])
        if batch.status != Status.COMMITTED:  # "already imported" says more than "file gone"
            files.check_file_kept(batch)
        raise ValidationError(
            ERR_NOT_READY.format(status=batch.get_status_display()), code="not_ready"
        )
    batch.status = Status.COMMITTING
    batch.processed_rows = 0
    batch.lease_owner, batch.lease_renewed_at = "", None  # the process that runs it takes it


T = TypeVar("T")


def _present(value: T | None) -> T:
    """A table or plan that exists: a file that could not be read reported an error."""
    assert value is not None
    return value


def _counts(plan: pipeline.Plan) -> dict[str, int]:
    return {"created": plan.created, "updated": plan.updated, "unchanged": plan.unchanged}


def _with_note(message: str, plan: pipeline.Plan) -> str:
    note = plan.data.get("note")
    return f"{message}（{note}）" if note else message


def _record(
    batch: ImportBatch,
    report: pipeline.Report,
    table: pipeline.Table | None,
    plan: pipeline.Plan | None,
) -> None:
    errors, warnings = report.sorted_errors(), report.sorted_warnings()
    batch.errors = errors[:MAX_STORED_ISSUES]
    batch.warnings = warnings[:MAX_STORED_ISSUES]
    batch.error_count, batch.warning_count = len(errors), len(warnings)
    batch.total_rows = batch.processed_rows = len(table) if table is not None else 0
    if plan is not None:
        batch.created_count, batch.updated_count = plan.created, plan.updated
        batch.unchanged_count = plan.unchanged
    else:
        batch.created_count = batch.updated_count = batch.unchanged_count = 0


def _fail(batch: ImportBatch, exc: Exception) -> ImportBatch:
    batch.status = Status.FAILED
    batch.message = MSG_FAILED.format(detail=type(exc).__name__)
    batch.save(update_fields=["status", "message"])
    files.purge_files(batch)
    return batch


def _progress(batch: ImportBatch) -> Callable[[int, int], None]:
    """Record the rows read so far; a commit renews its lease with them, at most every
    ``LEASE_RENEW_SECONDS`` (reading a large file takes a while, outside the transaction)."""
    last_renewal = time.monotonic()

    def update(done: int, total: int) -> None:
        nonlocal last_renewal
        fields: dict[str, Any] = {"processed_rows": done, "total_rows": total}
        if batch.lease_owner and time.monotonic() - last_renewal >= LEASE_RENEW_SECONDS:
            fields["lease_renewed_at"] = batch.lease_renewed_at = timezone.now()
            last_renewal = time.monotonic()
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)

    return update


def _load(
    batch: ImportBatch,
    spec: pipeline.ImportSpec,
    report: pipeline.Report,
    *,
    use_snapshot: bool,
) -> pipeline.Table | None:
    if use_snapshot:
        kept = files.read_snapshot(batch)
        if kept is not None:
            table, warnings = kept
            report.labels, report.positions = table.labels, table.positions
            report.warnings = list(warnings)
            return table
    files.check_file_kept(batch)
    with batch.file.open("rb") as handle:
        content = filecrypt.read_all(handle)  # FileTampered if a byte was changed
    return pipeline.load_table(spec, content, batch.file_name, report, _progress(batch))
