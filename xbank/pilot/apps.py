from django.apps import AppConfig


class PilotConfig(AppConfig):
    name = "xbank.pilot"
    label = "pilot"
    verbose_name = "试点管理"
