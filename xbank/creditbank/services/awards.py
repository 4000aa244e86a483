"""A new certificate proposes a recognition request to its holder (receiver of
``assessment.signals.award_issued``)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from xbank.accounts.notifications import notification_send
from xbank.assessment.models import CertificateAward
from xbank.learners.models import Learner, LearningOutcome

from .. import selectors
from ..errors import MSG_AWARD_PROPOSAL_BODY, MSG_AWARD_PROPOSAL_TITLE


def award_propose(*, outcome: LearningOutcome) -> list[object]:
    """Tell the holder of a newly issued certificate what it would bring in their curriculum, with
    a link to apply (认定申请). Nothing is submitted for them: applying stays the learner's choice
    (or staff start a batch), but nobody has to discover the rule on their own.

    Returns the notifications sent (none when the holder has no login, no curriculum, or no
    published rule converts the certificate)."""
    account = outcome.account
    if account.user_id is None:
        return []
    sent = []
    learners = Learner.objects.filter(
        account=account, kind=Learner.Kind.STUDENT, status=Learner.Status.ACTIVE
    ).select_related("major__institution", "school")
    for learner in learners:
        proposal = selectors.request_preview(learner=learner, outcomes=[outcome])
        if proposal is None or not proposal.granted:
            continue
        parts = []
        exempted = [line.course.name for line in proposal.granted if line.course is not None]
        if exempted:
            parts.append("免修" + "、".join(f"「{name}」" for name in exempted))
        credits = sum((line.credits for line in proposal.granted), Decimal(0))
        if credits:
            parts.append(f"计 {credits} 学分")
        sent.append(
            notification_send(
                recipient=account.user,
                title=MSG_AWARD_PROPOSAL_TITLE.format(title=outcome.title),
                body=MSG_AWARD_PROPOSAL_BODY.format(
                    curriculum=proposal.state.curriculum, what="，".join(parts)
                ),
                url=reverse("creditbank:request-apply"),
            )
        )
    return sent


def on_award_issued(sender: object, *, award: CertificateAward, **kwargs: object) -> None:
    """Receiver of ``assessment.signals.award_issued``."""
    award_propose(outcome=award.outcome)
