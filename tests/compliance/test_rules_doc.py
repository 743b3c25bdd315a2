"""docs/compliance-rules.md is generated from the packs and cannot drift from them."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from compliance.packs import shipped_packs as load_packs
from compliance.rules import POST_RULES, PRE_RULES
from compliance.rules_doc import DESCRIPTIONS, render_rules_doc

DOC = Path(settings.BASE_DIR) / "docs" / "compliance-rules.md"
CODES = [rule.code for rule in PRE_RULES + POST_RULES]


def test_committed_doc_matches_the_packs():
    # Fails when a pack changed without `python manage.py compliance_rules_doc`.
    assert DOC.read_text(encoding="utf-8") == render_rules_doc(load_packs())


def test_packs_are_ordered_cn_us_uk_in():
    assert [p["pack"] for p in load_packs()] == ["CN", "US", "UK", "IN"]


def test_every_rule_code_has_a_description_and_a_heading_in_engine_order():
    assert set(DESCRIPTIONS) == set(CODES)
    text = render_rules_doc(load_packs())
    positions = [text.index(f"### `{code}`") for code in CODES]
    assert positions == sorted(positions)


def test_rendering_is_deterministic_and_readable():
    packs = load_packs()
    text = render_rules_doc(packs)
    assert text == render_rules_doc(load_packs())
    assert "do not edit by hand" in text.lower()
    assert "python manage.py compliance_rules_doc" in text
    assert "| `start` | 08:00 (S) | 08:00 (P) | 08:00 (P) | 08:00 (S) |" in text
    assert "| `policy_start` | 09:00 (policy) | — (policy) |" in text  # null → —
    assert "workplace: allowed with consent `workplace_visit`, else block" in text
    assert "| applies | yes | n/a | yes | yes |" in text  # ADVANCE_NOTICE: not in the US pack
    assert "## Sources and confidence" in text
    for label in ("P", "S", "unconfirmed", "policy"):
        assert f"\n| {label} | " in text


def test_check_passes_on_the_committed_doc():
    out = StringIO()
    call_command("compliance_rules_doc", "--check", stdout=out)
    assert out.getvalue().strip() == "docs/compliance-rules.md is up to date."


def test_check_fails_when_the_file_was_altered(tmp_path):
    copy = tmp_path / "compliance-rules.md"
    shutil.copyfile(DOC, copy)
    call_command("compliance_rules_doc", "--check", "--output", str(copy), stdout=StringIO())

    copy.write_text(copy.read_text(encoding="utf-8").replace("08:00", "07:00", 1))
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("compliance_rules_doc", "--check", "--output", str(copy), stderr=err)
    assert exit_info.value.code == 1
    assert err.getvalue().strip() == (
        f"{copy} is out of date: run python manage.py compliance_rules_doc"
    )


def test_check_fails_when_the_file_is_missing(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "compliance_rules_doc",
            "--check",
            "--output",
            str(tmp_path / "missing.md"),
            stderr=StringIO(),
        )
    assert exit_info.value.code == 1


def test_write_produces_the_rendering(tmp_path):
    target = tmp_path / "docs" / "rules.md"
    out = StringIO()
    call_command("compliance_rules_doc", "--output", str(target), stdout=out)
    assert target.read_text(encoding="utf-8") == render_rules_doc(load_packs())
    assert out.getvalue().strip() == f"Wrote {target}: {len(CODES)} rules, 4 packs."
