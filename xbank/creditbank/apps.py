from django.apps import AppConfig


class CreditbankConfig(AppConfig):
    name = "xbank.creditbank"
    label = "creditbank"
    verbose_name = "学分银行"
    # Enqueued daily by ``manage.py serve`` (the demo); production runs ``ledger_checkpoint``
    # from a timer instead (docs/operations.md).
    daily_tasks = ("xbank.creditbank.tasks.write_ledger_checkpoint",)
    # Links on a learner's page (xbank.learners.links), read like ``daily_tasks``.
    learner_links = "xbank.creditbank.links.learner_links"
    # Run by ``manage.py backup`` and ``restore`` on the copy (xbank.core.backup).
    restore_checks = ("verify_ledger",)

    def ready(self) -> None:
        # learners sits below the credit bank and cannot import it: it announces a revoked
        # outcome, and the credit bank reverses what was built on it, in the same transaction.
        from xbank.assessment.signals import award_issued
        from xbank.learners.signals import outcome_revoked

        from .services import on_award_issued, on_outcome_revoked

        outcome_revoked.connect(on_outcome_revoked, dispatch_uid="creditbank.outcome_revoked")
        # A new certificate proposes a recognition request to its holder.
        award_issued.connect(on_award_issued, dispatch_uid="creditbank.award_issued")
