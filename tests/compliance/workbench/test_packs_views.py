# ruff: noqa: F811  (the scenario fixtures are imported from test_packs_services)
"""Rule-pack pages per persona: list, detail, new draft, edit, diff, replay, publish.

Compliance (and admin) can; supervisors and collectors get 403; anonymous users go to the
login page; a missing version or a non-draft where a draft is needed is 404; POST-only views
answer GET with 405; bad input is 400 with the error next to its field and nothing saved.

The views read the clock: `clock` holds it at the scenario's NOW (ticking a microsecond per
read so that saves still move `updated_at`).
"""

import itertools
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from compliance.forms.packs import PackEditForm
from compliance.models import AuditEvent, Flag, RulePack
from compliance.services.pack_versions import pack_draft_create
from tests.compliance.workbench.conftest import NOW
from tests.compliance.workbench.test_packs_services import (  # noqa: F401
    WINDOW_END,
    booked,
    crew,
    draft,
    early_close,
    good_plan,
    home,
    in_force,
    partner,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(microseconds=next(ticks)))


def url(name: str, version: str | None = None) -> str:
    return reverse(f"compliance:{name}", args=[version] if version else [])


def edit_data(document: dict, **changes) -> dict:
    """The edit form's POST as the browser sends it untouched, with `changes` by field name."""
    form = PackEditForm(document)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list):  # checkboxes: the browser sends them in choice order
            data[name] = [choice for choice, _label in field.choices if choice in value]
        elif getattr(field.widget, "input_type", "") == "checkbox":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- list and detail ---------------------------------------------------------------------


def test_list_shows_the_version_in_force_and_drafts(compliance_client, draft):
    response = compliance_client.get(url("pack_list"))
    assertContains(response, 'data-testid="jurisdiction-CN"')
    assertContains(response, url("pack_detail", in_force().version))
    assertContains(response, url("pack_detail", draft.version))
    assert response.context["groups"][0].drafts == [draft]


@pytest.mark.parametrize("name", ["pack_list", "pack_detail", "pack_draft_create", "pack_diff"])
@pytest.mark.parametrize("persona", ["supervisor", "agent"])
def test_other_roles_are_refused(client, request, name, persona, draft):
    client.force_login(request.getfixturevalue(persona))
    version = None if name == "pack_list" else draft.version
    assert client.get(url(name, version)).status_code == 403


@pytest.mark.parametrize("name", ["pack_edit", "pack_replay"])
@pytest.mark.parametrize("persona", ["supervisor", "agent", "outsider"])
def test_other_roles_cannot_edit_or_replay(client, request, name, persona, draft):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(name, draft.version)).status_code == 403
    assert client.post(url(name, draft.version), {}).status_code in (403, 405)
    draft.refresh_from_db()
    assert draft.parameters["rules"] == in_force().parameters["rules"]


