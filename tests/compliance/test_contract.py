"""The dry-run contract of DESIGN.md §6.2 at its two doors: `manage.py compliance_check FILE|-`
and `POST /api/v1/compliance/check/`. Same JSON in, same verdict JSON out; malformed input is
exit code 2 with one line naming the field (CLI) or 400 {"field", "error"} (API), never a
traceback. A valid input exits 0 whatever the decision.
"""

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).parent / "scenarios"
URL = "/api/v1/compliance/check/"


def scenario(name: str) -> dict:
    """The request of scenarios/NNN-<name>.json."""
    (path,) = SCENARIOS.glob(f"[0-9][0-9][0-9]-{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))["request"]


ALLOWED = "cn-pre-baseline"
BLOCKED = "cn-pre-starts-2200"
POST = "cn-post-baseline"
EVIDENCE = "cn-post-evidence-matches"  # a photo with EXIF time and GPS, and a recording


def run_cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, error text) of the command run in-process.

    The command signals malformed input with CommandError(returncode=2); a bare SystemExit
    with the message on stderr is accepted too.
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("compliance_check", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error) or err.getvalue()
    except SystemExit as error:
        return error.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def run_cli_on(request, tmp_path: Path, *options: str) -> tuple[int, str, str]:
    path = tmp_path / "request.json"
    text = request if isinstance(request, str) else json.dumps(request, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return run_cli(str(path), *options)


def stdin_of(text: str):
    """A stand-in for sys.stdin with both .read() and .buffer."""
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")


def assert_one_line(message: str):
    assert message.strip(), "empty error message"
    assert "\n" not in message.strip(), message
    assert "Traceback" not in message


# ---------------------------------------------------------------- malformed inputs


def _set(path: str, value):
    def mutate(request):
        *parents, last = path.split(".")
        target = request
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str):
    def mutate(request):
        *parents, last = path.split(".")
        target = request
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return mutate


def _add_list_item(path: str, item):
    def mutate(request):
        target = request
        for key in path.split("."):
            target = target[key]
        target.append(item)

    return mutate


