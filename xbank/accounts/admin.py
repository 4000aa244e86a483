from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Notification, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = []


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("XBank", {"fields": ("full_name",)}))
    list_display = ["username", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "full_name"]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "institution", "school", "major"]
    list_filter = ["role", "institution"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
