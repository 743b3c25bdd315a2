"""The credentials CSV import: every row checked, all or nothing, re-upload skips, command."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from collections_app.models import StaffProfile
from compliance.models import AuditEvent, Credential
from compliance.services.audit import audit_verify
from compliance.services.credentials import CSV_COLUMNS, credential_import
from tests import factories as f
from tests.visits.conftest import NOW

HEADER = ",".join(CSV_COLUMNS)


def csv_of(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join((HEADER, *lines)) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def run(content: bytes, officer, **kwargs):
    return credential_import(content=content, by=officer, now=NOW, **kwargs)


def problems(result) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in result.errors]


@pytest.fixture
def staff(agent, other_agent, case):
    """Employee numbers of two collectors of different teams, and the agent's case."""
    return {
        "agent": agent.staff_profile.employee_number,
        "other": other_agent.staff_profile.employee_number,
        "case": str(case.public_id),
    }


def good_lines(staff) -> list[str]:
    return [
        f"{staff['agent']},work_id,,WID-1,2026-01-01,2027-06-30,",
        f"{staff['agent']},authorization,,AUTH-1,2026-01-01,2027-01-31,",
        f"{staff['agent']},authorization,,AUTH-2,2026-01-01,2027-01-31,{staff['case']}",
        f"{staff['agent']},training,,TR-1,2026-01-01,2027-03-01,",
        f"{staff['other']},certification,IIBF,C-9,2026-01-01,2026-12-31,",
    ]


class TestCleanFile:
    def test_adds_every_row_with_one_audit_event_each(self, staff, compliance_officer):
        result = run(csv_of(*good_lines(staff)), compliance_officer)
        assert result.ok and (result.rows, result.added, result.skipped) == (5, 5, 0)
        assert result.summary() == "5 credentials added, 0 already present."
        assert Credential.objects.count() == 5
        events = AuditEvent.objects.filter(action="credential.created")
        assert events.count() == 5
        assert set(events.values_list("object_id", flat=True)) == {
            str(p) for p in Credential.objects.values_list("public_id", flat=True)
        }
        assert all(e.data["source"] == "csv" for e in events)
        assert audit_verify().ok
        letter = Credential.objects.get(number="AUTH-2")
        assert letter.case.public_id.hex == staff["case"].replace("-", "")

    def test_with_a_bom_and_blank_lines_and_spaces(self, staff, compliance_officer):
        lines = [good_lines(staff)[0], "", " , ,,,,, ", good_lines(staff)[3].replace(",", " , ")]
        result = run(csv_of(*lines, bom=True), compliance_officer)
        assert result.ok and result.added == 2
        assert Credential.objects.filter(kind="training", number="TR-1").exists()

    def test_reupload_skips_what_is_already_there(self, staff, compliance_officer):
        run(csv_of(*good_lines(staff)), compliance_officer)
        extra = f"{staff['agent']},certification,IIBF,C-1,2026-01-01,2026-12-31,"
        result = run(csv_of(*good_lines(staff), extra), compliance_officer)
        assert result.ok and (result.added, result.skipped) == (1, 5)
        assert result.summary() == "1 credential added, 5 already present."
        assert Credential.objects.count() == 6
        assert AuditEvent.objects.filter(action="credential.created").count() == 6

    def test_dry_run_checks_and_adds_nothing(self, staff, compliance_officer):
        result = run(csv_of(*good_lines(staff)), compliance_officer, dry_run=True)
        assert result.ok and result.added == 5
        assert result.summary() == "Check only: 5 credentials would be added, 0 already present."
        assert not Credential.objects.exists() and not AuditEvent.objects.exists()

    def test_query_count_does_not_grow_with_lookups(
        self, staff, compliance_officer, django_assert_max_num_queries
    ):
        """Lookups are four queries whatever the rows; writing costs the audit events."""
        lines = [f"{staff['agent']},work_id,,WID-{n},2026-01-01,2027-06-30," for n in range(40)]
        with django_assert_max_num_queries(10):
            assert run(csv_of(*lines), compliance_officer, dry_run=True).added == 40


