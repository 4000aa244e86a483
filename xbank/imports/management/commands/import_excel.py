"""python manage.py import_excel KIND FILE [--dry-run] [--institution CODE] [--user USERNAME]

The same pipeline as the web upload, for large files and scripted loads. Every bad row is printed
as "第 N 行，列「X」：…"; if there is any, nothing is written and the exit status is 1.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xbank.core.actors import SYSTEM
from xbank.imports import pipeline, services
from xbank.imports.models import ImportBatch
from xbank.orgs.models import Institution

ERR_INSTITUTION_REQUIRED = "有多个院校，请用 --institution 指定院校代码"
ERR_NO_INSTITUTION = "没有代码为 {code} 的院校"
ERR_NO_USER = "没有用户名为 {username} 的用户"
ERR_ROWS = "发现 {count} 处错误，没有导入任何数据"
MSG_DRY_RUN = "试运行通过（未写入任何数据）：共 {rows} 行，将新增 {created} 条、更新 {updated} 条，{unchanged} 条不变"


class Command(BaseCommand):
    help = "导入 Excel/CSV 文件（学习者、课程、人才培养方案、学习成果），全部成功或全部不导入"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=pipeline.kinds(), help="导入类型")
        parser.add_argument("file", type=Path, help=".xlsx / .xls / .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--institution", help="院校代码（只有一个院校时可省略）")
        parser.add_argument("--user", help="以该用户的身份和管理范围导入（记入审计日志）")

    def handle(self, *args, kind, file, dry_run, institution, user, **options):
        # A dry run needs the bytes; an import streams the file into encrypted storage.
        content = self._open(file, dry_run)
        institution = self._institution(institution)
        actor = self._user(user)
        try:
            if dry_run:
                result = services.file_check(
                    actor=actor,
                    kind=kind,
                    institution=institution,
                    file_name=file.name,
                    content=content,
                )
                errors, warnings = result.errors, result.warnings
                counts = {
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            else:
                with file.open("rb") as content:
                    batch = services.batch_create(
                        actor=actor,
                        kind=kind,
                        institution=institution,
                        file_name=file.name,
                        content=content,
                    )
                batch = services.batch_commit(actor=actor, batch=batch)
                errors, warnings = batch.errors, batch.warnings
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None

        for warning in warnings:
            self.stdout.write("提示：" + pipeline.format_issue(warning))
        if errors:
            for error in errors:
                self.stderr.write(pipeline.format_issue(error))
            count = len(errors) if dry_run else batch.error_count
            if not dry_run and count > len(errors):
                self.stderr.write(f"……另有 {count - len(errors)} 处错误未列出")
            raise CommandError(ERR_ROWS.format(count=count), returncode=1)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(MSG_DRY_RUN.format(**counts)))
            return
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.message, returncode=1)
        self.stdout.write(self.style.SUCCESS(batch.message))
        self.stdout.write(
            f"created={batch.created_count} updated={batch.updated_count} "
            f"unchanged={batch.unchanged_count} rows={batch.total_rows} batch={batch.code}"
        )

    def _open(self, file: Path, dry_run: bool):
        try:
            if dry_run:
                return file.read_bytes()
            with file.open("rb"):  # readable: fail here, before anything else is looked up
                pass
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from None
        return None

    def _institution(self, code: str | None) -> Institution:
        if code:
            try:
                return Institution.objects.get(code=code)
            except Institution.DoesNotExist:
                raise CommandError(ERR_NO_INSTITUTION.format(code=code)) from None
        institutions = list(Institution.objects.all()[:2])
        if len(institutions) != 1:
            raise CommandError(ERR_INSTITUTION_REQUIRED)
        return institutions[0]

    def _user(self, username: str | None):
        if not username:
            return SYSTEM  # no person: the system imports, unrestricted, audited as 系统
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(ERR_NO_USER.format(username=username)) from None
