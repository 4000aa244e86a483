"""``manage.py verify_ledger``: recompute every account's hash chain (学分流水校验).

Holds every chain against the ledger key and the latest signed checkpoint in
``LEDGER_CHECKPOINT_DIR``. Prints the first entry that no longer matches — its account, sequence
number and id — or a checkpoint whose signature fails, and exits with status 1; or prints that
all N accounts and M entries are intact and exits 0. Suitable for a nightly cron job: a non-zero
exit is the alarm.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xbank.creditbank import ledger


class Command(BaseCommand):
    help = (
        "校验学分流水的哈希链（密钥与最近的签名检查点）：报告第一条不一致的流水，或确认全部完好。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="要校验的数据库别名")
        parser.add_argument(
            "--checkpoints", default=None, help="检查点目录（默认 LEDGER_CHECKPOINT_DIR）"
        )

    def handle(self, *args, **options):
        result = ledger.verify(using=options["database"], checkpoint_dir=options["checkpoints"])
        if not result.intact:
            raise CommandError(ledger.verify_message(result), returncode=1)
        against = (
            f"，与签名检查点 {result.checkpoint} 一致"
            if result.checkpoint
            else "（尚无签名检查点）"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"学分流水完好：{result.accounts} 个账户、{result.entries} 条流水，"
                f"哈希链全部一致{against}。"
            )
        )