def test_anonymous_goes_to_the_login_page(client, draft):
    for target in (url("pack_list"), url("pack_detail", draft.version)):
        assertRedirects(
            client.get(target), f"{reverse('login')}?next={target}", fetch_redirect_response=False
        )
    response = client.post(
        url("pack_publish", draft.version), {"effective_from": "2026-12-05T00:00"}
    )
    assert response.status_code == 302 and reverse("login") in response["Location"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_detail_shows_every_rule_parameter_and_section(compliance_client):
    pack = in_force()
    response = compliance_client.get(url("pack_detail", pack.version))
    for code in pack.parameters["rules"]:
        assertContains(response, f'data-testid="rule-{code}"')
    assertContains(response, 'data-testid="param-VISIT_WINDOW-end"')
    assertContains(response, "<strong>22:00</strong>")
    assertContains(response, "CN-1")  # a source
    assertContains(response, 'data-testid="rules-post"')
    assertContains(
        response, 'data-testid="section-complaints"'
    )  # a section the page knows nothing of
    assertContains(response, "params.respond_within_days.value")
    assertNotContains(response, 'data-testid="publish"')  # published: nothing to publish


def test_detail_shows_unknown_sections_of_a_draft_generically(compliance_client, draft):
    draft.parameters["escalation"] = {"desk": {"phone": "0871-1234"}}
    draft.save()
    response = compliance_client.get(url("pack_detail", draft.version))
    assertContains(response, 'data-testid="section-escalation"')
    assertContains(response, "desk.phone")
    assertContains(response, 'data-testid="publish"')


def test_admin_can_read(admin_client_):
    assert admin_client_.get(url("pack_list")).status_code == 200


def test_missing_version_is_404(compliance_client):
    for name in ("pack_detail", "pack_draft_create", "pack_edit", "pack_diff", "pack_replay"):
        assert compliance_client.get(url(name, "CN-1999.9")).status_code == 404
    assert compliance_client.post(url("pack_publish", "CN-1999.9")).status_code == 404


# --- new draft ---------------------------------------------------------------------------


def test_officer_creates_a_draft_and_lands_on_its_editor(compliance_client):
    source = in_force()
    page = compliance_client.get(url("pack_draft_create", source.version))
    assertContains(page, f"{source.version}.1")  # the suggestion
    response = compliance_client.post(
        url("pack_draft_create", source.version),
        {"version": "", "notes": "Evening visits end at 20:00."},
    )
    draft = RulePack.objects.get(status="draft")
    assertRedirects(response, url("pack_edit", draft.version))
    assert (draft.version, draft.notes) == (f"{source.version}.1", "Evening visits end at 20:00.")


def test_a_bad_draft_name_is_400_and_nothing_is_made(compliance_client):
    source = in_force()
    response = compliance_client.post(
        url("pack_draft_create", source.version), {"version": "CN bank"}
    )
    assertContains(response, "letters, digits", status_code=400)
    assert not RulePack.objects.filter(status="draft").exists()


def test_a_draft_of_a_draft_is_refused(compliance_client, draft):
    response = compliance_client.post(url("pack_draft_create", draft.version), {"version": ""})
    assertContains(response, "published version", status_code=400)
    assert RulePack.objects.filter(status="draft").count() == 1


# --- edit --------------------------------------------------------------------------------


def test_editor_saves_typed_fields_and_shows_the_diff(compliance_client, draft):
    data = edit_data(
        draft.parameters,
        **{
            WINDOW_END: "20:00",
            "rules.ADVANCE_NOTICE.params.hours.value": "48",
            "rules.SENSITIVE_DATE.severity": "block",
            "rules.PROHIBITED_CONDUCT.params.terms_en.value": "threat, police\nshame",
            "rules.LOCATION_ALLOWED.params.locations.value.hospital.consent": "hospital_visit",
            "notes": "Tighter evenings.",
        },
    )
    data.pop("rules.RECORDER_REQUIRED.applies")  # unticked
    response = compliance_client.post(url("pack_edit", draft.version), data)
    assertRedirects(response, url("pack_diff", draft.version))
    draft.refresh_from_db()
    rules = draft.parameters["rules"]
    assert rules["VISIT_WINDOW"]["params"]["end"]["value"] == "20:00"
    assert rules["ADVANCE_NOTICE"]["params"]["hours"]["value"] == 48
    assert rules["SENSITIVE_DATE"]["severity"] == "block"
    assert rules["RECORDER_REQUIRED"]["applies"] is False
    assert rules["PROHIBITED_CONDUCT"]["params"]["terms_en"]["value"] == [
        "threat",
        "police",
        "shame",
    ]
    assert rules["LOCATION_ALLOWED"]["params"]["locations"]["value"]["hospital"] == {
        "severity": "block",
        "consent": "hospital_visit",
    }
    assert draft.parameters["complaints"] == in_force().parameters["complaints"]
    assert draft.notes == "Tighter evenings."

    diff = compliance_client.get(url("pack_diff", draft.version))
    assert len(diff.context["changes"]) == 6
    assertContains(diff, WINDOW_END)
    assertContains(diff, "22:00")
    assertContains(diff, "20:00")


def test_editor_round_trips_an_untouched_document(compliance_client, draft):
    before = draft.parameters
    response = compliance_client.post(url("pack_edit", draft.version), edit_data(before))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.parameters == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (WINDOW_END, "25:99", "expected a time as HH:MM"),
        (WINDOW_END, "07:00", "rules.VISIT_WINDOW.params.end: must be after start"),
        ("rules.TEAM_SIZE.params.min.value", "-1", "whole number"),
        ("rules.TEAM_SIZE.params.min.value", "two", "Enter a whole number"),
        ("rules.TEAM_SIZE.citation", "", "a citation is required"),
        ("rules.TEAM_SIZE.severity", "fatal", "Select a valid choice"),
        ("rules.ADVANCE_NOTICE.params.hours.source", "", "a source is required"),
        ("sections", "[1, 2]", "JSON object"),
        ("sections", "{not json", "Not valid JSON"),
        ("sections", '{"complaints": {"params": {}}}', "complaints.citation: missing"),
    ],
)
def test_editor_shows_the_error_at_its_field_and_saves_nothing(
    compliance_client, draft, field, value, message
):
    before = (draft.parameters, draft.updated_at)
    response = compliance_client.post(
        url("pack_edit", draft.version), edit_data(draft.parameters, **{field: value})
    )
    assertContains(response, message, status_code=400)
    assertContains(response, 'data-testid="pack-errors"', status_code=400)
    assert message in " ".join(response.context["form"].errors[field])
    draft.refresh_from_db()
    assert (draft.parameters, draft.updated_at) == before
    assert not AuditEvent.objects.filter(action="rulepack.draft_changed").exists()


