"""The transcript (成绩单) of a learner: the page, issuing it as a credential, and its PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.qr import qr_svg_data_uri
from xbank.core.views import run_action
from xbank.verify import services as verify_services
from xbank.verify.models import Credential

from .. import selectors, services
from .base import _access_learner


@login_required
def transcript(request, pk):
    learner = _access_learner(request, pk)
    credential = verify_services.credential_for_source(learner, kind=Credential.Kind.TRANSCRIPT)
    return render(
        request,
        "creditbank/transcript.html",
        {
            "learner": learner,
            "transcript": selectors.transcript_get(learner=learner),
            "credential": credential,
            "verify_url": verify_services.public_url(credential, request) if credential else "",
            "may_issue": selectors.may_act_for_learner(request.user, learner),
        },
    )


@require_POST
@login_required
def transcript_issue(request, pk):
    """Issue a verifiable transcript (a credential with a public page), then show it."""
    learner = _access_learner(request, pk)
    if not selectors.may_act_for_learner(request.user, learner):
        raise PermissionDenied
    ok, credential = run_action(
        request,
        lambda: services.transcript_issue(
            actor=request.user, learner=learner, curriculum=selectors.curriculum_for(learner)
        ),
    )
    if ok:
        messages.success(
            request, _("成绩单已签发，核验码 %(code)s") % {"code": credential.code_display}
        )
    return redirect("creditbank:transcript", pk=learner.pk)


@login_required
def transcript_pdf(request, pk, code):
    """The transcript as a PDF, carrying the QR code of its credential's public page."""
    learner = _access_learner(request, pk)
    credential = selectors.transcript_credential(learner=learner, code=code)
    if credential is None:
        raise Http404("No such transcript")
    if not credential.is_valid:
        messages.error(request, _("该成绩单已撤销，请重新签发"))
        return redirect("creditbank:transcript", pk=learner.pk)
    data = selectors.transcript_get(learner=learner)
    if data is None:
        raise Http404("No curriculum")
    url = verify_services.public_url(credential, request)
    content = render_pdf(
        "creditbank/pdf/transcript.html",
        {"t": data, "credential": credential, "verify_url": url, "qr": qr_svg_data_uri(url)},
    )
    name = f"{_('成绩单')}-{learner.account.name}-{credential.issued_at:%Y%m%d}.pdf"
    return pdf_response(name, content)
