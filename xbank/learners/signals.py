"""Signals of the learners app, for the apps above it (which learners must not import).

``outcome_revoked`` is sent inside the transaction of ``services.outcome_revoke`` with
``actor``, ``outcome`` and ``reason``: a receiver that fails rolls the revocation back, so an
outcome is never revoked while credits built on it stand.
"""

from django.dispatch import Signal

outcome_revoked = Signal()
