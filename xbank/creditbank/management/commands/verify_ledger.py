"""``manage.py verify_ledger``: recompute every account's hash chain (学分流水校验).

Prints the first entry that no longer matches — its account, sequence number and id — and exits
with status 1; or prints that all N accounts and M entries are intact and exits 0. Suitable for a
nightly cron job: a non-zero exit is the alarm.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xbank.creditbank import ledger


class Command(BaseCommand):
    help = "校验学分流水的哈希链：报告第一条不一致的流水，或确认全部完好。"

    def handle(self, *args, **options):
        result = ledger.verify()
        broken = result.first_break
        if broken is not None:
            entry = f"流水 id {broken.entry_id}" if broken.entry_id else "链头"
            raise CommandError(
                f"学分流水校验失败：账户 {broken.account_no}（id {broken.account_id}）"
                f"第 {broken.seq} 条，{entry}：{broken.reason}。"
                f"（已检查 {result.accounts} 个账户、{result.entries} 条流水）",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"学分流水完好：{result.accounts} 个账户、{result.entries} 条流水，哈希链全部一致。"
            )
        )
