"""Rule-pack versions: list, read, draft, edit, diff, replay, publish (compliance and admin)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collections_app.form_errors import add_service_errors
from compliance.access import officer_required
from compliance.forms.packs import DraftCreateForm, PackEditForm, PublishForm
from compliance.selectors.packs import (
    pack_document,
    pack_draft_get,
    pack_get,
    pack_overview,
    pack_source,
)
from compliance.services.pack_versions import (
    pack_diff,
    pack_draft_create,
    pack_draft_update,
    pack_next_draft_version,
    pack_publish,
    pack_replay,
)


@require_GET
@officer_required
def pack_list(request):
    groups = pack_overview(now=timezone.now())
    return render(request, "compliance/packs/pack_list.html", {"groups": groups})


def _detail(request, pack, publish_form=None, status=200):
    context = {
        "pack": pack,
        "document": pack_document(pack=pack),
        "publish_form": publish_form or PublishForm(),
    }
    return render(request, "compliance/packs/pack_detail.html", context, status=status)


@require_GET
@officer_required
def pack_detail(request, version):
    return _detail(request, pack_get(version=version))


@require_http_methods(["GET", "POST"])
@officer_required
def pack_draft_new(request, version):
    source = pack_get(version=version)
    form = DraftCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = pack_draft_create(
                source=source, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft %(v)s created.") % {"v": draft.version})
            return redirect("compliance:pack_edit", version=draft.version)
    context = {"source": source, "form": form, "suggested": pack_next_draft_version(source=source)}
    status = 400 if form.errors else 200
    return render(request, "compliance/packs/pack_draft_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@officer_required
def pack_edit(request, version):
    draft = pack_draft_get(version=version)
    form = PackEditForm(draft.parameters, request.POST or None, notes=draft.notes)
    if request.method == "POST" and form.is_valid():
        try:
            pack_draft_update(
                draft=draft,
                document=form.document(),
                notes=form.cleaned_data["notes"],
                by=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_pack_errors(error)
        else:
            messages.success(request, _("Draft %(v)s saved.") % {"v": draft.version})
            return redirect("compliance:pack_diff", version=draft.version)
    status = 400 if form.errors else 200
    return render(
        request, "compliance/packs/pack_edit.html", {"pack": draft, "form": form}, status=status
    )


@require_GET
@officer_required
def pack_diff_view(request, version):
    pack = pack_get(version=version)
    source = pack_source(pack=pack)
    changes = pack_diff(old=source.parameters, new=pack.parameters)
    context = {"pack": pack, "source": source, "changes": changes}
    return render(request, "compliance/packs/pack_diff.html", context)


@require_GET
@officer_required
def pack_replay_view(request, version):
    draft = pack_draft_get(version=version)
    try:
        replay = pack_replay(draft=draft, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("compliance:pack_detail", version=draft.version)
    return render(request, "compliance/packs/pack_replay.html", {"pack": draft, "replay": replay})


@require_POST
@officer_required
def pack_publish_view(request, version):
    draft = pack_draft_get(version=version)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            done = pack_publish(
                draft=draft,
                effective_from=form.cleaned_data["effective_from"],
                by=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            visits = len({flag.visit_id for flag in done.flags})
            text = ngettext(
                "%(v)s published; %(n)d booked visit flagged.",
                "%(v)s published; %(n)d booked visits flagged.",
                visits,
            )
            messages.success(request, text % {"v": done.pack.version, "n": visits})
            return redirect("compliance:pack_detail", version=done.pack.version)
    return _detail(request, draft, publish_form=form, status=400)
