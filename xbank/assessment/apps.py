from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xbank.assessment"
    label = "assessment"
    verbose_name = "考核与证书发放"
    # Links on a learner's page (xbank.learners.links), read like ``daily_tasks``.
    learner_links = "xbank.assessment.links.learner_links"
