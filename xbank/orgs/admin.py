from django.contrib import admin

from .models import Department, Institution, Major, MajorGroup, School


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name"]
    search_fields = ["code", "name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "institution"]
    list_filter = ["institution"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "institution"]
    list_filter = ["institution", "kind"]


@admin.register(MajorGroup)
class MajorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "institution"]


@admin.register(Major)
class MajorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "school", "group", "institution"]
    list_filter = ["institution", "school"]
    search_fields = ["code", "name"]
