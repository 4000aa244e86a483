from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("learners/", views.learner_list, name="learner-list"),
    path("learners/<int:pk>/", views.learner_detail, name="learner-detail"),
    path("learners/<int:pk>/reveal-id/", views.learner_reveal_id, name="learner-reveal-id"),
    path("learners/full-id-exports/", views.full_export_list, name="full-export-list"),
    path("learners/full-id-exports/new/", views.full_export_create, name="full-export-create"),
    path("learners/full-id-exports/<int:pk>/", views.full_export_detail, name="full-export-detail"),
    path(
        "learners/full-id-exports/<int:pk>/decide/",
        views.full_export_decide,
        name="full-export-decide",
    ),
    path(
        "learners/full-id-exports/<int:pk>/prepare/",
        views.full_export_prepare,
        name="full-export-prepare",
    ),
    path(
        "learners/full-id-exports/<int:pk>/download/",
        views.full_export_download,
        name="full-export-download",
    ),
    path("outcomes/", views.outcome_list, name="outcome-list"),
    path("outcomes/certificates/", views.certificate_stats, name="certificate-stats"),
    path("me/", views.my_account, name="my-account"),
    path("learners/changes/", views.change_list, name="change-list"),
    path("learners/changes/<int:pk>/", views.change_detail, name="change-detail"),
]