# (id, base scenario, mutation, the field the message must name)
MALFORMED = [
    ("unknown-pack", ALLOWED, _set("pack", "FR"), "pack"),
    ("unknown-stage", ALLOWED, _set("stage", "during"), "stage"),
    ("naive-now", ALLOWED, _set("now", "2026-12-01T09:00:00"), "now"),
    ("no-pack-in-force-then", ALLOWED, _set("now", "2019-12-01T09:00:00+08:00"), "now"),
    ("naive-visit-start", ALLOWED, _set("visit.start", "2026-12-03T10:00:00"), "visit.start"),
    ("not-a-datetime", ALLOWED, _set("visit.start", "tomorrow morning"), "visit.start"),
    ("end-before-start", ALLOWED, _set("visit.end", "2026-12-03T09:00:00+08:00"), "visit.end"),
    ("end-equals-start", ALLOWED, _set("visit.end", "2026-12-03T10:00:00+08:00"), "visit.end"),
    (
        "unknown-location-type",
        ALLOWED,
        _set("visit.location_type", "office"),
        "visit.location_type",
    ),
    ("unknown-target", ALLOWED, _set("visit.target", "neighbour"), "visit.target"),
    ("unknown-flag", ALLOWED, _set("borrower.flags", ["bankrupt"]), "borrower.flags"),
    ("unknown-consent", ALLOWED, _set("borrower.consents", ["home_visit"]), "borrower.consents"),
    (
        "unknown-visit-status",
        ALLOWED,
        _add_list_item(
            "history.visits", {"start": "2026-11-28T10:00:00+08:00", "status": "missed"}
        ),
        "history.visits",
    ),
    ("unknown-channel", ALLOWED, _set("notices.0.channel", "fax"), "notices"),
    ("unknown-timezone", ALLOWED, _set("borrower.timezone", "Asia/Beijing"), "borrower.timezone"),
    (
        "bad-date",
        ALLOWED,
        _set("debt.oldest_unpaid_due_date", "15/08/2026"),
        "debt.oldest_unpaid_due_date",
    ),
    ("wrong-type-bool", ALLOWED, _set("visit.recorder", "yes"), "visit.recorder"),
    ("wrong-type-list", ALLOWED, _set("visit.collectors", {"id": "c1"}), "visit.collectors"),
    (
        "wrong-type-int",
        ALLOWED,
        _set("borrower.failed_contact_attempts", "3"),
        "borrower.failed_contact_attempts",
    ),
    ("unknown-top-level-field", ALLOWED, _set("colour", "red"), "colour"),
    ("unknown-nested-field", ALLOWED, _set("visit.colour", "red"), "visit.colour"),
    ("missing-stage", ALLOWED, _delete("stage"), "stage"),
    ("missing-now", ALLOWED, _delete("now"), "now"),
    ("missing-visit", ALLOWED, _delete("visit"), "visit"),
    ("missing-visit-start", ALLOWED, _delete("visit.start"), "visit.start"),
    ("missing-collector-id", ALLOWED, _delete("visit.collectors.0.id"), "visit.collectors"),
    ("post-without-report", POST, _delete("report"), "report"),
    (
        "report-naive-check-in",
        POST,
        _set("report.check_in_at", "2026-12-03T10:05:00"),
        "report.check_in_at",
    ),
    (
        "evidence-not-a-list",
        EVIDENCE,
        _set("report.evidence", {"kind": "photo"}),
        "report.evidence",
    ),
    (
        "evidence-item-not-an-object",
        EVIDENCE,
        _set("report.evidence", ["photo"]),
        "report.evidence[0]",
    ),
    (
        "evidence-bad-kind",
        EVIDENCE,
        _set("report.evidence.0.kind", "video"),
        "report.evidence[0].kind",
    ),
    (
        "evidence-missing-kind",
        EVIDENCE,
        _delete("report.evidence.0.kind"),
        "report.evidence[0].kind",
    ),
    (
        "evidence-sha256-too-short",
        EVIDENCE,
        _set("report.evidence.0.sha256", "ab" * 31),
        "report.evidence[0].sha256",
    ),
    (
        "evidence-sha256-not-hex",
        EVIDENCE,
        _set("report.evidence.0.sha256", "g" * 64),
        "report.evidence[0].sha256",
    ),
    (
        "evidence-missing-sha256",
        EVIDENCE,
        _delete("report.evidence.0.sha256"),
        "report.evidence[0].sha256",
    ),
    (
        "evidence-naive-taken-at",
        EVIDENCE,
        _set("report.evidence.0.taken_at", "2026-12-03T10:10:00"),
        "report.evidence[0].taken_at",
    ),
    (
        "evidence-taken-location-out-of-range",
        EVIDENCE,
        _set("report.evidence.0.taken_location", {"lat": 91, "lng": 102.71}),
        "report.evidence[0].taken_location.lat",
    ),
    (
        "evidence-taken-location-without-lng",
        EVIDENCE,
        _set("report.evidence.0.taken_location", {"lat": 25.04}),
        "report.evidence[0].taken_location.lng",
    ),
    (
        "evidence-reused-not-bool",
        EVIDENCE,
        _set("report.evidence.0.used_on_other_visits", "yes"),
        "report.evidence[0].used_on_other_visits",
    ),
    (
        "evidence-unknown-field",
        EVIDENCE,
        _set("report.evidence.0.exif", {}),
        "report.evidence[0].exif",
    ),
]


def malformed_request(base: str, mutate) -> dict:
    request = copy.deepcopy(scenario(base))
    mutate(request)
    return request


# Raw bodies that are not a §6.2 object at all.
NOT_A_REQUEST = [
    pytest.param("{not json", id="bad-json"),
    pytest.param("", id="empty"),
    pytest.param("[1, 2, 3]", id="json-array"),
    pytest.param('"pre"', id="json-string"),
]


