"""Training's link on a learner's page (``learners.links``): the person's registrations, for
the roles the registration list's guard lets in (``selectors.is_staff``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.accounts.access import Viewer, grants_for
from xbank.learners.links import LearnerLink
from xbank.learners.models import Learner

from . import selectors


def learner_links(user: Viewer, learner: Learner) -> list[LearnerLink]:
    if not selectors.is_staff(grants_for(user)):
        return []
    url = reverse("training:enrollment-list") + "?" + urlencode({"account": learner.account_id})
    return [LearnerLink(_("培训报名"), url)]
