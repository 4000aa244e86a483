"""``manage.py serve``: the demo server and the background worker, started and stopped together.

Imports of large files run as background tasks (django-tasks' database backend), so a demo with
``runserver`` alone would leave them queued forever. This command runs ``db_worker`` as a child
process next to ``runserver``; a worker that dies (killed, out of memory) is started again, a
web server that ends stops both, as do Ctrl-C and SIGTERM.
Nothing else schedules recurring work, so it also enqueues the tasks that apps declare as daily
(``daily_tasks`` on their ``AppConfig``, dotted paths: the purge of expired import files, the
signed ledger checkpoint) at start and every day after, and those they declare as periodic
(``periodic_tasks``: the recovery of imports whose worker died) every ``PERIODIC`` seconds;
core names no domain app.
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
PERIODIC = 60  # seconds between two enqueued runs of the periodic tasks
RESTART_DELAYS = (1, 2, 5, 10, 30)  # seconds before restarting a worker that died, again and again
STABLE = 60  # seconds a worker must have run for its next death to count as the first


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
            worker, web = children
            started = next_daily = next_periodic = time.monotonic()
            deaths, restart_at = 0, None
            while not stopping and web.poll() is None:
                now = time.monotonic()
                if restart_at is None and worker.poll() is not None:
                    # The worker died under a task (kill -9, out of memory): start another. A
                    # commit it was running rolled back; ``periodic_tasks`` recover its batch.
                    deaths = 1 if now - started >= STABLE else deaths + 1
                    delay = RESTART_DELAYS[min(deaths, len(RESTART_DELAYS)) - 1]
                    restart_at = now + delay
                    self.stderr.write(
                        f"后台任务进程已退出（返回码 {worker.returncode}），{delay} 秒后重新启动"
                    )
                if restart_at is not None and now >= restart_at:
                    worker = children[0] = subprocess.Popen(worker_cmd)
                    started, restart_at = now, None
                    self.stdout.write(f"后台任务进程已重新启动（pid {worker.pid}）")
                if now >= next_daily:
                    self._enqueue_daily_tasks()
                    next_daily = now + DAILY
                if now >= next_periodic:
                    self._enqueue_periodic_tasks()
                    next_periodic = now + PERIODIC
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
        self._enqueue_tasks("daily_tasks")

    def _enqueue_periodic_tasks(self) -> None:
        self._enqueue_tasks("periodic_tasks")

    def _enqueue_tasks(self, attribute: str) -> None:
        """Enqueue each task named in an app config's ``daily_tasks`` or ``periodic_tasks``."""
        for config in apps.get_app_configs():
            for path in getattr(config, attribute, ()):
                task = import_string(path)  # a wrong path is a bug: fail loudly
                try:
                    task.enqueue()
                except Exception as exc:  # a busy database must not stop the demo; try tomorrow
                    self.stderr.write(f"无法安排定时任务 {path}：{exc}")

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
