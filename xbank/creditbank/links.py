"""The credit bank's links on a learner's page (``learners.links``): the ledger, the transcript
and the recognition requests, for the roles the pages' guards let in (``access.sees_requests``;
the learner is one the user already sees, so ``access_learner`` lets them through too)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.accounts.access import Viewer, grants_for
from xbank.learners.links import LearnerLink
from xbank.learners.models import Learner

from . import access


def learner_links(user: Viewer, learner: Learner) -> list[LearnerLink]:
    if not access.sees_requests(grants_for(user)):
        return []
    requests = reverse("creditbank:request-list") + "?" + urlencode({"account": learner.account_id})
    return [
        LearnerLink(_("学分流水"), reverse("creditbank:ledger", args=[learner.pk])),
        LearnerLink(_("成绩单"), reverse("creditbank:transcript", args=[learner.pk])),
        LearnerLink(_("认定申请"), requests),
    ]
