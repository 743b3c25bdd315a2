"""`manage.py import_core`: exit codes, the one-line summary and the error report."""

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from collections_app.models import Borrower, Loan

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "core"


def test_success_prints_the_summary_and_the_refresh(capsys):
    call_command("import_core", "borrowers", str(SAMPLES / "borrowers.csv"))
    call_command("import_core", "loans", str(SAMPLES / "loans.csv"))
    call_command("import_core", "installments", str(SAMPLES / "installments.csv"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("borrowers: 3 row(s) valid; 3 inserted, 0 updated, 0 unchanged")
    assert out[1].startswith("loans: 3 row(s) valid; 3 inserted")
    assert out[3].startswith("installments: 5 row(s) valid; 5 inserted")
    # Derived from the schedules just imported (a loan without one has nothing to derive).
    assert out[4].startswith("ledger refresh: 3 loan(s), ")
    assert Loan.objects.count() == 3


def test_gbk_option(capsys):
    call_command("import_core", "borrowers", str(SAMPLES / "borrowers_gbk.csv"), encoding="gbk")
    assert Borrower.objects.filter(name="王芳").exists()


def test_dry_run_writes_nothing(capsys):
    call_command("import_core", "borrowers", str(SAMPLES / "borrowers.csv"), dry_run=True)
    assert "3 inserted" in capsys.readouterr().out
    assert not Borrower.objects.exists()


def test_errors_exit_1_with_a_report_next_to_the_file(tmp_path, capsys):
    path = tmp_path / "loans.csv"
    path.write_text((SAMPLES / "loans.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_core", "loans", str(path))
    assert exit_.value.code == 1
    report = tmp_path / "loans.errors.csv"
    assert f"loans: 3 error(s) in 3 row(s); nothing imported; error report: {report}" in (
        capsys.readouterr().err
    )
    with open(report, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1] == ["2", "customer_number", "C90000001", "no borrower with this customer_number"]
    assert len(rows) == 4 and not Loan.objects.exists()


def test_errors_option_chooses_the_report_path(tmp_path):
    target = tmp_path / "out" / "report.csv"
    target.parent.mkdir()
    with pytest.raises(SystemExit):
        call_command("import_core", "loans", str(SAMPLES / "loans.csv"), errors=str(target))
    assert target.exists()


def test_missing_file_and_unknown_encoding(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_core", "loans", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="Unknown encoding"):
        call_command("import_core", "loans", str(SAMPLES / "loans.csv"), encoding="klingon")
