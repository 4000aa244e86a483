from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xbank.reports"
    label = "reports"
    verbose_name = "统计与佐证材料"
