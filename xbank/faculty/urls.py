from django.urls import path

from . import views

app_name = "faculty"
urlpatterns = [
    path("", views.index, name="index"),
    path("teachers/", views.teacher_list, name="teacher-list"),
    path("teachers/new/", views.teacher_create, name="teacher-create"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher-detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher-edit"),
    path(
        "teachers/<int:pk>/qualifications/new/",
        views.qualification_create,
        name="qualification-create",
    ),
    path(
        "teachers/<int:pk>/certificates/new/", views.certificate_create, name="certificate-create"
    ),
    path("certificates/<int:pk>/edit/", views.certificate_edit, name="certificate-edit"),
    path("certificates/<int:pk>/delete/", views.certificate_delete, name="certificate-delete"),
    path("teachers/<int:pk>/trainings/new/", views.training_create, name="training-create"),
    path("trainings/", views.training_list, name="training-list"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training-edit"),
    path("trainings/<int:pk>/delete/", views.training_delete, name="training-delete"),
    path("import/", views.teacher_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<uuid:code>/", views.import_detail, name="import-detail"),
    path("import/<uuid:code>/commit/", views.import_commit, name="import-commit"),
]
