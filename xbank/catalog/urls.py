from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "catalog"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:certificate-list"), name="index"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("curricula/", views.curriculum_list, name="curriculum-list"),
    path("curricula/<int:pk>/", views.curriculum_detail, name="curriculum-detail"),
    path("coverage/", views.coverage_list, name="coverage-list"),
    path("curricula/<int:pk>/coverage/", views.coverage, name="coverage"),
    path("curricula/<int:pk>/coverage/cell/", views.coverage_cell, name="coverage-cell"),
]