# ---------------------------------------------------------------- CLI


@pytest.mark.django_db
def test_cli_valid_input_prints_the_verdict_and_exits_0(tmp_path):
    code, out, _err = run_cli_on(scenario(ALLOWED), tmp_path)
    assert code == 0
    verdict = json.loads(out)
    assert set(verdict) == {
        "stage",
        "decision",
        "pack",
        "pack_version",
        "findings",
        "next_allowed_start",
    }
    assert (verdict["stage"], verdict["decision"], verdict["pack"]) == ("pre", "allow", "CN")


@pytest.mark.django_db
def test_cli_blocked_visit_still_exits_0(tmp_path):
    code, out, _err = run_cli_on(scenario(BLOCKED), tmp_path)
    assert code == 0
    verdict = json.loads(out)
    assert verdict["decision"] == "block"
    assert verdict["next_allowed_start"] is not None


@pytest.mark.django_db
def test_cli_post_flag_exits_0(tmp_path):
    code, out, _err = run_cli_on(scenario("cn-post-cash-collected"), tmp_path)
    assert code == 0
    assert json.loads(out)["decision"] == "flag"


@pytest.mark.django_db
def test_cli_reads_stdin_with_dash(tmp_path, monkeypatch):
    request = scenario(BLOCKED)
    monkeypatch.setattr(sys, "stdin", stdin_of(json.dumps(request, ensure_ascii=False)))
    code, out, _err = run_cli("-")
    assert code == 0
    from_stdin = json.loads(out)
    code, out, _err = run_cli_on(request, tmp_path)
    assert code == 0
    assert from_stdin == json.loads(out)


@pytest.mark.django_db
def test_cli_malformed_stdin_exits_2(monkeypatch):
    monkeypatch.setattr(sys, "stdin", stdin_of('{"stage": "pre", "pack": "FR"}'))
    code, out, message = run_cli("-")
    assert code == 2
    assert out == ""
    assert_one_line(message)
    assert "pack" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base", "mutate", "field"), [pytest.param(b, m, f, id=i) for i, b, m, f in MALFORMED]
)
def test_cli_malformed_input_exits_2_naming_the_field(base, mutate, field, tmp_path):
    code, out, message = run_cli_on(malformed_request(base, mutate), tmp_path)
    assert code == 2, (out, message)
    assert out == ""
    assert_one_line(message)
    assert field in message, message


@pytest.mark.django_db
@pytest.mark.parametrize("text", NOT_A_REQUEST)
def test_cli_not_a_request_exits_2(text, tmp_path):
    code, out, message = run_cli_on(text, tmp_path)
    assert code == 2
    assert out == ""
    assert_one_line(message)


@pytest.mark.django_db
def test_cli_unreadable_file_exits_2(tmp_path):
    code, out, message = run_cli(str(tmp_path / "no-such-request.json"))
    assert code == 2
    assert out == ""
    assert_one_line(message)
    code, _out, message = run_cli(str(tmp_path))  # a directory
    assert code == 2
    assert_one_line(message)


@pytest.mark.django_db
def test_cli_not_utf8_exits_2(tmp_path):
    path = tmp_path / "request.json"
    path.write_bytes(json.dumps(scenario(ALLOWED)).encode("utf-8").replace(b"Discuss", b"\xff\xfe"))
    code, _out, message = run_cli(str(path))
    assert code == 2
    assert_one_line(message)


@pytest.mark.django_db
def test_cli_language_option(tmp_path):
    request = scenario("cn-pre-several-reviews")
    code, out, _err = run_cli_on(request, tmp_path)
    assert code == 0
    english = json.loads(out)
    code, out, _err = run_cli_on(request, tmp_path, "--language", "zh-hans")
    assert code == 0
    chinese = json.loads(out)
    # Same verdict, other words.
    strip = lambda v: [(f["rule"], f["outcome"], f["severity"]) for f in v["findings"]]  # noqa: E731
    assert strip(english) == strip(chinese)
    assert english["decision"] == chinese["decision"]
    assert [f["message"] for f in english["findings"]] != [
        f["message"] for f in chinese["findings"]
    ]


