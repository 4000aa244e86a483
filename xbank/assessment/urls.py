from django.urls import path

from .views import awards, candidates, confidentiality, examiners, results, sessions, sites

app_name = "assessment"
urlpatterns = [
    path("", sessions.index, name="index"),
    path("sites/", sites.site_list, name="site-list"),
    path("sites/new/", sites.site_create, name="site-create"),
    path("sites/<int:pk>/", sites.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", sites.site_edit, name="site-edit"),
    path("sites/<int:pk>/rooms/new/", sites.room_create, name="room-create"),
    path("rooms/", sites.room_list, name="room-list"),
    path("rooms/<int:pk>/edit/", sites.room_edit, name="room-edit"),
    path("examiners/", examiners.qualification_list, name="qualification-list"),
    path("examiners/new/", examiners.qualification_create, name="qualification-create"),
    path("examiners/<int:pk>/edit/", examiners.qualification_edit, name="qualification-edit"),
    path("pass-marks/", results.pass_mark_list, name="pass-mark-list"),
    path("pass-marks/<int:pk>/", results.pass_mark_edit, name="pass-mark-edit"),
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<int:pk>/rooms/", sessions.session_room_add, name="session-room-add"),
    path(
        "sessions/<int:pk>/rooms/<int:room_pk>/remove/",
        sessions.session_room_remove,
        name="session-room-remove",
    ),
    path(
        "sessions/<int:pk>/examiners/", sessions.session_examiner_add, name="session-examiner-add"
    ),
    path(
        "sessions/<int:pk>/examiners/<int:assignment_pk>/remove/",
        sessions.session_examiner_remove,
        name="session-examiner-remove",
    ),
    path(
        "sessions/<int:pk>/status/<slug:action>/",
        sessions.session_transition,
        name="session-transition",
    ),
    path("sessions/<int:pk>/candidates/", candidates.candidate_add, name="candidate-add"),
    path(
        "sessions/<int:pk>/candidates/program/",
        candidates.candidate_add_program,
        name="candidate-add-program",
    ),
    path("sessions/<int:pk>/tickets.pdf", candidates.tickets_pdf, name="tickets-pdf"),
    path("sessions/<int:pk>/sign-in.pdf", candidates.signin_sheet_pdf, name="signin-sheet-pdf"),
    path(
        "sessions/<int:pk>/confidentiality/",
        confidentiality.confidentiality,
        name="confidentiality",
    ),
    path(
        "sessions/<int:pk>/confidentiality/<int:step_pk>/countersign/",
        confidentiality.confidentiality_countersign,
        name="confidentiality-countersign",
    ),
    path("sessions/<int:pk>/incidents/", confidentiality.incident_add, name="incident-add"),
    path(
        "sessions/<int:pk>/incidents/<int:incident_pk>/resolve/",
        confidentiality.incident_resolve,
        name="incident-resolve",
    ),
    path("candidates/", results.candidate_list, name="candidate-list"),
    path("candidates/<int:pk>/remove/", candidates.candidate_remove, name="candidate-remove"),
    path("candidates/<int:pk>/ticket.pdf", candidates.ticket_pdf, name="ticket-pdf"),
    path("candidates/<int:pk>/award/", awards.award_create, name="award-create"),
    path("stats/", results.stats, name="stats"),
    path("awards/", awards.award_list, name="award-list"),
    path("awards/<int:pk>/revoke/", awards.award_revoke, name="award-revoke"),
    path("score/", results.my_sessions, name="my-sessions"),
    path("score/<int:pk>/", results.score_sheet, name="score-sheet"),
    path("me/", candidates.my_results, name="my-results"),
    path("me/<int:pk>/ticket.pdf", candidates.my_ticket, name="my-ticket"),
]
