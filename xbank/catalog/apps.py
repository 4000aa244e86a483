from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "xbank.catalog"
    label = "catalog"
    verbose_name = "证书与课程目录"
