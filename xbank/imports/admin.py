"""Import batches in the admin, read-only: to see what ran, who ran it and which process held a
commit's lease (导入中断). Batches change only through the import pages and commands."""

from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "file_name",
        "institution",
        "status",
        "processed_rows",
        "total_rows",
        "lease_owner",
        "lease_renewed_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["file_name", "file_sha256", "lease_owner"]
    date_hierarchy = "created_at"
    list_select_related = ["institution"]
    # The kept issues hold cell values: the detail page shows counts and the message, and the
    # issues stay on the batch page, behind its access checks.
    exclude = ["errors", "warnings"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