def test_published_versions_have_no_editor(compliance_client):
    version = in_force().version
    assert compliance_client.get(url("pack_edit", version)).status_code == 404
    data = edit_data(in_force().parameters, **{WINDOW_END: "20:00"})
    assert compliance_client.post(url("pack_edit", version), data).status_code == 404
    assert in_force().parameters["rules"]["VISIT_WINDOW"]["params"]["end"]["value"] == "22:00"


def test_diff_of_a_version_without_source_is_404(compliance_client):
    assert compliance_client.get(url("pack_diff", in_force().version)).status_code == 404


# --- replay ------------------------------------------------------------------------------


def test_replay_page_lists_changed_visits_with_counts(compliance_client, booked, early_close):
    response = compliance_client.get(url("pack_replay", early_close.version))
    assertContains(response, '<strong data-testid="evaluated">3</strong>')
    assertContains(response, '<strong data-testid="unchanged">1</strong>')
    assertContains(response, '<strong data-testid="changed">2</strong>')
    assertContains(response, 'data-testid="replay-row"', count=2)
    assertContains(response, "allow → block: 2")
    assertContains(response, "VISIT_WINDOW</span>: warn → block", count=2)
    assertContains(response, reverse("visits:visit_detail", args=[booked["thursday"].public_id]))
    assertNotContains(response, reverse("visits:visit_detail", args=[booked["morning"].public_id]))
    assertNotContains(response, "李四")  # names masked
    assert not Flag.objects.exists()


def test_replay_is_for_drafts_only(compliance_client):
    assert compliance_client.get(url("pack_replay", in_force().version)).status_code == 404


# --- publish -----------------------------------------------------------------------------


def test_publish_from_the_draft_page(compliance_client, booked, early_close):
    response = compliance_client.post(
        url("pack_publish", early_close.version), {"effective_from": "2026-12-03T00:00"}
    )
    assertRedirects(
        response, url("pack_detail", early_close.version), fetch_redirect_response=False
    )
    early_close.refresh_from_db()
    assert early_close.status == "published"
    assert early_close.effective_from == NOW.replace(day=3, hour=0)
    assert Flag.objects.get().visit == booked["thursday"]
    page = compliance_client.get(url("pack_detail", early_close.version))
    assertContains(page, f"{early_close.version} published; 1 booked visit flagged.")
    page = compliance_client.get(url("pack_list"))
    assertContains(page, 'data-testid="upcoming"')


def test_publish_is_post_only(compliance_client, early_close):
    assert compliance_client.get(url("pack_publish", early_close.version)).status_code == 405


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-11-30T09:00", "cannot take effect in the past"), ("tomorrow", "Enter a valid date")],
)
def test_bad_effective_date_is_400_and_nothing_published(
    compliance_client, early_close, value, message
):
    response = compliance_client.post(
        url("pack_publish", early_close.version), {"effective_from": value}
    )
    assertContains(response, message, status_code=400)
    early_close.refresh_from_db()
    assert early_close.status == "draft"


@pytest.mark.parametrize("persona", ["supervisor", "agent"])
def test_other_roles_cannot_publish(client, request, persona, early_close):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        url("pack_publish", early_close.version), {"effective_from": "2026-12-05T00:00"}
    )
    assert response.status_code == 403
    early_close.refresh_from_db()
    assert early_close.status == "draft"


def test_a_published_version_cannot_be_published_again(compliance_client, compliance_officer):
    other = pack_draft_create(source=in_force(), by=compliance_officer, now=NOW)
    assert (
        compliance_client.post(
            url("pack_publish", other.version), {"effective_from": "2026-12-05T00:00"}
        ).status_code
        == 302
    )
    again = compliance_client.post(
        url("pack_publish", other.version), {"effective_from": "2026-12-06T00:00"}
    )
    assert again.status_code == 404


# --- Django admin: drafts at most ------------------------------------------------------


def test_admin_edits_drafts_but_cannot_publish_them(admin_client_, draft):
    change = reverse("admin:compliance_rulepack_change", args=[draft.pk])
    page = admin_client_.get(change)
    assert page.status_code == 200
    assert "status" not in page.context["adminform"].form.fields
    data = {
        "jurisdiction": "CN",
        "version": draft.version,
        "effective_from_0": "2026-12-05",
        "effective_from_1": "00:00:00",
        "parameters": json.dumps(draft.parameters),
        "notes": "via admin",
        "status": "published",  # not a field: ignored
    }
    assert admin_client_.post(change, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.notes) == ("draft", "via admin")
    published = in_force()
    view = admin_client_.get(reverse("admin:compliance_rulepack_change", args=[published.pk]))
    assertNotContains(view, 'name="parameters"')  # read-only for published versions
    changelist = admin_client_.get(reverse("admin:compliance_rulepack_changelist"))
    assertNotContains(changelist, "delete_selected")
