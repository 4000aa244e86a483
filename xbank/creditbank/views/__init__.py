"""Pages of the credit bank (学分银行): conversion rules and their simulation, the calculator
(also public), recognition requests and their two-level review, the ledger, the transcript and
the graduation audit.

Thin views: a role check (403), ``access_*`` for the row (the same 404 for missing and out of
scope), one service call, and a domain error put back on the form or shown as a message.

One module per page group, as ``urls.py`` lists them: ``home`` (the entry page and the learner's
own page), ``rules`` (with the simulation), ``calculator``, ``requests`` (with their review and
batches), ``ledger``, ``transcripts``, ``graduation``; ``base`` holds the guards and helpers
they share.
"""
