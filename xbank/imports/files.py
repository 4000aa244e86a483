"""Import files at rest: the uploaded file and the cleaned rows kept between preview and commit
(the snapshot), both encrypted (``xbank.core.filecrypt``), and their deletion when the batch no
longer needs them or its retention has passed (``services`` decides when)."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils import timezone

from xbank.core import filecrypt

from . import pipeline
from .models import ImportBatch

logger = logging.getLogger(__name__)

ERR_FILE_PURGED = (
    "上传的文件已于 {when} 删除（导入文件只保留到批次结束，最多 {days} 天），请重新上传"
)
SNAPSHOT_VERSION = "2"


def check_file_kept(batch: ImportBatch) -> None:
    if batch.file_purged_at is not None or not batch.file:
        when = timezone.localtime(batch.file_purged_at) if batch.file_purged_at else None
        raise ValidationError(
            ERR_FILE_PURGED.format(
                when=f"{when:%Y-%m-%d %H:%M}" if when else "—",
                days=settings.XBANK_IMPORT_RETENTION_DAYS,
            ),
            code="file_purged",
        )


def purge_files(batch: ImportBatch, *, now: datetime | None = None) -> None:
    """Delete the uploaded file and its snapshot; the batch keeps its counts and messages."""
    if not batch.file:
        return
    storage = batch.file.storage
    for name in (_snapshot_name(batch), batch.file.name):
        try:
            storage.delete(name)
        except OSError:  # already gone, or storage trouble: the daily purge tries again
            logger.warning("Could not delete import file %s", name, exc_info=True)
            return
    batch.file = ""
    batch.file_purged_at = now or timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(file="", file_purged_at=batch.file_purged_at)


def purge_orphans(cutoff: datetime) -> None:
    storage = ImportBatch._meta.get_field("file").storage
    kept = set(ImportBatch.objects.exclude(file="").values_list("file", flat=True))

    def walk(folder: str) -> Iterator[str]:
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            yield f"{folder}/{name}"
        for sub in folders:
            yield from walk(f"{folder}/{sub}")

    for name in list(walk("imports")):
        owner = name.removesuffix(".rows")
        if owner in kept and storage.exists(owner):
            continue
        if storage.get_modified_time(name) < cutoff:
            storage.delete(name)


# The cleaned rows kept between preview and commit, pickled and encrypted (AES-GCM
# authenticates them, so only bytes this application wrote are ever unpickled).


def _snapshot_name(batch: ImportBatch) -> str:
    return f"{batch.file.name}.rows"


def _snapshot_key(batch: ImportBatch) -> str:
    # The day matters: "not in the future" checks depend on it.
    return f"{SNAPSHOT_VERSION}:{batch.kind}:{batch.file_sha256}:{timezone.localdate()}"


def save_snapshot(
    batch: ImportBatch, table: pipeline.Table, warnings: list[dict[str, Any]]
) -> None:
    storage = batch.file.storage
    name = _snapshot_name(batch)
    storage.delete(name)
    with filecrypt.spooled_ciphertext() as sealed:
        with filecrypt.EncryptingWriter(cast(BinaryIO, sealed)) as writer:
            pickle.dump((_snapshot_key(batch), table, warnings), writer, protocol=5)
        sealed.seek(0)
        storage.save(name, File(sealed))


def read_snapshot(batch: ImportBatch) -> tuple[pipeline.Table, list[dict[str, Any]]] | None:
    storage = batch.file.storage
    name = _snapshot_name(batch)
    try:
        with storage.open(name, "rb") as handle:
            key, table, warnings = pickle.load(filecrypt.open_decrypted(handle))  # noqa: S301
    except OSError:
        return None
    except filecrypt.FileTampered:
        logger.warning("Import snapshot %s fails authentication; reading the file again", name)
        return None
    if key != _snapshot_key(batch):
        return None
    return table, warnings
