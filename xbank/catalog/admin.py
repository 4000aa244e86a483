from django.contrib import admin

from .models import (
    CertificateAlias,
    CertificateType,
    Course,
    CourseModule,
    CourseStandardMap,
    Curriculum,
    CurriculumCourse,
    EvaluationOrg,
    StandardModule,
)


@admin.register(EvaluationOrg)
class EvaluationOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "website"]
    search_fields = ["name", "short_name"]


class CertificateAliasInline(admin.TabularInline):
    model = CertificateAlias
    extra = 0


class StandardModuleInline(admin.TabularInline):
    model = StandardModule
    extra = 0


@admin.register(CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "evaluation_org", "status", "admission", "cancelled_on"]
    list_filter = ["kind", "status", "admission"]
    search_fields = ["name", "aliases__alias"]
    list_select_related = ["evaluation_org"]
    # Cancelling goes through catalog.services.certificate_type_cancel, which is audited.
    readonly_fields = ["status", "cancelled_on"]
    inlines = [CertificateAliasInline, StandardModuleInline]


class CourseModuleInline(admin.TabularInline):
    model = CourseModule
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "credits", "hours", "institution"]
    list_filter = ["institution"]
    search_fields = ["code", "name"]
    inlines = [CourseModuleInline]


class CurriculumCourseInline(admin.TabularInline):
    model = CurriculumCourse
    extra = 0
    raw_id_fields = ["course"]


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["__str__", "major", "cohort_year", "total_credits"]
    list_filter = ["cohort_year", "major__institution"]
    search_fields = ["name", "major__name", "major__code"]
    list_select_related = ["major"]
    filter_horizontal = ["required_certificates"]
    inlines = [CurriculumCourseInline]


@admin.register(CourseStandardMap)
class CourseStandardMapAdmin(admin.ModelAdmin):
    """Read-only here: cells are ticked on the coverage matrix page, which audits each change."""

    list_display = ["curriculum", "course", "course_module", "standard_module", "created_at"]
    list_filter = ["standard_module__certificate_type"]
    list_select_related = [
        "curriculum__major",
        "course",
        "course_module__course",
        "standard_module",
    ]
    search_fields = ["course__name", "standard_module__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