def _subprocess_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="collections_app.settings_test", PYTHONPATH=str(ROOT), **extra
    )
    return env


def _manage(*args: str, input_text: str = "", env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        input=input_text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
    )


def test_cli_subprocess_malformed_input():
    """The real process: exit code 2, one line on stderr naming the field, no traceback."""
    request = malformed_request(ALLOWED, _set("visit.end", "2026-12-03T09:00:00+08:00"))
    done = _manage("compliance_check", "-", input_text=json.dumps(request), env=_subprocess_env())
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "visit.end" in lines[0]
    assert "must be after start" in lines[0]


def test_cli_subprocess_valid_input(tmp_path):
    """The real process against a freshly migrated database (the packs load on migrate)."""
    env = _subprocess_env(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    migrated = _manage("migrate", "--no-input", "-v", "0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    done = _manage("compliance_check", "-", input_text=json.dumps(scenario(BLOCKED)), env=env)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["decision"] == "block"
    assert verdict["pack_version"] == "CN-2026.3"
    assert [f["rule"] for f in verdict["findings"] if f["outcome"] == "fail"] == ["VISIT_WINDOW"]


# ---------------------------------------------------------------- API


def post_json(client: Client, body, language: str = "en"):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(
        URL, data=data, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stem", [ALLOWED, BLOCKED, POST, "cn-post-cash-collected", "in-pre-gandhi-jayanti"]
)
@pytest.mark.parametrize("client_fixture", ["compliance_client", "agent_client"])
def test_api_returns_the_same_json_as_the_cli(stem, client_fixture, request, tmp_path):
    client = request.getfixturevalue(client_fixture)
    body = scenario(stem)
    response = post_json(client, body)
    assert response.status_code == 200, response.content
    code, out, _err = run_cli_on(body, tmp_path)
    assert code == 0
    assert response.json() == json.loads(out)


@pytest.mark.django_db
def test_api_anonymous_is_refused():
    response = post_json(Client(), scenario(ALLOWED))
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_api_get_is_not_allowed(compliance_client):
    assert compliance_client.get(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base", "mutate", "field"), [pytest.param(b, m, f, id=i) for i, b, m, f in MALFORMED]
)
def test_api_malformed_input_is_400_naming_the_field(base, mutate, field, compliance_client):
    response = post_json(compliance_client, malformed_request(base, mutate))
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"field", "error"}
    assert body["field"].startswith(field), body
    assert isinstance(body["error"], str) and body["error"].strip()
    assert "Traceback" not in body["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", NOT_A_REQUEST)
def test_api_not_a_request_is_400(text, compliance_client):
    response = post_json(compliance_client, text)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"field", "error"}
    assert body["error"].strip()


@pytest.mark.django_db
def test_api_field_of_each_cli_error_is_the_same(compliance_client, tmp_path):
    """Both doors name the same field for the same malformed input."""
    request = malformed_request(ALLOWED, _set("visit.end", "2026-12-03T09:00:00+08:00"))
    body = post_json(compliance_client, request).json()
    code, _out, message = run_cli_on(request, tmp_path)
    assert code == 2
    assert body["field"] == "visit.end"
    assert f"{body['field']}: {body['error']}" in message


