"""The import upload page (admin and compliance): upload, live progress, error report."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .importing.forms import ImportUploadForm
from .importing.jobs import import_job_create, import_job_get, import_job_list_recent
from .models import ImportJob
from .roles import Role, role_of

IMPORTERS = (Role.ADMIN, Role.COMPLIANCE)


def _job_for(user, public_id) -> ImportJob:
    # Anyone else gets 404, as for every object outside one's scope.
    if role_of(user) not in IMPORTERS:
        raise Http404
    return import_job_get(public_id=public_id)


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request):
    if role_of(request.user) not in IMPORTERS:
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            kind=form.cleaned_data["kind"],
            encoding=form.cleaned_data["encoding"],
            upload=form.cleaned_data["file"],
            by=request.user,
        )
        return redirect("collections_app:import_job", public_id=job.public_id)
    jobs = import_job_list_recent()
    status = 400 if request.method == "POST" else 200
    return render(
        request, "collections_app/import_upload.html", {"form": form, "jobs": jobs}, status=status
    )


@require_GET
@login_required
def import_job(request, public_id):
    job = _job_for(request.user, public_id)
    return render(request, "collections_app/import_job.html", {"job": job})


@require_GET
@login_required
def import_job_status(request, public_id):
    job = _job_for(request.user, public_id)
    errors_url = (
        reverse("collections_app:import_job_errors", args=[job.public_id])
        if job.error_report
        else None
    )
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "summary": job.summary,
            "error_count": job.error_count,
            "errors_url": errors_url,
        }
    )


@require_GET
@login_required
def import_job_errors(request, public_id):
    job = _job_for(request.user, public_id)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"{job.kind}-errors.csv",
        content_type="text/csv",
    )
