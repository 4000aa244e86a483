from django.urls import path

from . import public_views, views

app_name = "training"
urlpatterns = [
    # Public (no login): announcements, programs, registration and its confirmation.
    path("", public_views.announcement_list, name="announcements"),
    path("a/<str:code>/", public_views.announcement_detail, name="announcement-detail"),
    path("p/<str:code>/", public_views.program_detail, name="program-detail"),
    path("p/<str:code>/register/", public_views.program_register, name="register"),
    path("r/<str:code>/", public_views.registration_status, name="registration-status"),
    path(
        "r/<str:code>/withdraw/", public_views.registration_withdraw, name="registration-withdraw"
    ),
    # A learner with a login.
    path("p/<str:code>/enroll/", public_views.enroll, name="enroll"),
    path("me/", public_views.my_enrollments, name="my-enrollments"),
    path("me/<int:pk>/withdraw/", public_views.my_withdraw, name="my-withdraw"),
    # Staff.
    path("programs/", views.program_list, name="program-list"),
    path("programs/new/", views.program_create, name="program-create"),
    path("programs/<int:pk>/", views.program_manage, name="program-manage"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program-edit"),
    path("programs/<int:pk>/status/", views.program_transition, name="program-transition"),
    path("programs/<int:pk>/sessions/", views.session_create, name="session-create"),
    path("programs/<int:pk>/decide/", views.enrollment_decide, name="enrollment-decide"),
    path("programs/<int:pk>/enroll/", views.enrollment_add, name="enrollment-add"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/sign-in.pdf", views.session_sign_in_sheet, name="session-sign-in"),
    path("enrollments/", views.enrollment_list, name="enrollment-list"),
    path("teaching/", views.my_programs, name="my-programs"),
    path("announcements/", views.announcement_manage_list, name="announcement-manage-list"),
    path("announcements/new/", views.announcement_create, name="announcement-create"),
    path(
        "announcements/<int:pk>/publish/",
        views.announcement_publish,
        name="announcement-publish",
    ),
    path("stats/", views.stats, name="stats"),
    path("stats/names/", views.stats_names, name="stats-names"),
]