@pytest.mark.django_db
def test_api_chinese_messages(compliance_client, tmp_path):
    body = scenario("cn-pre-several-reviews")
    english = post_json(compliance_client, body, "en").json()
    chinese = post_json(compliance_client, body, "zh-hans").json()
    assert english["decision"] == chinese["decision"] == "review"
    assert [f["rule"] for f in english["findings"]] == [f["rule"] for f in chinese["findings"]]
    english_messages = [f["message"] for f in english["findings"]]
    chinese_messages = [f["message"] for f in chinese["findings"]]
    assert english_messages != chinese_messages
    failed = [f["message"] for f in chinese["findings"] if f["outcome"] == "fail"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in failed), failed
    # And the API in Chinese is the CLI in Chinese.
    code, out, _err = run_cli_on(body, tmp_path, "--language", "zh-hans")
    assert code == 0
    assert json.loads(out) == chinese


@pytest.mark.django_db
def test_api_does_not_store_a_check(compliance_client):
    """§6.2: the dry run reads the rule pack and nothing else; it persists nothing."""
    from compliance.models import ComplianceCheck

    before = ComplianceCheck.objects.count()
    assert post_json(compliance_client, scenario(BLOCKED)).status_code == 200
    assert ComplianceCheck.objects.count() == before


# ---------------------------------------------------------------- report.evidence


def test_evidence_is_parsed_into_facts():
    from compliance.contract import parse_request
    from compliance.rules.facts import GeoPoint

    request = scenario(EVIDENCE)
    request["report"]["evidence"][0]["sha256"] = request["report"]["evidence"][0]["sha256"].upper()
    _stage, _pack, facts = parse_request(request)
    photo, audio = facts.report.evidence
    assert (photo.kind, audio.kind) == ("photo", "audio")
    assert photo.sha256 == scenario(EVIDENCE)["report"]["evidence"][0]["sha256"]  # lower case
    assert photo.taken_at.isoformat() == "2026-12-03T10:20:00+08:00"
    assert photo.taken_location == GeoPoint(25.04, 102.71)
    assert (audio.taken_at, audio.taken_location) == (None, None)
    assert (photo.used_on_other_visits, audio.used_on_other_visits) == (False, False)


def test_evidence_is_optional_and_its_optional_fields_default():
    from compliance.contract import parse_request

    _stage, _pack, facts = parse_request(scenario(POST))
    assert facts.report.evidence == ()
    request = scenario(EVIDENCE)
    request["report"]["evidence"] = [{"kind": "audio", "sha256": "0" * 64}]
    _stage, _pack, facts = parse_request(request)
    (item,) = facts.report.evidence
    assert (item.taken_at, item.taken_location, item.used_on_other_visits) == (None, None, False)


@pytest.mark.parametrize(
    "stem", [EVIDENCE, "cn-post-photo-reused", "us-post-photo-far-and-reused", POST]
)
def test_evidence_round_trips_through_the_stored_snapshot(stem):
    from compliance.contract import parse_request, request_json

    stage, pack, facts = parse_request(scenario(stem))
    snapshot = json.loads(json.dumps(request_json(stage, pack, facts)))
    sent = scenario(stem)["report"].get("evidence", [])
    for item in sent:  # a stored point always carries its (here unknown) accuracy
        if item["taken_location"]:
            item["taken_location"]["accuracy_m"] = None
    assert snapshot["report"]["evidence"] == sent
    assert parse_request(snapshot) == (stage, pack, facts)


@pytest.mark.django_db
def test_cli_reports_the_evidence_findings(tmp_path):
    code, out, _err = run_cli_on(scenario("us-post-photo-far-and-reused"), tmp_path)
    assert code == 0
    verdict = json.loads(out)
    findings = {f["rule"]: f for f in verdict["findings"]}
    assert verdict["decision"] == "flag"
    metadata, reused = findings["EVIDENCE_METADATA"], findings["EVIDENCE_REUSED"]
    assert (metadata["outcome"], metadata["severity"]) == ("fail", "review")
    assert "83034c8307bd was taken 3000 m from the check-in location" in metadata["message"]
    assert metadata["citation"].startswith("Bank policy: evidence must match the visit")
    assert reused["message"] == (
        "Evidence files also uploaded for another visit: 1 of 1 (83034c8307bd)."
    )
