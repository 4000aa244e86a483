from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor__username"]
    date_hierarchy = "at"

    @admin.display(description=AuditEntry._meta.get_field("actor").verbose_name, ordering="actor")
    def actor_label(self, obj):
        return obj.actor_name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
