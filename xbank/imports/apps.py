from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ImportsConfig(AppConfig):
    name = "xbank.imports"
    label = "imports"
    verbose_name = "数据导入"
    # Enqueued daily by ``manage.py serve`` (the demo); production runs ``purge_imports`` from a
    # timer instead (docs/operations.md).
    daily_tasks = ("xbank.imports.tasks.purge_expired_batches",)
    # Enqueued by ``manage.py serve`` every XBANK_IMPORT_LEASE_SECONDS; production runs
    # ``recover_imports`` from a timer instead.
    periodic_tasks = ("xbank.imports.tasks.recover_interrupted_batches",)

    def ready(self) -> None:
        # Each app declares its kinds of import in its own ``imports.py`` (learners, courses…).
        autodiscover_modules("imports")
