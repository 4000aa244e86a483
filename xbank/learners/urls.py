from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("learners/", views.learner_list, name="learner-list"),
    path("learners/<int:pk>/", views.learner_detail, name="learner-detail"),
    path("learners/<int:pk>/reveal-id/", views.learner_reveal_id, name="learner-reveal-id"),
    path("outcomes/", views.outcome_list, name="outcome-list"),
    path("outcomes/certificates/", views.certificate_stats, name="certificate-stats"),
    path("me/", views.my_account, name="my-account"),
]
