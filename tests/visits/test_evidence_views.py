"""Evidence upload and file pages per persona: who may add, who may see, what the browser gets."""

import hashlib
import importlib

import pytest
from django.contrib.messages import get_messages
from django.urls import URLResolver, clear_url_caches, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern

from tests.visits import files as F
from tests.visits.conftest import NOW
from visits.models import Evidence
from visits.services.booking import visit_book
from visits.services.evidence import evidence_add
from visits.services.status import visit_transition

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def visit(good_plan, home, agent):
    booked = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    return visit_transition(visit=booked, to="in_progress", by=agent, now=NOW)


@pytest.fixture
def photo(visit, agent):
    content = F.jpeg(
        taken="2026:12:02 10:15:30", gps=(((25, 2, 34.8), "N"), ((102, 42, 14.4), "E"))
    )
    return evidence_add(visit=visit, upload=F.upload(content, "门口.jpg"), by=agent, now=NOW)


@pytest.fixture
def recording(visit, agent):
    return evidence_add(visit=visit, upload=F.upload(F.wav(), "talk.wav"), by=agent, now=NOW)


def add_url(visit):
    return reverse("visits:evidence_add", args=[visit.public_id])


def file_url(evidence):
    return reverse("visits:evidence_file", args=[evidence.public_id])


def post_file(client, visit, content, name="IMG_0001.jpg", **extra):
    return client.post(add_url(visit), {"file": F.upload(content, name)}, **extra)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# Upload


