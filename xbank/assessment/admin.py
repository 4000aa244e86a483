from django.contrib import admin

from .models import (
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExaminerQualification,
    ExamResult,
    ExamRoom,
    ExamSession,
    ExamSite,
    PassMark,
    SessionIncident,
)


class ExamRoomInline(admin.TabularInline):
    model = ExamRoom
    extra = 0


@admin.register(ExamSite)
class ExamSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "address", "is_active"]
    list_filter = ["institution", "is_active"]
    inlines = [ExamRoomInline]


@admin.register(ExaminerQualification)
class ExaminerQualificationAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "certificate_type",
        "level",
        "certificate_no",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["certificate_type", "level"]
    search_fields = ["user__full_name", "user__username", "certificate_no"]
    raw_id_fields = ["user"]


@admin.register(PassMark)
class PassMarkAdmin(admin.ModelAdmin):
    list_display = ["certificate_type", "theory", "practical"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Sessions, results and awards change only through the services (audited)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExamSession)
class ExamSessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "certificate_type", "level", "date", "status", "institution"]
    list_filter = ["status", "institution", "certificate_type"]
    date_hierarchy = "date"


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["ticket_no", "account", "session", "seat_no"]
    search_fields = ["ticket_no", "account__name"]


@admin.register(ExamResult)
class ExamResultAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "theory_score", "practical_score", "absent", "passed", "source"]


@admin.register(ConfidentialityStep)
class ConfidentialityStepAdmin(ReadOnlyAdmin):
    list_display = ["session", "step", "done_at", "signed_by", "countersigned_by"]


@admin.register(SessionIncident)
class SessionIncidentAdmin(ReadOnlyAdmin):
    list_display = ["session", "occurred_at", "reported_by", "resolved_at"]


@admin.register(CertificateAward)
class CertificateAwardAdmin(ReadOnlyAdmin):
    list_display = ["certificate_no", "account", "certificate_type", "level", "issued_on", "status"]
    list_filter = ["status", "certificate_type"]
    search_fields = ["certificate_no", "account__name"]
