"""Signals of the assessment app, for the apps above it (which assessment must not import).

``award_issued`` is sent inside ``services.award_issue``'s transaction with ``award``: the credit
bank listens and proposes a recognition request (认定申请) to the new certificate's holder.
"""

from django.dispatch import Signal

award_issued = Signal()
