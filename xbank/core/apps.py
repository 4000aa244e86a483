from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xbank.core"
    label = "core"
    verbose_name = "核心"
