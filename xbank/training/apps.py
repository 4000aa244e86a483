from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "xbank.training"
    label = "training"
    verbose_name = "培训"
