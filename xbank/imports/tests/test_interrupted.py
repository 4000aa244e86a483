"""A commit whose worker is killed (kill -9) mid-write: nothing of it is written, the recovery
(``manage.py recover_imports``) marks it 导入中断 once its lease has expired, and confirming the
same file again imports every row exactly once.

The worker is the real ``manage.py db_worker``, a child process on the test database: on
PostgreSQL the test database itself; on SQLite, whose test database lives in this process's
memory, a file copy of it (SQLite's backup API), copied back once the worker is dead.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import on_postgresql
from xbank.accounts.tests.factories import UserFactory
from xbank.core.actors import SYSTEM
from xbank.imports import scheduling, services
from xbank.imports.management.commands.recover_imports import MSG_DONE
from xbank.imports.models import ImportBatch
from xbank.imports.services import ERR_NOT_READY, MSG_INTERRUPTED
from xbank.imports.tasks import commit_batch
from xbank.learners.models import Learner

from .helpers import fake_name, new_id, upload, xlsx

pytestmark = pytest.mark.django_db(transaction=True)

Status = ImportBatch.Status
HEADER = ["姓名", "身份证号", "学号", "专业代码", "年级"]
ROWS = 2000  # enough for the commit's transaction to last a moment on either database
DEADLINE = 90  # seconds the worker gets to start and reach the writes (a busy CI machine)


def roster(n: int) -> bytes:
    return xlsx(HEADER, [[fake_name(), new_id(), f"S{i:05d}", "520201", 2024] for i in range(n)])


class WorkerDatabase:
    """The database the worker process runs on, as the test sees it."""

    def __init__(self, tmp_path: Path):
        self.sqlite_file = None if on_postgresql() else tmp_path / "worker.sqlite3"
        if self.sqlite_file is not None:
            connection.ensure_connection()
            with sqlite3.connect(self.sqlite_file) as copy:
                connection.connection.backup(copy)
            url = f"sqlite:///{self.sqlite_file}"
        else:
            db = connection.settings_dict
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            url = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "XBANK_VAR_DIR": str(tmp_path),  # its MEDIA_ROOT is the test's: tmp_path / "media"
        }

    def lease_owner(self, batch_pk: int) -> str:
        sql = "SELECT lease_owner FROM imports_importbatch WHERE id = %s"
        if self.sqlite_file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [batch_pk])
                return cursor.fetchone()[0]
        with sqlite3.connect(self.sqlite_file) as db:
            return db.execute(sql.replace("%s", "?"), [batch_pk]).fetchone()[0]

    def batch_is_locked(self, batch_pk: int) -> bool:
        """True while a transaction holds the batch's row: the commit is writing."""
        if self.sqlite_file is None:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id FROM imports_importbatch WHERE id = %s FOR UPDATE NOWAIT",
                        [batch_pk],
                    )
            except OperationalError:
                return True
            return False
        db = sqlite3.connect(self.sqlite_file, timeout=0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
        finally:
            db.close()
        return False

    def copy_back(self) -> None:
        """SQLite: what the worker left on disk becomes the test database again."""
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file) as copy:
                copy.backup(connection.connection)


