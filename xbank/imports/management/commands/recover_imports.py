"""python manage.py recover_imports: mark 导入中断 the commits whose worker died.

A commit renews its lease every few seconds; one not renewed for XBANK_IMPORT_LEASE_SECONDS
(the worker was killed, its machine went down) wrote nothing, since its transaction died with
it. Its batch becomes 导入中断, which the user can confirm again or cancel, and its background
task is recorded as failed. Run it every minute or two (a systemd timer in production, see
docs/operations.md; ``manage.py serve`` enqueues it itself).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from xbank.imports.tasks import recover_interrupted

MSG_DONE = "已将 {count} 个中断的导入批次标记为「导入中断」"
MSG_BATCH = "  {file_name}（批次 {pk}，执行进程 {worker}，最近心跳 {when:%Y-%m-%d %H:%M:%S}）"


class Command(BaseCommand):
    help = "将执行进程已中断（租约过期）的导入批次标记为「导入中断」，以便重试或取消"

    def handle(self, *args, **options):
        batches = recover_interrupted()
        for batch in batches:
            self.stdout.write(
                MSG_BATCH.format(
                    file_name=batch.file_name,
                    pk=batch.pk,
                    worker=batch.lease_owner,
                    when=timezone.localtime(batch.lease_renewed_at),
                )
            )
        self.stdout.write(self.style.SUCCESS(MSG_DONE.format(count=len(batches))))
