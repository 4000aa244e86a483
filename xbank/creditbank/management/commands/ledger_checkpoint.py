"""``manage.py ledger_checkpoint [--out DIR]``: write a signed checkpoint of every chain head.

Verifies the ledger first (key and latest checkpoint); a ledger that does not verify gets no
checkpoint and the command exits 1. Otherwise prints the file written. Run daily (``manage.py
serve`` does it in the demo; production from a timer, docs/operations.md), and copy the files
somewhere the database server cannot write.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xbank.creditbank import ledger


class Command(BaseCommand):
    help = "校验学分流水后，为每个账户的链头写入一份签名检查点文件。"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=None, help="检查点目录（默认 LEDGER_CHECKPOINT_DIR）")
        parser.add_argument("--database", default="default", help="数据库别名")

    def handle(self, *args, **options):
        try:
            path = ledger.checkpoint_write(out=options["out"], using=options["database"])
        except ledger.CheckpointRefused as exc:
            raise CommandError(f"未写入检查点：{exc}", returncode=1) from exc
        self.stdout.write(self.style.SUCCESS(f"已写入签名检查点：{path}"))
