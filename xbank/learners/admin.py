"""Admin for learners, accounts and outcomes: ID numbers are shown masked and never editable here
(the keyed hash would no longer match); changes of identity go through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import FullIdExport, Learner, LearningAccount, LearningOutcome


class LearnerInline(admin.TabularInline):
    model = Learner
    extra = 0
    fields = ["kind", "institution", "school", "major", "cohort_year", "student_no", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LearningAccount)
class LearningAccountAdmin(admin.ModelAdmin):
    list_display = ["account_no", "name", "id_number_display", "id_type", "user", "created_at"]
    search_fields = ["account_no", "name", "name_pinyin"]
    list_filter = ["id_type"]
    fields = [
        "account_no",
        "name",
        "id_type",
        "id_number_display",
        "birth_date",
        "gender",
        "phone_display",
        "user",
        "created_at",
    ]
    readonly_fields = [
        "account_no",
        "name",
        "id_type",
        "id_number_display",
        "birth_date",
        "gender",
        "phone_display",
        "created_at",
    ]
    raw_id_fields = ["user"]
    inlines = [LearnerInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("证件号码"))
    def id_number_display(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("手机号"))
    def phone_display(self, obj):
        return obj.phone_masked


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "institution", "school", "major", "cohort_year", "status"]
    list_filter = ["kind", "status", "institution"]
    search_fields = ["account__name", "account__account_no", "student_no"]
    list_select_related = ["account", "institution", "school", "major"]
    raw_id_fields = ["account", "major", "school"]

    def has_add_permission(self, request):
        return False


@admin.register(LearningOutcome)
class LearningOutcomeAdmin(admin.ModelAdmin):
    list_display = ["title", "account", "kind", "issuer", "number", "issued_on", "status"]
    list_filter = ["kind", "status", "source"]
    search_fields = ["title", "number", "issuer", "account__name", "account__account_no"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "certificate_type", "course", "import_batch"]
    date_hierarchy = "issued_on"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FullIdExport)
class FullIdExportAdmin(admin.ModelAdmin):
    """Read-only: a full-ID export changes state only through its services (and their audit)."""

    list_display = ["pk", "requester", "rows", "status", "approver", "created_at", "downloaded_at"]
    list_filter = ["status", "approval_required"]
    fields = [
        "requester",
        "reason",
        "filter_description",
        "rows",
        "rows_exported",
        "approval_required",
        "status",
        "approver",
        "decision_note",
        "created_at",
        "decided_at",
        "expires_at",
        "prepared_at",
        "downloaded_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
