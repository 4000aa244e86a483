"""Signals of the learners app, for the apps above it (which learners must not import).

``outcome_revoked`` is sent inside the transaction of ``services.outcome_revoke`` with
``actor``, ``outcome`` and ``reason``: a receiver that fails rolls the revocation back, so an
outcome is never revoked while credits built on it stand.
"""

from django.dispatch import Signal

outcome_revoked = Signal()

profile_change_accepted = Signal()
"""Sent inside ``services.profile_change_accept`` with ``actor`` and ``change`` (its ``learner``
set): training links the registrations that waited for the check to the learner record."""
