"""Evidence packs: request one, watch it being built, download it (officers only).

The ZIP is streamed from storage through `evidence_pack_download`, never from MEDIA_URL, and
every download is audited. A missing pack, or one not ready, is 404.
"""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods

from compliance.access import officer_required
from compliance.forms.evidence_packs import EvidencePackForm
from compliance.models import EvidencePackJob
from compliance.selectors.evidence_packs import (
    evidence_pack_get,
    evidence_pack_recent,
    pack_subject_get,
)
from compliance.services.evidence_packs import (
    evidence_pack_downloaded,
    evidence_pack_filename,
    evidence_pack_request,
)
from visits.models import Visit

LIST = "compliance/evidence_packs/evidence_pack_list.html"
DETAIL = "compliance/evidence_packs/evidence_pack_detail.html"


@require_http_methods(["GET", "POST"])
@officer_required
def evidence_pack_list(request):
    """GET: the recent packs and the request form; POST: request a pack."""
    if request.method == "POST":
        return _evidence_pack_request(request)
    return render(request, LIST, {"form": EvidencePackForm(), "jobs": evidence_pack_recent()})


def _evidence_pack_request(request):
    form = EvidencePackForm(request.POST)
    if not form.is_valid():
        return render(request, LIST, {"form": form, "jobs": evidence_pack_recent()}, status=400)
    subject = pack_subject_get(
        case_id=form.cleaned_data["case"], visit_id=form.cleaned_data["visit"]
    )
    job = evidence_pack_request(
        **{"visit" if isinstance(subject, Visit) else "case": subject},
        by=request.user,
        now=timezone.now(),
        language=translation.get_language(),
    )
    return redirect("compliance:evidence_pack_detail", public_id=job.public_id)


@require_GET
@officer_required
def evidence_pack_detail(request, public_id):
    return render(request, DETAIL, {"job": evidence_pack_get(public_id=public_id)})


@require_GET
@officer_required
def evidence_pack_progress(request, public_id):
    """What static/js/evidence_pack.js polls while the pack is being built."""
    job = evidence_pack_get(public_id=public_id)
    return JsonResponse(
        {"status": job.status, "progress": job.progress, "pending": job.is_pending},
        headers={"Cache-Control": "no-store"},
    )


@require_GET
@officer_required
def evidence_pack_download(request, public_id):
    job = evidence_pack_get(public_id=public_id)
    if job.status != EvidencePackJob.Status.DONE:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    evidence_pack_downloaded(job=job, by=request.user, now=timezone.now())
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence_pack_filename(job),
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
