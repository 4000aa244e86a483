"""``manage.py serve``: the demo server and the background worker, started and stopped together.

Imports of large files run as background tasks (django-tasks' database backend), so a demo with
``runserver`` alone would leave them queued forever. This command runs ``db_worker`` as a child
process next to ``runserver`` and stops both when either ends, on Ctrl-C or on SIGTERM.
Nothing else schedules recurring work, so it also enqueues the tasks that apps declare as daily
(``daily_tasks`` on their ``AppConfig``, dotted paths: the purge of expired import files, the
signed ledger checkpoint) at
start and every day after; core names no domain app.
Production runs gunicorn and ``db_worker`` as two services instead (docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

STOP_TIMEOUT = 10  # seconds a child gets to finish after SIGTERM before it is killed
DAILY = 24 * 3600  # seconds between two enqueued runs of the daily tasks


class Command(BaseCommand):
    help = "同时启动演示网站（runserver）和后台任务进程（db_worker），Ctrl-C 一并停止。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="default $PORT"
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--reload", action="store_true", help="restart the web server on code changes"
        )

    def handle(self, *args, port: int, host: str, reload: bool, **options):
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        worker_cmd = [*manage, "db_worker", "--no-reload", "--no-startup-delay"]
        web_cmd = [*manage, "runserver", f"{host}:{port}"]
        if not reload:
            web_cmd.append("--noreload")

        stopping = False

        def on_sigterm(signum, frame):
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        children: list[subprocess.Popen] = []
        try:
            children.append(subprocess.Popen(worker_cmd))
            self.stdout.write(f"后台任务进程已启动（pid {children[0].pid}）")
            children.append(subprocess.Popen(web_cmd))
            self.stdout.write(f"网站：http://{host}:{port}/  （Ctrl-C 停止）")
            next_daily = time.monotonic()
            while not stopping and all(child.poll() is None for child in children):
                if time.monotonic() >= next_daily:
                    self._enqueue_daily_tasks()
                    next_daily = time.monotonic() + DAILY
                time.sleep(0.5)
        except KeyboardInterrupt:
            stopping = True
        finally:
            self._stop(children)
            signal.signal(signal.SIGTERM, previous)
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise SystemExit(failed[0].returncode or 1)

    def _enqueue_daily_tasks(self) -> None:
        """Enqueue each task named in an app config's ``daily_tasks``."""
        for config in apps.get_app_configs():
            for path in getattr(config, "daily_tasks", ()):
                task = import_string(path)  # a wrong path is a bug: fail loudly
                try:
                    task.enqueue()
                except Exception as exc:  # a busy database must not stop the demo; try tomorrow
                    self.stderr.write(f"无法安排每日任务 {path}：{exc}")

    def _stop(self, children: list[subprocess.Popen]) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("网站和后台任务进程已停止。")
