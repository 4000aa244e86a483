from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ImportsConfig(AppConfig):
    name = "xbank.imports"
    label = "imports"
    verbose_name = "数据导入"

    def ready(self) -> None:
        # Each app declares its kinds of import in its own ``imports.py`` (learners, courses…).
        autodiscover_modules("imports")
