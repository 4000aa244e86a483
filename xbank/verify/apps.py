from django.apps import AppConfig


class VerifyConfig(AppConfig):
    name = "xbank.verify"
    label = "verify"
    verbose_name = "公开核验"
