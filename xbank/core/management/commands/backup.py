"""``manage.py backup [--out FILE]``: a consistent copy of the database, then its checks.

SQLite: the online backup API (a snapshot while the site keeps writing), then every app's
``restore_checks`` (the ledger's ``verify_ledger``) run on the copy itself. PostgreSQL:
``pg_dump`` in the custom format, then ``pg_restore --list`` to show the archive reads; the
chains of a PostgreSQL backup are checked when it is restored (the drill in
docs/operations.md). Exits 1 when the backup or a check fails.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xbank.core import backup


class Command(BaseCommand):
    help = "备份数据库，并校验备份副本（学分流水哈希链等）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default=None, help="备份文件路径（默认 var/backups/ 下按时间命名）"
        )

    def handle(self, *args, **options):
        vendor = backup.vendor()
        if options["out"]:
            out = Path(options["out"])
        else:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            suffix = "sqlite3" if vendor == "sqlite" else "dump"
            out = Path(settings.VAR_DIR) / "backups" / f"xbank-{stamp}.{suffix}"
        try:
            backup.backup(out)
            backup.check_copy(out, stdout=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成：{out}"))
