from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xbank.assessment"
    label = "assessment"
    verbose_name = "考核与证书发放"
