from django.urls import path

from .views import calculator, graduation, home, ledger, requests, rules, transcripts

app_name = "creditbank"
urlpatterns = [
    path("", home.index, name="index"),
    # Conversion rules and their simulation
    path("rules/", rules.rule_list, name="rule-list"),
    path("rules/new/", rules.rule_create, name="rule-create"),
    path("rules/<int:pk>/", rules.rule_detail, name="rule-detail"),
    path("rules/<int:pk>/edit/", rules.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/revise/", rules.rule_revise, name="rule-revise"),
    path("rules/<int:pk>/publish/", rules.rule_publish, name="rule-publish"),
    path("rules/<int:pk>/retire/", rules.rule_retire, name="rule-retire"),
    path("rules/<int:pk>/discard/", rules.rule_discard, name="rule-discard"),
    path("rules/<int:pk>/simulate/", rules.rule_simulate, name="rule-simulate"),
    # Calculator: for logged-in users, and public
    path("calculator/", calculator.calculator, name="calculator"),
    path("public/calculator/", calculator.public_calculator, name="public-calculator"),
    # Recognition requests and their review
    path("requests/", requests.request_list, name="request-list"),
    path("requests/apply/", requests.request_apply, name="request-apply"),
    path(
        "requests/queue/school/", requests.review_queue, {"stage": "school"}, name="review-school"
    ),
    path("requests/queue/final/", requests.review_queue, {"stage": "final"}, name="review-final"),
    path("requests/<str:code>/", requests.request_detail, name="request-detail"),
    path("requests/<str:code>/review/", requests.request_review, name="request-review"),
    path("requests/<str:code>/appeal/", requests.request_appeal, name="request-appeal"),
    path("requests/<str:code>/withdraw/", requests.request_withdraw, name="request-withdraw"),
    path("requests/<str:code>/files/<str:which>/", requests.request_file, name="request-file"),
    path("batches/", requests.batch_list, name="batch-list"),
    path("batches/new/", requests.batch_create, name="batch-create"),
    # Ledger, transcript, the learner's own page
    path("learners/<int:pk>/ledger/", ledger.ledger, name="ledger"),
    path("learners/<int:pk>/ledger/<int:seq>/reverse/", ledger.entry_reverse, name="entry-reverse"),
    path("learners/<int:pk>/transcript/", transcripts.transcript, name="transcript"),
    path(
        "learners/<int:pk>/transcript/issue/", transcripts.transcript_issue, name="transcript-issue"
    ),
    path(
        "learners/<int:pk>/transcript/<str:code>.pdf",
        transcripts.transcript_pdf,
        name="transcript-pdf",
    ),
    path("me/", home.my_credits, name="my-credits"),
    path("me/ledger/", ledger.my_ledger, name="my-ledger"),
    # Graduation audit
    path("graduation/", graduation.graduation_audit, name="graduation-audit"),
]
