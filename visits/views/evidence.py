"""Attach evidence to a visit, and the one way an evidence file reaches a browser."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collections_app.form_errors import add_service_errors
from visits.forms.evidence import EvidenceForm
from visits.models import Evidence
from visits.selectors import (
    evidence_for_visit,
    evidence_get_for_user,
    evidence_may_add,
    visit_get_for_user,
)
from visits.services.evidence import evidence_add

ADD = "visits.add_evidence"
VIEW = "visits.view_evidence"
PARTIAL = "visits/includes/_evidence.html"


def evidence_panel(*, visit, user, form: EvidenceForm | None = None) -> dict:
    """Context of the evidence partial, for the visit page and the htmx answer alike."""
    may_add = evidence_may_add(visit=visit, user=user)
    return {
        "visit": visit,
        "evidence": evidence_for_visit(visit=visit),
        # A refused upload keeps its form, so its errors show even where adding is over.
        "evidence_form": form or (EvidenceForm() if may_add else None),
        "can_add_evidence": may_add,
    }


@require_POST
@login_required
@permission_required(ADD, raise_exception=True)
def evidence_add_view(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload = form.cleaned_data["file"]
            evidence_add(visit=visit, upload=upload, by=request.user, now=timezone.now())
        except ValidationError as error:
            add_service_errors(form, error)
    if request.htmx:
        context = evidence_panel(visit=visit, user=request.user, form=form if form.errors else None)
        return render(request, PARTIAL, context, status=400 if form.errors else 200)
    if form.errors:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    else:
        messages.success(request, _("Evidence attached."))
    return redirect("visits:visit_detail", public_id=visit.public_id)


@require_GET
@login_required
@permission_required(VIEW, raise_exception=True)
def evidence_file(request, public_id):
    evidence = evidence_get_for_user(user=request.user, public_id=public_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None  # purged after the retention period
    audio = evidence.kind == Evidence.Kind.AUDIO
    response = FileResponse(
        handle,
        content_type=evidence.content_type,
        as_attachment=audio,
        filename=evidence.original_name or f"evidence-{evidence.sha256[:12]}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the file can run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Borrower evidence stays out of shared caches and the phone's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response
