"""Assessment's link on a learner's page (``learners.links``): the person's candidacies and
results, for the roles the candidate list's guard lets in (``access.views_some``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.accounts.access import Viewer, grants_for
from xbank.learners.links import LearnerLink
from xbank.learners.models import Learner

from . import access


def learner_links(user: Viewer, learner: Learner) -> list[LearnerLink]:
    if not access.views_some(grants_for(user)):
        return []
    url = reverse("assessment:candidate-list") + "?" + urlencode({"account": learner.account_id})
    return [LearnerLink(_("考核成绩"), url)]
