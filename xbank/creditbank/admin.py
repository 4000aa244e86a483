"""Admin for the credit bank: read-only where the data is a record of decisions.

Rules and requests change only through the services (versioning, review, the three-people
rule); the ledger never changes at all. The admin is for looking, not for editing.
"""

from django.contrib import admin

from .models import (
    ConversionPolicy,
    ConversionRule,
    CreditEntry,
    Exemption,
    RecognitionBatch,
    RecognitionRequest,
    RequestEvent,
    RequestLine,
    RuleExemption,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RuleExemptionInline(admin.TabularInline):
    model = RuleExemption
    extra = 0
    readonly_fields = ["course", "module"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ConversionRule)
class ConversionRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "code", "version", "name", "institution", "certificate_type", "min_level", "credits",
        "status", "effective_from", "retired_on",
    ]  # fmt: skip
    list_filter = ["status", "institution", "outcome_kind"]
    search_fields = ["code", "name"]
    inlines = [RuleExemptionInline]


@admin.register(ConversionPolicy)
class ConversionPolicyAdmin(admin.ModelAdmin):
    list_display = ["institution", "max_converted_share", "updated_at"]


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RequestLineInline(admin.TabularInline):
    model = RequestLine
    extra = 0
    fields = ["outcome", "rule", "kind", "course", "credits", "result", "explanation", "entry"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RecognitionRequest)
class RecognitionRequestAdmin(ReadOnlyAdmin):
    list_display = ["code", "learner", "curriculum", "status", "origin", "submitted_at"]
    list_filter = ["status", "origin"]
    search_fields = ["code", "learner__account__name", "learner__student_no"]
    inlines = [RequestLineInline, RequestEventInline]


@admin.register(RecognitionBatch)
class RecognitionBatchAdmin(ReadOnlyAdmin):
    list_display = ["curriculum", "certificate_type", "min_level", "request_count", "created_at"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["account", "seq", "kind", "credits", "course", "rule", "created_at"]
    list_filter = ["kind"]
    search_fields = ["account__account_no", "account__name", "key"]
    list_select_related = ["account", "course", "rule"]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnlyAdmin):
    list_display = ["account", "curriculum", "course", "module", "credits", "rule", "status"]
    list_filter = ["status"]
    list_select_related = ["account", "curriculum", "course", "module", "rule"]
