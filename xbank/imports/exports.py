"""Excel exports of the import pages, one ``ListExport`` each (the file's title, the sheet, the
header row and a row per object); ``xbank.core.xlsx`` renders."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.core.xlsx import ListExport

from .models import ImportBatch


class BatchExport(ListExport):
    """The batch list, as filtered on the page."""

    title = gettext_lazy("导入批次")

    def headers(self) -> list[str]:
        return [
            _("上传时间"), _("类型"), _("院校"), _("文件名"), _("状态"), _("行数"),
            _("新增"), _("更新"), _("未变化"), _("错误数"), _("上传人"), _("说明"),
        ]  # fmt: skip

    def rows(self, batches) -> Iterator[tuple]:
        for batch in batches:
            yield (
                timezone.localtime(batch.created_at),
                batch.get_kind_display(),
                batch.institution.name,
                batch.file_name,
                batch.get_status_display(),
                batch.total_rows,
                batch.created_count,
                batch.updated_count,
                batch.unchanged_count,
                batch.error_count,
                str(batch.created_by or ""),
                batch.message,
            )


class IssueExport(ListExport):
    """A batch's errors, then its warnings (错误清单): its rows are the batch's, named after its
    file."""

    sheet_name = gettext_lazy("错误与提示")

    def __init__(self, batch: ImportBatch):
        self.title = f"{batch.file_name}-错误清单"

    def headers(self) -> list[str]:
        return [_("行号"), _("列"), _("问题")]

    def rows(self, batch: ImportBatch) -> Iterator[tuple]:
        for issue in batch.errors + batch.warnings:
            yield (issue["row"] or "", issue["column"], issue["message"])
