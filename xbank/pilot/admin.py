"""Admin: pilot majors are kept here; the other rows change through the audited pages and are
shown read-only."""

from django.contrib import admin

from .models import (
    Budget,
    BudgetAdjustment,
    BudgetLine,
    BudgetReview,
    Expenditure,
    FundingSource,
    Milestone,
    PilotMajor,
    WorkTask,
)


@admin.register(PilotMajor)
class PilotMajorAdmin(admin.ModelAdmin):
    list_display = ["major", "start_year", "lead_name"]
    list_select_related = ["major"]
    filter_horizontal = ["certificate_types"]
    search_fields = ["major__name", "major__code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "progress", "status", "completed_on"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkTask)
class WorkTaskAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "institution"]
    list_filter = ["institution"]
    inlines = [MilestoneInline]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ["category", "amount", "adjusted", "spent"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["pilot_major", "year", "status"]
    list_filter = ["status", "year"]
    list_select_related = ["pilot_major__major"]
    inlines = [BudgetLineInline]


@admin.register(BudgetReview)
class BudgetReviewAdmin(ReadOnlyAdmin):
    list_display = ["budget", "decision", "reviewed_on", "reviewer"]
    list_select_related = ["budget__pilot_major__major", "reviewer"]


@admin.register(FundingSource)
class FundingSourceAdmin(ReadOnlyAdmin):
    list_display = ["budget", "kind", "amount", "received_on", "document_no"]
    list_select_related = ["budget__pilot_major__major"]


@admin.register(Expenditure)
class ExpenditureAdmin(ReadOnlyAdmin):
    list_display = ["spent_on", "line", "amount", "voucher_no", "description", "recorded_by"]
    list_select_related = ["line__budget__pilot_major__major", "recorded_by"]
    search_fields = ["voucher_no", "description"]


@admin.register(BudgetAdjustment)
class BudgetAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["line", "amount", "status", "requested_by", "decided_by"]
    list_select_related = ["line__budget__pilot_major__major", "requested_by", "decided_by"]
