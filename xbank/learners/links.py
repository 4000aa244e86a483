"""Links from a learner's page to their records kept by the apps above (相关记录): the ledger,
the transcript, recognition requests, training registrations, exam results.

learners sits below those apps and imports none of them. Each names a provider on its
``AppConfig`` instead (``learner_links``, a dotted path, read like ``daily_tasks``): a function
``(user, learner) -> list[LearnerLink]`` that returns the links the user may open for a learner
they already see, decided by the same predicates as the target pages' guards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from xbank.accounts.access import Viewer

    from .models import Learner


@dataclass(frozen=True)
class LearnerLink:
    label: str
    url: str


LinkProvider = Callable[["Viewer", "Learner"], list[LearnerLink]]


def learner_links(user: Viewer, learner: Learner) -> list[LearnerLink]:
    """The links of every app that provides some, in the order of ``INSTALLED_APPS``."""
    links: list[LearnerLink] = []
    for config in apps.get_app_configs():
        path = getattr(config, "learner_links", None)
        if path:
            provider: LinkProvider = import_string(path)  # a wrong path is a bug: fail loudly
            links += provider(user, learner)
    return links