class TestBadRows:
    """Each kind of row error, named by line (header = 1) and column; nothing is added."""

    @pytest.mark.parametrize(
        ("line", "column", "reason"),
        [
            ("E99999,work_id,,,2026-01-01,2027-01-01,", "employee_number", "No staff member"),
            (",work_id,,,2026-01-01,2027-01-01,", "employee_number", "Required"),
            ("{agent},badge,,,2026-01-01,2027-01-01,", "kind", "Unknown kind"),
            ("{agent},work_id,,,2026-02-30,2027-01-01,", "valid_from", "Not a date"),
            ("{agent},work_id,,,01/02/2026,2027-01-01,", "valid_from", "Not a date"),
            ("{agent},work_id,,,2026-01-01,,", "valid_until", "Required"),
            ("{agent},work_id,,,2026-01-01,2025-12-31,", "valid_until", "before its start"),
            ("{agent},certification,,,2026-01-01,2027-01-01,", "code", "needs its code"),
            ("{agent},work_id,,{long},2026-01-01,2027-01-01,", "number", "At most 64"),
            ("{agent},authorization,,,2026-01-01,2027-01-01,not-a-uuid", "case_public_id",
             "No case"),
            ("{agent},authorization,,,2026-01-01,2027-01-01,{missing}", "case_public_id",
             "No case"),
            ("{agent},authorization,,,2026-01-01,2027-01-01,{other_case}", "case_public_id",
             "not one of the collector's team"),
            ("{agent},training,,,2026-01-01,2027-01-01,{case}", "case_public_id",
             "Only an authorization letter"),
            ("{supervisor},work_id,,,2026-01-01,2027-01-01,", "employee_number",
             "collector role"),
        ],
    )  # fmt: skip
    def test_error_in_the_middle_adds_nothing(
        self, staff, compliance_officer, supervisor, other_case, line, column, reason
    ):
        bad = line.format(
            agent=staff["agent"],
            supervisor=supervisor.staff_profile.employee_number,
            case=staff["case"],
            other_case=other_case.public_id,
            missing="0f0e0d0c-0b0a-4908-8706-050403020100",
            long="x" * 65,
        )
        lines = good_lines(staff)
        result = run(csv_of(*lines[:2], bad, *lines[2:]), compliance_officer)
        assert problems(result) == [(4, column)]
        assert reason in result.errors[0].reason
        assert result.errors[0].value == dict(zip(CSV_COLUMNS, bad.split(","), strict=True))[column]
        assert result.added == 0 and result.rows == 6
        assert result.summary() == "1 error: nothing was added."
        assert not Credential.objects.exists() and not AuditEvent.objects.exists()

    def test_every_row_is_checked_and_every_error_reported(self, staff, compliance_officer):
        lines = [
            f"{staff['agent']},badge,,,2026-13-01,2026-01-01,",  # kind and valid_from
            good_lines(staff)[0],
            "E99999,certification,,,2026-01-01,2025-01-01,",  # employee, code, until<from
            "only,three,columns",
        ]
        result = run(csv_of(*lines), compliance_officer)
        assert problems(result) == [
            (2, "kind"),
            (2, "valid_from"),
            (4, "employee_number"),
            (4, "code"),
            (4, "valid_until"),
            (5, ""),
        ]
        assert "3 columns" in result.errors[-1].reason
        assert not Credential.objects.exists()

    def test_the_same_row_twice_in_a_file(self, staff, compliance_officer):
        line = good_lines(staff)[0]
        result = run(csv_of(line, good_lines(staff)[1], line), compliance_officer)
        assert problems(result) == [(4, "")]
        assert result.errors[0].reason == "Same credential as line 2."
        assert not Credential.objects.exists()

    def test_identical_to_a_revoked_credential(self, staff, agent, compliance_officer):
        f.make_credential(
            collector=agent,
            kind="work_id",
            number="WID-1",
            valid_from=f.date(2026, 1, 1),
            valid_until=f.date(2027, 6, 30),
            revoked=True,
        )
        result = run(csv_of(good_lines(staff)[0]), compliance_officer)
        assert problems(result) == [(2, "")]
        assert "revoked" in result.errors[0].reason
        assert Credential.objects.count() == 1

    def test_line_numbers_follow_the_file_with_quoted_newlines(self, staff, compliance_officer):
        quoted = f'{staff["agent"]},work_id,,"WID\n2",2026-01-01,2027-06-30,'
        result = run(csv_of(quoted, "E99999,work_id,,,2026-01-01,2027-01-01,"), compliance_officer)
        assert problems(result) == [(4, "employee_number")]