def start_worker(db: WorkerDatabase, tmp_path: Path) -> subprocess.Popen:
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    command = [sys.executable, str(manage), "db_worker", "--no-reload", "--no-startup-delay"]
    with (tmp_path / "worker.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [*command, "--interval", "0.1"], env=db.env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_until(condition, worker: subprocess.Popen, tmp_path: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if worker.poll() is not None or time.monotonic() > deadline:
            log = (tmp_path / "worker.log").read_text(errors="replace")
            pytest.fail(f"the worker never reached the writes (exit {worker.poll()}):\n{log}")
        time.sleep(0.02)


def test_a_commit_killed_mid_write_is_recovered_and_retried_once(
    settings, tmp_path, client, college, nursing, registrar
):
    settings.XBANK_IMPORT_INLINE_MAX_BYTES = 0  # the commit runs in the background
    batch = upload("learners", roster(ROWS), institution=college, actor=SYSTEM)
    assert batch.status == Status.READY, batch.message
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    scheduling.batch_commit_schedule(actor=SYSTEM, batch=batch)  # queued in the database
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY

    db = WorkerDatabase(tmp_path)
    worker = start_worker(db, tmp_path)
    try:
        # Its lease taken (the heartbeat), then the batch's row locked: it is writing.
        wait_until(lambda: db.lease_owner(batch.pk) != "", worker, tmp_path)
        wait_until(lambda: db.batch_is_locked(batch.pk), worker, tmp_path)
        assert db.lease_owner(batch.pk).endswith(f":{worker.pid}")
        if on_postgresql():
            # However old its lease looks, a commit that holds its row is alive: not taken.
            later = timezone.now() + dt.timedelta(hours=1)
            with time_machine.travel(later, tick=False):
                assert services.batches_recover_interrupted() == []
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    db.copy_back()

    batch.refresh_from_db()
    assert batch.status == Status.COMMITTING and batch.lease_renewed_at is not None
    assert Learner.objects.count() == 0  # its transaction died with it
    task_result = DBTaskResult.objects.get()
    assert task_result.status == TaskResultStatus.RUNNING  # and the backend will not know

    # Within the lease the recovery waits: the worker may just be slow.
    call_command("recover_imports", stdout=io.StringIO())
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTING

    settings.XBANK_IMPORT_LEASE_SECONDS = 120
    expired = batch.lease_renewed_at + dt.timedelta(seconds=121)
    out = io.StringIO()
    with time_machine.travel(expired, tick=False):
        call_command("recover_imports", stdout=out)
    assert MSG_DONE.format(count=1) in out.getvalue()
    batch.refresh_from_db()
    assert batch.status == Status.INTERRUPTED
    assert batch.message == MSG_INTERRUPTED
    assert batch.get_status_display() == "导入中断"
    assert "未写入任何数据" in batch.message
    task_result.refresh_from_db()
    assert task_result.status == TaskResultStatus.FAILED
    assert task_result.task_path == commit_batch.module_path

    # The batch page stops polling and offers 确认导入 and 取消 again.
    client.force_login(registrar)
    page = client.get(reverse("imports:batch-detail", args=[batch.code])).content.decode()
    assert "hx-get" not in page and MSG_INTERRUPTED in page
    assert reverse("imports:batch-commit", args=[batch.code]) in page
    assert reverse("imports:batch-cancel", args=[batch.code]) in page
    progress = client.get(
        reverse("imports:batch-progress", args=[batch.code]), headers={"HX-Request": "true"}
    )
    assert progress["HX-Refresh"] == "true"

    # Confirmed again, the same file is imported: every row, once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post(reverse("imports:batch-commit", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED, batch.message
    assert Learner.objects.count() == ROWS
    assert Learner.objects.values("student_no").distinct().count() == ROWS
    with pytest.raises(ValidationError) as refused:
        scheduling.batch_commit_schedule(actor=SYSTEM, batch=batch)
    assert refused.value.messages == [ERR_NOT_READY.format(status="已导入")]
    assert Learner.objects.count() == ROWS


def test_an_interrupted_batch_can_be_cancelled(college, nursing, registrar):
    batch = upload("learners", roster(2), institution=college, actor=SYSTEM)
    services.batch_commit_claim(actor=SYSTEM, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(
        lease_owner="gone:1", lease_renewed_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert [b.pk for b in services.batches_recover_interrupted()] == [batch.pk]
    batch.refresh_from_db()
    services.batch_cancel(actor=registrar, batch=batch)
    batch.refresh_from_db()
    assert batch.status == Status.CANCELLED and not batch.file
    assert Learner.objects.count() == 0


def test_a_queued_commit_without_a_lease_is_left_to_its_worker(college, nursing):
    batch = upload("learners", roster(2), institution=college, actor=SYSTEM)
    services.batch_commit_claim(actor=SYSTEM, batch=batch)  # claimed, no worker has it yet
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert services.batches_recover_interrupted() == []
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTING


def test_the_admin_lists_batches_with_their_lease_read_only(client, college, nursing):
    batch = upload("learners", roster(2), institution=college, actor=SYSTEM)
    services.batch_commit_claim(actor=SYSTEM, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(
        lease_owner="worker-7.example.edu.cn:4242", lease_renewed_at=timezone.now()
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:imports_importbatch_changelist"))
    assert listing.status_code == 200
    assert "worker-7.example.edu.cn:4242" in listing.content.decode()
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:imports_importbatch_add")).status_code == 403
    delete = reverse("admin:imports_importbatch_delete", args=[batch.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
