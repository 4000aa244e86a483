"""Transcripts (成绩单) issued as verifiable credentials."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from xbank.catalog.models import Curriculum
from xbank.core.actors import Actor
from xbank.learners.models import Learner
from xbank.verify.models import Credential
from xbank.verify.services import credential_issue

from .. import selectors
from ..errors import ERR_NO_CURRICULUM
from ..rules import fmt
from .common import _require


@transaction.atomic
def transcript_issue(*, actor: Actor, learner: Learner, curriculum: Curriculum) -> Credential:
    """Issue a verifiable transcript (成绩单): a credential whose public page shows the credits
    earned against those required. Revoked automatically if a later reversal changes them."""
    _require(selectors.may_act_for_learner(actor, learner), actor)
    transcript = selectors.transcript_get(learner=learner, curriculum=curriculum)
    if transcript is None:
        raise ValidationError(ERR_NO_CURRICULUM, code="no_curriculum")
    s = transcript.summary
    major = transcript.curriculum.major
    return credential_issue(
        actor=actor,
        kind=Credential.Kind.TRANSCRIPT,
        title=f"{major.name}专业 {transcript.curriculum.cohort_year} 级 成绩单",
        holder_name=learner.account.name,
        issuer=major.institution.name,
        details=[
            ("专业", major.name),
            ("年级", f"{transcript.curriculum.cohort_year} 级"),
            ("已修合格课程", f"{len(transcript.passed)} 门"),
            ("免修课程", f"{len(transcript.exempted)} 门"),
            ("已获学分", f"{fmt(s.total)} / {fmt(s.required)}"),
            ("其中转换学分", fmt(s.converted_counted)),
        ],
        source=learner,
    )
