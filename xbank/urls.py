from django.contrib import admin
from django.urls import include, path

from xbank.core.views import healthz, home

admin.site.site_header = "书证融通平台 · 系统管理"
admin.site.site_title = "XBank"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("xbank.accounts.urls")),
    path("", include("xbank.learners.urls")),
    path("catalog/", include("xbank.catalog.urls")),
    path("imports/", include("xbank.imports.urls")),
    path("verify/", include("xbank.verify.urls")),
    path("training/", include("xbank.training.urls")),
    path("assessment/", include("xbank.assessment.urls")),
    path("creditbank/", include("xbank.creditbank.urls")),
    path("faculty/", include("xbank.faculty.urls")),
    path("", include("xbank.pilot.urls")),  # /pilot/ and /faculty/compliance/
    path("reports/", include("xbank.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
