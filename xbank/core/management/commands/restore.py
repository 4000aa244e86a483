"""``manage.py restore FILE --yes``: replace the database with a backup, then check it.

SQLite: the online backup API copies the file into the live database. PostgreSQL:
``pg_restore --clean --if-exists --no-owner --single-transaction`` (run it as the owner role,
docs/operations.md). Then every app's ``restore_checks`` (the ledger's ``verify_ledger``, held
against the key and the latest signed checkpoint) run on the restored database; a failure exits
1, and the restored copy should not be put in service.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xbank.core import backup


class Command(BaseCommand):
    help = "从备份恢复数据库（覆盖当前数据），然后校验恢复后的数据（学分流水哈希链等）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError("恢复会覆盖当前数据库的全部数据；确认无误后请加 --yes 再运行。")
        try:
            backup.restore(Path(options["file"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        backup.run_checks(using="default", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"已从 {options['file']} 恢复，校验通过。"))
