"""`manage.py allocate_cases [--team NAME] [--dry-run]`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from collections_app.models import Case, CaseAssignment

from .allocation_helpers import collector, unassigned_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args) -> str:
    out = StringIO()
    call_command("allocate_cases", *args, stdout=out)
    return out.getvalue()


def test_allocates_one_team_and_prints_a_summary(team, other_team):
    worker = collector(team, district="五华区")
    unassigned_case(team)
    untouched = unassigned_case(other_team)

    assert run("--team", "五华一组") == "1 case allocated in 五华一组.\n"

    assert Case.objects.get(assigned_collector=worker)
    untouched.refresh_from_db()
    assert untouched.assigned_collector is None
    record = CaseAssignment.objects.get()
    assert record.assigned_by is None and record.reason.startswith("same district (五华区)")


def test_dry_run_and_every_team(team, other_team):
    collector(team, district="五华区")
    unassigned_case(team)
    unassigned_case(other_team)

    out = run("--dry-run")

    assert out.splitlines() == [
        "Dry run: 1 case allocated in 五华一组 (nothing saved).",
        "Dry run: 0 cases allocated in 盘龙二组 (nothing saved); "
        "1 left unassigned: no collectors in the team.",
    ]
    assert not CaseAssignment.objects.exists()


def test_unknown_team_is_one_readable_line(team):
    with pytest.raises(CommandError, match=r"^No team named '没有这个组'\.$"):
        run("--team", "没有这个组")


def test_unknown_team_exits_non_zero_from_the_shell(team, capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "allocate_cases", "--team", "nope"])
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == "CommandError: No team named 'nope'."
