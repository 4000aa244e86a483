from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "xbank.training"
    label = "training"
    verbose_name = "培训"
    # Links on a learner's page (xbank.learners.links), read like ``daily_tasks``.
    learner_links = "xbank.training.links.learner_links"

    def ready(self) -> None:
        from xbank.learners.signals import profile_change_accepted

        from .enrollments import on_profile_change_accepted

        profile_change_accepted.connect(
            on_profile_change_accepted, dispatch_uid="training.profile_change_accepted"
        )
