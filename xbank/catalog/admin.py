from django.contrib import admin

from .models import (
    CertificateAlias,
    CertificateType,
    Course,
    CourseModule,
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
