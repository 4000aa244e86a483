"""Uploaded rosters at rest (invariant 11): encrypted on disk, kept only while the batch needs
them, and never longer than XBANK_IMPORT_RETENTION_DAYS."""

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from xbank.audit.models import AuditEntry
from xbank.imports import services
from xbank.imports.models import ImportBatch
from xbank.learners.models import Learner

from .helpers import fake_name, new_id, upload, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "学号", "专业代码", "年级"]
ID_NUMBER = "11010519491231002X"  # GB 11643-1999's published example, check digit X
Status = ImportBatch.Status
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def roster(*, bad: bool = False) -> bytes:
    rows = [
        [fake_name(), ID_NUMBER, "S1", "520201", 2024],
        [fake_name(), new_id(), "S2", "520201", 2024],
    ]
    if bad:
        rows.append([fake_name(), "12345", "S3", "520201", 2024])
    return xlsx(HEADER, rows)


def files_under(root) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def post_upload(client, college, content):
    return client.post(
        reverse("imports:batch-new", args=["learners"]),
        {"institution": college.pk, "file": SimpleUploadedFile("新生名单.xlsx", content)},
    )


def test_an_uploaded_roster_is_on_disk_only_encrypted_and_gone_after_commit(
    client, settings, college, nursing, registrar
):
    client.force_login(registrar)
    content = roster()
    assert content.startswith(b"PK\x03\x04")  # an xlsx is a zip

    response = post_upload(client, college, content)
    batch = ImportBatch.objects.get()
    assert batch.status == Status.READY
    on_disk = files_under(settings.MEDIA_ROOT)
    assert [p.name for p in on_disk] == [f"{batch.code}.xlsx.enc", f"{batch.code}.xlsx.enc.rows"]
    for path in on_disk:
        data = path.read_bytes()
        assert data.startswith(b"XBANKENC")
        assert b"PK\x03\x04" not in data
        assert ID_NUMBER.encode() not in data and ID_NUMBER.encode("utf-16-le") not in data
        assert b"110105" not in data
    assert len(on_disk[0].read_bytes()) > len(content)
    # The digest is of the file as uploaded (hashlib here is the oracle, not the service's).
    assert batch.file_sha256 == hashlib.sha256(content).hexdigest()

    client.post(reverse("imports:batch-commit", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED
    assert Learner.objects.count() == 2
    assert files_under(settings.MEDIA_ROOT) == []
    assert batch.file.name == "" and batch.file_purged_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page and 'id="file-purged"' in page

    # A second click still says the batch is imported, not that a file is missing.
    client.post(reverse("imports:batch-commit", args=[batch.code]))
    assert Learner.objects.count() == 2


def test_a_batch_that_waits_is_read_back_from_the_encrypted_file_without_its_snapshot(
    settings, college, nursing, registrar
):
    batch = upload("learners", roster(), institution=college, actor=registrar)
    Path(settings.MEDIA_ROOT, batch.file.name + ".rows").unlink()
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == Status.COMMITTED, batch.message
    assert Learner.objects.count() == 2


def test_a_tampered_snapshot_is_ignored_and_the_file_read_again(
    settings, college, nursing, registrar
):
    batch = upload("learners", roster(), institution=college, actor=registrar)
    snapshot = Path(settings.MEDIA_ROOT, batch.file.name + ".rows")
    data = bytearray(snapshot.read_bytes())
    data[-20] ^= 0x01
    snapshot.write_bytes(bytes(data))
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == Status.COMMITTED, batch.message


def test_a_tampered_file_fails_loudly_and_is_purged(settings, college, nursing, registrar):
    batch = services.batch_create(
        actor=registrar, kind="learners", institution=college, file_name="a.xlsx", content=roster()
    )
    path = Path(settings.MEDIA_ROOT, batch.file.name)
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    batch = services.batch_validate(batch=batch)
    assert batch.status == Status.FAILED
    assert batch.message == services.MSG_FAILED.format(detail="FileTampered")
    assert files_under(settings.MEDIA_ROOT) == []
    assert batch.file_purged_at is not None


def test_an_invalid_batch_keeps_its_errors_but_not_its_file(
    client, settings, college, nursing, registrar
):
    client.force_login(registrar)
    response = post_upload(client, college, roster(bad=True))
    batch = ImportBatch.objects.get()
    assert batch.status == Status.INVALID
    assert files_under(settings.MEDIA_ROOT) == []
    page = client.get(response["Location"]).content.decode()
    assert "第 5 行" in page and "应为 18 位" in page and 'id="file-purged"' in page


def test_an_unchanged_batch_keeps_no_file(settings, college, nursing, registrar):
    content = roster()
    first = upload("learners", content, institution=college, actor=registrar)
    services.batch_commit(actor=registrar, batch=first)
    again = upload("learners", content, institution=college, actor=registrar)
    assert again.status == Status.UNCHANGED
    assert files_under(settings.MEDIA_ROOT) == []


def test_cancelling_a_batch_deletes_its_file_and_is_audited(
    client, settings, college, nursing, registrar
):
    client.force_login(registrar)
    response = post_upload(client, college, roster())
    batch = ImportBatch.objects.get()
    assert "取消" in client.get(response["Location"]).content.decode()
    client.post(reverse("imports:batch-cancel", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == Status.CANCELLED and batch.message == services.MSG_CANCELLED
    assert files_under(settings.MEDIA_ROOT) == []
    entry = AuditEntry.objects.get(action="imports.batch.cancelled")
    assert entry.actor == registrar and entry.object_id == str(batch.pk)
    # Nothing to commit any more, and the user is told the file is gone.
    with pytest.raises(ValidationError) as error:
        services.batch_commit(actor=registrar, batch=batch)
    assert error.value.code == "file_purged"
    assert "已于" in error.value.messages[0] and "请重新上传" in error.value.messages[0]
    assert Learner.objects.count() == 0


def test_only_a_batch_waiting_for_confirmation_can_be_cancelled(college, nursing, registrar):
    batch = upload("learners", roster(bad=True), institution=college, actor=registrar)
    with pytest.raises(ValidationError) as error:
        services.batch_cancel(actor=registrar, batch=batch)
    assert error.value.messages == [services.ERR_NOT_CANCELLABLE.format(status="有错误")]


def test_purge_imports_removes_files_past_retention_and_keeps_newer_ones(
    settings, college, nursing, registrar, capsys
):
    settings.XBANK_IMPORT_RETENTION_DAYS = 7
    with time_machine.travel(T0, tick=False):
        old = upload("learners", roster(), institution=college, actor=registrar)
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        new = upload("learners", roster(), institution=college, actor=registrar)
    assert old.status == new.status == Status.READY
    orphan_old = Path(settings.MEDIA_ROOT, "imports/2026/01/left-behind.xlsx.enc")
    orphan_new = Path(settings.MEDIA_ROOT, "imports/2026/03/just-written.xlsx.enc")
    for orphan, when in (
        (orphan_old, T0 - dt.timedelta(days=30)),
        (orphan_new, T0 + dt.timedelta(days=6)),
    ):
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"XBANKENC")
        os.utime(orphan, (when.timestamp(), when.timestamp()))
    old_name, new_name = old.file.name, new.file.name

    with time_machine.travel(T0 + dt.timedelta(days=7, hours=1), tick=False):
        call_command("purge_imports")
    assert "已删除 1 个导入批次中超过 7 天的上传文件" in capsys.readouterr().out

    old.refresh_from_db()
    new.refresh_from_db()
    media = Path(settings.MEDIA_ROOT)
    assert not (media / old_name).exists() and not (media / f"{old_name}.rows").exists()
    assert (media / new_name).exists() and (media / f"{new_name}.rows").exists()
    assert not orphan_old.exists() and orphan_new.exists()
    assert old.status == Status.CANCELLED and old.file.name == ""
    assert old.message == services.MSG_EXPIRED.format(days=7)
    assert new.status == Status.READY and new.file_purged_at is None

    # The expired batch says its file is gone; the newer one still commits.
    with pytest.raises(ValidationError) as error:
        services.batch_commit(actor=registrar, batch=old)
    assert error.value.code == "file_purged"
    assert services.batch_commit(actor=registrar, batch=new).status == Status.COMMITTED


def test_the_purge_task_fails_a_batch_left_running_by_a_dead_worker(
    settings, college, nursing, registrar
):
    from xbank.imports.tasks import purge_expired_batches

    with time_machine.travel(T0, tick=False):
        stuck = services.batch_create(
            actor=registrar,
            kind="learners",
            institution=college,
            file_name="a.xlsx",
            content=roster(),
        )
    assert stuck.status == Status.VALIDATING
    with time_machine.travel(T0 + dt.timedelta(days=7, hours=12), tick=False):
        purge_expired_batches.enqueue()  # it may be a commit confirmed on the last day
    stuck.refresh_from_db()
    assert stuck.status == Status.VALIDATING and files_under(settings.MEDIA_ROOT)
    with time_machine.travel(T0 + dt.timedelta(days=8, hours=1), tick=False):
        purge_expired_batches.enqueue()
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED and stuck.file.name == ""
    assert files_under(settings.MEDIA_ROOT) == []


def test_the_demo_server_enqueues_the_purge(settings, college, nursing, registrar):
    """``manage.py serve`` calls this at start and daily; the immediate backend runs it now."""
    from xbank.core.management.commands.serve import Command

    with time_machine.travel(T0, tick=False):
        waiting = upload("learners", roster(), institution=college, actor=registrar)
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        Command()._enqueue_daily_tasks()
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED and files_under(settings.MEDIA_ROOT) == []


def test_the_command_line_import_leaves_no_file_behind(tmp_path, settings, college, nursing):
    source = tmp_path / "名单.xlsx"
    source.write_bytes(roster())
    call_command("import_excel", "learners", str(source), "--institution", college.code)
    batch = ImportBatch.objects.get()
    assert batch.status == Status.COMMITTED and Learner.objects.count() == 2
    assert files_under(settings.MEDIA_ROOT) == []


def test_storing_a_50_mb_upload_does_not_hold_it_in_memory(tmp_path, settings, college, registrar):
    """The upload streams through the encryptor into storage: peak Python memory stays far
    below the file's size (tracemalloc sees every bytes object the encryption makes)."""
    import tracemalloc

    size = 50 * 1024 * 1024
    source = tmp_path / "big.csv"
    with source.open("wb") as handle:
        line = ("姓名,身份证号\n张三," + ID_NUMBER + "\n").encode() * 4096
        while handle.tell() < size:
            handle.write(line)
    with source.open("rb") as handle:
        tracemalloc.start()
        try:
            batch = services.batch_create(
                actor=registrar,
                kind="learners",
                institution=college,
                file_name="big.csv",
                content=handle,
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    stored = Path(settings.MEDIA_ROOT, batch.file.name)
    assert stored.stat().st_size > source.stat().st_size
    with stored.open("rb") as handle:
        assert ID_NUMBER.encode() not in handle.read(4 * 1024 * 1024)


def test_an_independent_scanner_finds_no_id_number_in_files_or_tables(
    client, settings, college, nursing, registrar
):
    """The scanner of ``xbank/core/tests/pii_scan.py`` has its own pattern and check digit."""
    from xbank.core.tests.pii_scan import ids_in_text, scan_database, scan_files

    content = roster()
    assert ids_in_text(ID_NUMBER) == [ID_NUMBER]  # the scanner sees the number when it is there
    client.force_login(registrar)
    post_upload(client, college, content)
    batch = ImportBatch.objects.get()
    assert batch.status == Status.READY and files_under(settings.MEDIA_ROOT)
    assert scan_files(settings.MEDIA_ROOT) == {}
    assert scan_database() == {}
    client.post(reverse("imports:batch-commit", args=[batch.code]))
    assert Learner.objects.count() == 2
    assert scan_database() == {}
