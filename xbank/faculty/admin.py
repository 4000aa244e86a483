"""Admin: the roster changes through the audited pages (人事处); here it is shown read-only."""

from django.contrib import admin

from .models import Teacher, TeacherCertificate, TeacherTraining


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Teacher)
class TeacherAdmin(ReadOnlyAdmin):
    list_display = ["staff_no", "name", "institution", "school", "major", "kind", "status"]
    list_filter = ["kind", "status", "dual_qualified", "title_rank"]
    list_select_related = ["institution", "school", "major"]
    search_fields = ["name", "staff_no"]
    exclude = ["phone"]


@admin.register(TeacherCertificate)
class TeacherCertificateAdmin(ReadOnlyAdmin):
    list_display = ["teacher", "kind", "name", "number", "issuer", "valid_until"]
    list_select_related = ["teacher"]
    search_fields = ["teacher__name", "name", "number"]


@admin.register(TeacherTraining)
class TeacherTrainingAdmin(ReadOnlyAdmin):
    list_display = ["teacher", "programme", "organiser", "start_date", "hours"]
    list_select_related = ["teacher"]
    search_fields = ["teacher__name", "programme"]
