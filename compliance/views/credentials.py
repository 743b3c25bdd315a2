"""The credentials registry: per collector, expiring soon, one collector's documents, add /
edit / revoke, and the CSV upload.

Officers only (`officer_required`: other roles 403); a missing collector or credential is
404. Invalid input re-renders the page with the errors and status 400.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collections_app.form_errors import add_service_errors
from compliance.access import officer_required
from compliance.forms.credentials import (
    CredentialAddForm,
    CredentialEditForm,
    ExpiringFilterForm,
    RegistryFilterForm,
    RevokeForm,
    UploadForm,
)
from compliance.selectors.credentials import (
    collector_credentials,
    collector_get,
    credential_get,
    credential_registry,
    credentials_expiring,
)
from compliance.services.credentials import (
    CSV_COLUMNS,
    credential_add,
    credential_import,
    credential_revoke,
    credential_update,
)

PAGE_SIZE = 50
TEMPLATES = "compliance/credentials/"


@require_GET
@officer_required
def credential_list(request):
    form = RegistryFilterForm(request.GET or None)
    today = timezone.localdate()
    rows = credential_registry(today=today, **form.filters())
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "today": today,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
    }
    return render(request, TEMPLATES + "credential_list.html", context, status=_status(form))


@require_GET
@officer_required
def credentials_expiring_view(request):
    form = ExpiringFilterForm(request.GET or None)
    today = timezone.localdate()
    slots = credentials_expiring(today=today, **form.filters())
    context = {"form": form, "today": today, "slots": slots}
    return render(request, TEMPLATES + "credential_expiring.html", context, status=_status(form))


@require_GET
@officer_required
def credential_collector(request, employee_number):
    collector = collector_get(employee_number=employee_number)
    today = timezone.localdate()
    context = {
        "collector": collector,
        "credentials": collector_credentials(collector=collector, today=today),
        "revoke_form": RevokeForm(),
    }
    return render(request, TEMPLATES + "credential_collector.html", context)


@require_http_methods(["GET", "POST"])
@officer_required
def credential_add_view(request):
    # Links from a collector's page or the expiring list preselect who and what.
    initial = {name: request.GET.get(name) for name in ("collector", "kind")}
    form = CredentialAddForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        if _saved(form, credential_add, by=request.user, now=timezone.now(), **kwargs):
            messages.success(request, _("Credential added."))
            return _to_collector(kwargs["collector"])
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
@officer_required
def credential_edit_view(request, public_id):
    credential = credential_get(public_id=public_id)
    initial = CredentialEditForm.initial_for(credential)
    form = CredentialEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs() | {"credential": credential}
        if _saved(form, credential_update, by=request.user, now=timezone.now(), **kwargs):
            messages.success(request, _("Credential saved."))
            return _to_collector(credential.collector)
    return _form_page(request, form, credential)


@require_POST
@officer_required
def credential_revoke_view(request, public_id):
    credential = credential_get(public_id=public_id)
    form = RevokeForm(request.POST)
    if form.is_valid() and _saved(
        form,
        credential_revoke,
        credential=credential,
        by=request.user,
        now=timezone.now(),
        reason=form.cleaned_data["reason"],
    ):
        messages.success(request, _("Credential revoked: bookings no longer count it."))
        return _to_collector(credential.collector)
    context = {"form": form, "credential": credential}
    return render(request, TEMPLATES + "credential_revoke.html", context, status=400)


@require_http_methods(["GET", "POST"])
@officer_required
def credential_upload(request):
    form = UploadForm(_posted(request), request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = credential_import(
            content=form.cleaned_data["file"].read(),
            by=request.user,
            now=timezone.now(),
            dry_run=form.cleaned_data["dry_run"],
        )
        if result.ok and not result.dry_run:
            messages.success(request, result.summary())
            return redirect("compliance:credential_list")
    context = {"form": form, "result": result, "columns": CSV_COLUMNS}
    if result is not None:
        context["summary"] = result.summary()
    bad = request.method == "POST" and (result is None or not result.ok)
    return render(
        request, TEMPLATES + "credential_upload.html", context, status=400 if bad else 200
    )


def _saved(form, service, **kwargs) -> bool:
    """Call the service; its field errors go onto the form."""
    try:
        service(**kwargs)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _posted(request):
    """The POST data, so that an empty POST is a bound form that shows its errors."""
    return request.POST if request.method == "POST" else None


def _status(form) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


def _to_collector(collector):
    employee_number = collector.staff_profile.employee_number
    return redirect("compliance:credential_collector", employee_number=employee_number)


def _form_page(request, form, credential):
    context = {"form": form, "credential": credential}
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATES + "credential_form.html", context, status=status)
