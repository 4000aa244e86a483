from django.contrib import admin

from .models import Credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["kind", "title", "holder_name", "issuer", "issued_at", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "holder_name", "code"]
    readonly_fields = ["code", "issued_at", "source_type", "source_id"]
