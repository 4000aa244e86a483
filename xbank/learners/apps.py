from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "xbank.learners"
    label = "learners"
    verbose_name = "学习者与学习账户"
