from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="batch-list"),
    path("new/<slug:kind>/", views.batch_new, name="batch-new"),
    path("template/<slug:kind>.xlsx", views.template, name="template"),
    path("<uuid:code>/", views.batch_detail, name="batch-detail"),
    path("<uuid:code>/progress/", views.batch_progress, name="batch-progress"),
    path("<uuid:code>/commit/", views.batch_commit, name="batch-commit"),
    path("<uuid:code>/cancel/", views.batch_cancel, name="batch-cancel"),
]
