"""python manage.py purge_imports: delete import files older than XBANK_IMPORT_RETENTION_DAYS.

Files of finished batches are deleted when the batch ends; this removes the rest (batches left
waiting for confirmation, a worker that died, files no batch refers to). Run it daily (a systemd
timer or cron in production, see docs/operations.md; ``manage.py serve`` enqueues it itself).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from xbank.imports import services

MSG_DONE = "已删除 {count} 个导入批次中超过 {days} 天的上传文件"


class Command(BaseCommand):
    help = "删除超过保留期限（XBANK_IMPORT_RETENTION_DAYS 天）的导入文件"

    def handle(self, *args, **options):
        count = services.batches_purge_expired()
        days = settings.XBANK_IMPORT_RETENTION_DAYS
        self.stdout.write(self.style.SUCCESS(MSG_DONE.format(count=count, days=days)))
