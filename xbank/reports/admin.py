from django.contrib import admin

from .models import Indicator, IndicatorTarget


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "metric", "certificate_scope", "is_active", "position"]
    list_filter = ["institution", "metric", "is_active"]
    search_fields = ["name"]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
    list_display = ["year", "indicator", "department", "pilot_major", "target", "updated_at"]
    list_filter = ["year", "indicator__institution"]
    raw_id_fields = ["indicator", "department", "pilot_major", "updated_by"]