def test_member_uploads_and_is_sent_back_to_the_visit(agent_client, visit):
    response = post_file(agent_client, visit, F.jpeg())
    assert response.status_code == 302
    assert response.url == reverse("visits:visit_detail", args=[visit.public_id])
    evidence = Evidence.objects.get()
    assert (evidence.visit, evidence.kind, evidence.original_name) == (
        visit,
        "photo",
        "IMG_0001.jpg",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Evidence attached."]


def test_htmx_upload_answers_with_the_partial(agent_client, visit):
    content = F.wav()
    page = post_file(agent_client, visit, content, "talk.wav", **HTMX)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="evidence"')  # the partial alone, no page around it
    evidence = Evidence.objects.get()
    assert f'data-sha256="{hashlib.sha256(content).hexdigest()}"' in html
    assert 'data-kind="audio"' in html and file_url(evidence) in html
    assert 'data-testid="evidence-upload"' in html  # still in progress: the form stays
    assert 'capture="environment"' in html and 'accept="image/jpeg,image/png,audio/*"' in html


def test_htmx_upload_of_text_named_jpg_is_a_400_with_the_reason(agent_client, visit):
    page = post_file(agent_client, visit, F.TEXT, "photo.jpg", **HTMX)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="evidence-errors"' in html
    assert "neither a JPEG or PNG photo nor a recording" in html
    assert not Evidence.objects.exists()


def test_plain_post_of_a_bad_file_comes_back_as_a_message(agent_client, visit):
    response = post_file(agent_client, visit, F.image("GIF"), "anim.gif")
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "neither a JPEG" in str(message)
    assert not Evidence.objects.exists()


def test_no_file_is_a_field_error(agent_client, visit):
    page = agent_client.post(add_url(visit), {}, **HTMX)
    assert page.status_code == 400
    assert "This field is required." in page.content.decode()


def test_duplicate_upload_is_refused(agent_client, visit, photo):
    with photo.file.open("rb") as stored:
        content = stored.read()
    page = post_file(agent_client, visit, content, "again.jpg", **HTMX)
    assert page.status_code == 400
    assert "already attached to this visit" in page.content.decode()
    assert Evidence.objects.count() == 1


def test_upload_after_submission_shows_why_without_a_form(agent_client, agent, visit):
    visit_transition(visit=visit, to="reported", by=agent, now=NOW)
    page = post_file(agent_client, visit, F.jpeg(), **HTMX)
    assert page.status_code == 400
    html = page.content.decode()
    assert "this visit is Reported" in html
    assert 'data-testid="evidence-upload"' not in html
    assert not Evidence.objects.exists()


def test_partner_and_team_supervisor_may_upload(client, visit, partner, supervisor):
    for user, color in ((partner, "red"), (supervisor, "blue")):
        client.force_login(user)
        assert post_file(client, visit, F.jpeg(color=color)).status_code == 302
    assert {e.uploaded_by for e in Evidence.objects.all()} == {partner, supervisor}


@pytest.mark.parametrize("persona", ["other_agent_client", "other_supervisor_client"])
def test_upload_out_of_scope_is_404(request, visit, persona):
    response = post_file(request.getfixturevalue(persona), visit, F.jpeg())
    assert response.status_code == 404
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("persona", ["compliance_client", "outsider_client"])
def test_upload_without_the_role_is_403(request, visit, persona):
    assert post_file(request.getfixturevalue(persona), visit, F.jpeg()).status_code == 403
    assert not Evidence.objects.exists()


def test_upload_anonymous_goes_to_login(client, visit):
    response = post_file(client, visit, F.jpeg())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_upload_is_post_only(agent_client, visit):
    assert agent_client.get(add_url(visit)).status_code == 405


def test_upload_to_a_missing_visit_is_404(agent_client, visit):
    url = reverse("visits:evidence_add", args=["00000000-0000-0000-0000-000000000000"])
    assert agent_client.post(url, {"file": F.upload(F.jpeg())}).status_code == 404


# The file


def test_photo_is_served_inline_with_nosniff(agent_client, photo):
    response = agent_client.get(file_url(photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert hashlib.sha256(body(response)).hexdigest() == photo.sha256


def test_recording_is_an_attachment(agent_client, recording):
    response = agent_client.get(file_url(recording))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'attachment; filename="talk.wav"'
    assert body(response) == F.wav()


@pytest.mark.parametrize("persona", ["supervisor_client", "compliance_client", "admin_client_"])
def test_file_in_scope(request, photo, persona):
    response = request.getfixturevalue(persona).get(file_url(photo))
    assert response.status_code == 200
    assert hashlib.sha256(body(response)).hexdigest() == photo.sha256


@pytest.mark.parametrize("persona", ["other_agent_client", "other_supervisor_client"])
def test_file_out_of_scope_is_404(request, photo, persona):
    assert request.getfixturevalue(persona).get(file_url(photo)).status_code == 404


def test_file_without_a_role_is_403(outsider_client, photo):
    assert outsider_client.get(file_url(photo)).status_code == 403


def test_file_anonymous_goes_to_login(client, photo):
    response = client.get(file_url(photo))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_file_is_get_only(agent_client, photo):
    assert agent_client.post(file_url(photo)).status_code == 405


def test_missing_evidence_is_404(agent_client, visit):
    url = reverse("visits:evidence_file", args=["00000000-0000-0000-0000-000000000000"])
    assert agent_client.get(url).status_code == 404


def test_purged_file_is_404(agent_client, photo):
    photo.file.storage.delete(photo.file.name)
    assert agent_client.get(file_url(photo)).status_code == 404


def test_partial_lists_photo_with_exif_for_the_viewer(supervisor_client, visit, photo):
    """A supervisor sees the list, the EXIF facts, and may still add while it is in progress."""
    page = supervisor_client.post(add_url(visit), {}, **HTMX)  # the partial, with an error
    html = page.content.decode()
    assert 'data-kind="photo"' in html and f'src="{file_url(photo)}"' in html
    assert photo.sha256[:12] in html
    assert "2026-12-02 10:15" in html  # EXIF time in the viewer's zone (Shanghai)
    assert "25.043000, 102.704000" in html


def test_media_url_serves_nothing_even_in_debug(settings, photo):
    """Evidence never leaves through MEDIA_URL: no such route, in debug either."""
    settings.DEBUG = True
    module = importlib.reload(importlib.import_module("collections_app.urls"))
    try:
        resolver = URLResolver(RegexPattern(r"^/"), module.urlpatterns)
        with pytest.raises(Resolver404):
            resolver.resolve(f"/{settings.MEDIA_URL}{photo.file.name}")
    finally:
        settings.DEBUG = False
        importlib.reload(module)
        clear_url_caches()
