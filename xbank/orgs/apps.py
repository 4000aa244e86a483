from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xbank.orgs"
    label = "orgs"
    verbose_name = "机构"