class TestUnreadableFiles:
    @pytest.mark.parametrize(
        ("content", "row", "reason"),
        [
            (b"", 0, "The file is empty."),
            (b"\xef\xbb\xbf  \r\n", 0, "The file is empty."),
            (HEADER.encode() + b"\r\n", 0, "The file has no credential rows."),
            (b"employee,kind\r\nE1,work_id\r\n", 1, "The first line must be exactly"),
            (HEADER.replace("code,", "").encode() + b"\r\n", 1, "The first line must be"),
            ("工号,类型".encode("gb18030") + b"\r\n", 0, "not UTF-8"),
        ],
        ids=["empty", "bom-only", "header-only", "wrong-header", "missing-column", "gbk"],
    )
    def test_one_error_and_nothing_added(self, compliance_officer, content, row, reason):
        result = run(content, compliance_officer)
        assert len(result.errors) == 1
        assert result.errors[0].row == row
        assert reason in result.errors[0].reason
        assert not Credential.objects.exists()

    def test_header_is_case_and_space_insensitive(self, staff, compliance_officer):
        header = " " + HEADER.upper().replace(",", " , ")
        content = (header + "\n" + good_lines(staff)[0] + "\n").encode()
        assert run(content, compliance_officer).added == 1


def test_the_documented_sample_imports_cleanly(team, compliance_officer):
    """docs/samples/credentials.csv, with the demo's collectors' employee numbers."""
    content = (Path(settings.BASE_DIR) / "docs" / "samples" / "credentials.csv").read_bytes()
    lines = content.decode().splitlines()
    assert lines[0] == HEADER
    for number in sorted({line.split(",")[0] for line in lines[1:]}):
        collector = f.make_user(role="collector", team=team)
        StaffProfile.objects.filter(user=collector).update(employee_number=number)
    result = run(content, compliance_officer)
    assert result.ok, result.errors
    assert result.added == len(lines) - 1


class TestCommand:
    def test_imports_and_prints_one_line(self, staff, tmp_path, capsys, compliance_officer):
        path = tmp_path / "credentials.csv"
        path.write_bytes(csv_of(*good_lines(staff), bom=True))
        call_command("import_credentials", str(path), "--by", compliance_officer.username)
        assert capsys.readouterr().out.strip() == "5 credentials added, 0 already present."
        event = AuditEvent.objects.filter(action="credential.created").first()
        assert event.actor_id == compliance_officer.pk

    def test_without_by_the_system_is_the_actor(self, staff, tmp_path, capsys):
        path = tmp_path / "credentials.csv"
        path.write_bytes(csv_of(good_lines(staff)[0]))
        call_command("import_credentials", str(path))
        assert AuditEvent.objects.get().actor_label == "system"

    def test_dry_run_adds_nothing(self, staff, tmp_path, capsys):
        path = tmp_path / "credentials.csv"
        path.write_bytes(csv_of(*good_lines(staff)))
        call_command("import_credentials", str(path), "--dry-run")
        assert "would be added" in capsys.readouterr().out
        assert not Credential.objects.exists()

    def test_errors_exit_non_zero_with_one_line(self, staff, tmp_path):
        path = tmp_path / "credentials.csv"
        path.write_bytes(csv_of(good_lines(staff)[0], "E99999,badge,,,x,2027-01-01,"))
        with pytest.raises(CommandError) as raised:
            call_command("import_credentials", str(path))
        message = str(raised.value)
        assert "\n" not in message
        assert message.startswith("3 errors: nothing was added.")
        assert "line 3 employee_number" in message
        assert not Credential.objects.exists()

    def test_unknown_file_or_actor(self, tmp_path, compliance_officer):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_credentials", str(tmp_path / "missing.csv"))
        path = tmp_path / "credentials.csv"
        path.write_bytes(csv_of())
        with pytest.raises(CommandError, match="No user"):
            call_command("import_credentials", str(path), "--by", "nobody")
