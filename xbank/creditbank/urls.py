from django.urls import path

from . import views

app_name = "creditbank"
urlpatterns = [
    path("", views.index, name="index"),
    # Conversion rules and their simulation
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views.rule_detail, name="rule-detail"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="rule-revise"),
    path("rules/<int:pk>/publish/", views.rule_publish, name="rule-publish"),
    path("rules/<int:pk>/retire/", views.rule_retire, name="rule-retire"),
    path("rules/<int:pk>/discard/", views.rule_discard, name="rule-discard"),
    path("rules/<int:pk>/simulate/", views.rule_simulate, name="rule-simulate"),
    # Calculator: for logged-in users, and public
    path("calculator/", views.calculator, name="calculator"),
    path("public/calculator/", views.public_calculator, name="public-calculator"),
    # Recognition requests and their review
    path("requests/", views.request_list, name="request-list"),
    path("requests/apply/", views.request_apply, name="request-apply"),
    path("requests/queue/school/", views.review_queue, {"stage": "school"}, name="review-school"),
    path("requests/queue/final/", views.review_queue, {"stage": "final"}, name="review-final"),
    path("requests/<str:code>/", views.request_detail, name="request-detail"),
    path("requests/<str:code>/review/", views.request_review, name="request-review"),
    path("requests/<str:code>/appeal/", views.request_appeal, name="request-appeal"),
    path("requests/<str:code>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<str:code>/files/<str:which>/", views.request_file, name="request-file"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_create, name="batch-create"),
    # Ledger, transcript, the learner's own page
    path("learners/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("learners/<int:pk>/ledger/<int:seq>/reverse/", views.entry_reverse, name="entry-reverse"),
    path("learners/<int:pk>/transcript/", views.transcript, name="transcript"),
    path("learners/<int:pk>/transcript/issue/", views.transcript_issue, name="transcript-issue"),
    path(
        "learners/<int:pk>/transcript/<str:code>.pdf", views.transcript_pdf, name="transcript-pdf"
    ),
    path("me/", views.my_credits, name="my-credits"),
    path("me/ledger/", views.my_ledger, name="my-ledger"),
    # Graduation audit
    path("graduation/", views.graduation_audit, name="graduation-audit"),
]
