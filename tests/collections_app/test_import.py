"""Core-banking import: every kind, every validation error class, encodings, idempotency,
atomicity and the DPD refresh afterwards (docs/import.md)."""

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collections_app.importing import core_import
from collections_app.models import Borrower, Case, Installment, Loan, Repayment
from tests import factories as f

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "core"
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BORROWER_HEAD = "customer_number,name,national_id,mobile"
LOAN_HEAD = "account_number,customer_number,product,principal,annual_rate,disbursed_on,maturity_on"


def write(tmp_path, text: str, name="file.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def run(kind, path, **kwargs):
    kwargs.setdefault("now", NOW)
    return core_import(kind=kind, path=path, **kwargs)


def import_samples(*kinds):
    return {kind: run(kind, SAMPLES / f"{kind}.csv") for kind in kinds}


ALL = ("borrowers", "loans", "installments", "repayments")


def test_every_kind_imports_its_sample():
    results = import_samples(*ALL)
    assert [(r.ok, r.inserted, r.updated) for r in results.values()] == [
        (True, 3, 0),
        (True, 3, 0),
        (True, 5, 0),
        (True, 3, 0),
    ]
    borrower = Borrower.objects.get(customer_number="C90000002")
    assert (borrower.name, borrower.gender, borrower.date_of_birth) == (
        "王芳",
        "F",
        date(1990, 11, 5),
    )
    assert borrower.public_id and borrower.jurisdiction == "CN"
    loan = Loan.objects.get(account_number="6222900000000002")
    assert (loan.borrower, loan.product, loan.annual_rate) == (
        borrower,
        "credit_card",
        Decimal("18.250"),
    )
    assert loan.bucket == "M0" and loan.currency == "CNY"
    inst = Installment.objects.get(loan=loan, number=1)
    assert (inst.fee_due, inst.amount_due) == (Decimal("10.00"), Decimal("2966.25"))
    repayment = Repayment.objects.get(reference="RP202603120002")
    assert (repayment.amount, repayment.channel, repayment.paid_on) == (
        Decimal("500.00"),
        "wechat_pay",
        date(2026, 3, 12),
    )


@pytest.mark.parametrize("kind", ALL)
def test_the_same_file_twice_changes_nothing(kind):
    import_samples(*ALL[: ALL.index(kind) + 1])
    model = {"borrowers": Borrower, "loans": Loan, "installments": Installment}.get(kind, Repayment)
    before = list(model.objects.order_by("pk").values())
    again = run(kind, SAMPLES / f"{kind}.csv")
    assert (again.ok, again.inserted, again.updated, again.changed) == (True, 0, 0, 0)
    assert again.unchanged == again.rows > 0
    assert "0 changed" in again.summary()
    assert list(model.objects.order_by("pk").values()) == before  # not even updated_at


def test_a_changed_row_is_updated_and_only_that_one(tmp_path):
    import_samples("borrowers")
    text = (SAMPLES / "borrowers.csv").read_text(encoding="utf-8").replace("王芳", "王芳芳")
    untouched = Borrower.objects.get(customer_number="C90000001").updated_at
    result = run(
        "borrowers", write(tmp_path, text), now=datetime(2026, 5, 2, tzinfo=ZoneInfo("UTC"))
    )
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert Borrower.objects.get(customer_number="C90000002").name == "王芳芳"
    assert Borrower.objects.get(customer_number="C90000001").updated_at == untouched


def test_an_update_keeps_what_the_file_does_not_carry(tmp_path):
    borrower = f.make_borrower(customer_number="C1", vulnerable=True, language="en")
    result = run("borrowers", write(tmp_path, f"{BORROWER_HEAD}\nC1,新名字,5301,13800000000\n"))
    assert result.updated == 1
    borrower.refresh_from_db()
    assert (borrower.name, borrower.vulnerable, borrower.language) == ("新名字", True, "en")


def test_utf8_with_bom(tmp_path):
    path = write(tmp_path, f"{BORROWER_HEAD}\nC1,李四,5301,138\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert run("borrowers", path).inserted == 1
    assert Borrower.objects.get(customer_number="C1").name == "李四"


def test_gbk_with_encoding_option():
    result = run("borrowers", SAMPLES / "borrowers_gbk.csv", encoding="gbk")
    assert (result.ok, result.inserted) == (True, 3)
    assert Borrower.objects.get(customer_number="C91000001").name == "李明"


def test_gbk_read_as_utf8_is_an_error_not_mojibake():
    result = run("borrowers", SAMPLES / "borrowers_gbk.csv")
    assert not result.ok
    assert "not valid utf-8 text" in result.errors[0].reason
    assert not Borrower.objects.exists()


def errors_of(result):
    return {(e.row, e.column, e.value, e.reason) for e in result.errors}


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        (
            "L1,C1,consumer_loan,100.00,6.0,2026-13-01,2027-01-01",
            "disbursed_on",
            "2026-13-01",
            "not a date (YYYY-MM-DD)",
        ),
        (
            "L1,C1,consumer_loan,12.345,6.0,2026-01-01,2027-01-01",
            "principal",
            "12.345",
            "not an amount (digits, at most 2 decimals)",
        ),
        (
            "L1,C1,consumer_loan,-5,6.0,2026-01-01,2027-01-01",
            "principal",
            "-5",
            "must not be negative",
        ),
        (
            "L1,C1,car_loan,100,6.0,2026-01-01,2027-01-01",
            "product",
            "car_loan",
            "not one of consumer_loan, credit_card, mortgage, business",
        ),
        (
            "L1,C1,consumer_loan,100,abc,2026-01-01,2027-01-01",
            "annual_rate",
            "abc",
            "not a rate (percent, at most 3 decimals)",
        ),
        (",C1,consumer_loan,100,6.0,2026-01-01,2027-01-01", "account_number", "", "required"),
        (
            "L" + "1" * 40 + ",C1,consumer_loan,100,6.0,2026-01-01,2027-01-01",
            "account_number",
            "L" + "1" * 40,
            "longer than 32 characters",
        ),
        (
            "L1,C1,consumer_loan,100,6.0,2026-01-01,2025-01-01",
            "maturity_on",
            "2025-01-01",
            "must be after disbursed_on",
        ),
        (
            "L1,C404,consumer_loan,100,6.0,2026-01-01,2027-01-01",
            "customer_number",
            "C404",
            "no borrower with this customer_number",
        ),
    ],
)
def test_each_cell_error_names_row_column_value_and_reason(tmp_path, cells, column, value, reason):
    f.make_borrower(customer_number="C1")
    good = "L0,C1,consumer_loan,100,6.0,2026-01-01,2027-01-01"
    result = run("loans", write(tmp_path, f"{LOAN_HEAD}\n{good}\n{cells}\n"))
    assert not result.ok
    assert errors_of(result) == {(3, column, value, reason)}
    assert not Loan.objects.exists()  # not even the good first row


def test_other_date_forms_core_systems_export(tmp_path):
    f.make_borrower(customer_number="C1")
    rows = "L1,C1,consumer_loan,100,6,2026/01/05,20270105\n"
    assert run("loans", write(tmp_path, f"{LOAN_HEAD}\n{rows}")).ok
    loan = Loan.objects.get()
    assert (loan.disbursed_on, loan.maturity_on) == (date(2026, 1, 5), date(2027, 1, 5))


def test_duplicates_within_the_file(tmp_path):
    f.make_borrower(customer_number="C1")
    text = f"{BORROWER_HEAD}\nC1,甲,1,1\nC2,乙,2,2\nC1,丙,3,3\n"
    result = run("borrowers", write(tmp_path, text))
    assert errors_of(result) == {(4, "customer_number", "C1", "duplicate of row 2")}
    assert Borrower.objects.get().name == "张三"


def test_installment_duplicates_are_by_loan_and_number(tmp_path):
    import_samples("borrowers", "loans")
    text = (
        "account_number,number,due_on,principal_due,interest_due\n"
        "6222900000000001,1,2026-02-10,100,1\n"
        "6222900000000002,1,2026-02-10,100,1\n"
        "6222900000000001,1,2026-03-10,100,1\n"
    )
    result = run("installments", write(tmp_path, text))
    assert errors_of(result) == {
        (4, "account_number+number", "6222900000000001 / 1", "duplicate of row 2")
    }
    assert not Installment.objects.exists()


def test_installment_amount_due_must_be_the_sum_or_is_computed(tmp_path):
    import_samples("borrowers", "loans")
    head = "account_number,number,due_on,principal_due,interest_due,fee_due,amount_due\n"
    bad = run("installments", write(tmp_path, head + "6222900000000001,1,2026-02-10,100,1,0,102\n"))
    assert errors_of(bad) == {
        (2, "amount_due", "102", "must equal principal_due + interest_due + fee_due (101)")
    }
    good = run("installments", write(tmp_path, head + "6222900000000001,1,2026-02-10,100,1,2,\n"))
    assert good.ok and Installment.objects.get().amount_due == Decimal("103.00")


def test_repayment_errors_amount_channel_and_unknown_loan(tmp_path):
    import_samples("borrowers", "loans")
    text = (
        "reference,account_number,paid_on,amount,channel\n"
        "R1,6222900000000001,2026-02-10,0,counter\n"
        "R2,6222900000000001,2026-02-10,10,cash\n"
        "R3,NOPE,2026-02-10,10,counter\n"
    )
    result = run("repayments", write(tmp_path, text))
    assert errors_of(result) == {
        (2, "amount", "0", "must be greater than 0"),
        (3, "channel", "cash", "not one of " + ", ".join(Repayment.Channel.values)),
        (4, "account_number", "NOPE", "no loan with this account_number"),
    }
    assert result.error_count == 3 and not Repayment.objects.exists()


def test_header_errors(tmp_path):
    result = run("borrowers", write(tmp_path, "customer_number,name,mobile,colour\nC1,a,1,red\n"))
    assert errors_of(result) == {
        (1, "colour", "colour", "unknown column"),
        (1, "national_id", "", "required column missing"),
    }


def test_a_row_with_the_wrong_number_of_cells(tmp_path):
    result = run("borrowers", write(tmp_path, f"{BORROWER_HEAD}\nC1,a,1\n"))
    assert errors_of(result) == {(2, "", "", "3 cells, expected 4")}


def test_an_error_in_the_last_row_commits_nothing(tmp_path):
    rows = "".join(f"C{n},名{n},5301,138\n" for n in range(1, 500))
    result = run("borrowers", write(tmp_path, f"{BORROWER_HEAD}\n{rows}C500,,5301,138\n"))
    assert (result.ok, result.rows, result.error_count) == (False, 500, 1)
    assert errors_of(result) == {(501, "name", "", "required")}
    assert "nothing imported" in result.summary()
    assert not Borrower.objects.exists()


def test_dry_run_validates_and_counts_but_writes_nothing():
    result = run("borrowers", SAMPLES / "borrowers.csv", dry_run=True)
    assert (result.ok, result.inserted) == (True, 3)
    assert "would be written" in result.summary()
    assert not Borrower.objects.exists()


def test_dpd_buckets_and_cases_are_refreshed_after_import():
    results = import_samples(*ALL)
    assert results["installments"].refresh is not None
    loan = Loan.objects.get(account_number="6222900000000001")
    # 1065.00 + 500.00 paid: installment 1 settled, 2 (due 2026-03-10) partly; as of 1 May.
    assert (loan.dpd, loan.bucket) == (52, "M2")
    assert Installment.objects.get(loan=loan, number=2).paid_amount == Decimal("500.00")
    case = Case.objects.get(borrower__customer_number="C90000001", status="open")
    assert (case.dpd, case.bucket) == (52, "M2")
    assert results["repayments"].affected_loans == 2
    paid_off = Loan.objects.get(account_number="6222900000000002")
    assert paid_off.dpd == 0 and not Case.objects.filter(borrower=paid_off.borrower).exists()


def test_no_refresh_when_nothing_changed():
    import_samples(*ALL)
    assert run("repayments", SAMPLES / "repayments.csv").refresh is None


def test_samples_copy_cleanly(tmp_path):
    # The documented files are what the docs promise: valid in order, with no errors.
    for kind in ALL:
        shutil.copy(SAMPLES / f"{kind}.csv", tmp_path)
        assert run(kind, tmp_path / f"{kind}.csv").error_count == 0


def test_text_with_commas_quotes_and_newlines_survives_staging(tmp_path):
    employer = '云南"滇池",有限公司\n二部\\办公室'
    quoted = '"' + employer.replace('"', '""') + '"'
    text = f"{BORROWER_HEAD},employer,alt_phone\nC1,李四,5301,138,{quoted},\n"
    assert run("borrowers", write(tmp_path, text)).ok
    borrower = Borrower.objects.get()
    assert (borrower.employer, borrower.alt_phone, borrower.date_of_birth) == (employer, "", None)


def test_xlsx_with_real_dates_and_numbers(tmp_path):
    from openpyxl import Workbook

    import_samples("borrowers")
    book = Workbook()
    sheet = book.active
    sheet.append(LOAN_HEAD.split(","))
    sheet.append(
        ["L1", "C90000001", "consumer_loan", 12000, 6.5, date(2026, 1, 10), date(2027, 1, 10)]
    )
    sheet.append(["L2", "C90000002", "mortgage", 1500.25, 4, "2026-02-01", "2046-02-01", None])
    book.save(tmp_path / "loans.xlsx")
    result = run("loans", tmp_path / "loans.xlsx")
    assert (result.ok, result.inserted) == (True, 2)
    loan = Loan.objects.get(account_number="L2")
    assert (loan.principal, loan.annual_rate, loan.maturity_on) == (
        Decimal("1500.25"),
        Decimal("4.000"),
        date(2046, 2, 1),
    )
    assert run("loans", tmp_path / "loans.xlsx").changed == 0


def test_xlsx_errors_name_the_row_and_a_broken_workbook_is_an_error(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(BORROWER_HEAD.split(","))
    book.active.append(["C1", "甲", "5301", "138"])
    book.active.append(["C2", None, "5301", "138"])
    book.save(tmp_path / "b.xlsx")
    assert errors_of(run("borrowers", tmp_path / "b.xlsx")) == {(3, "name", "", "required")}
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    broken = run("borrowers", tmp_path / "broken.xlsx")
    assert errors_of(broken) == {(1, "", "", "not a readable .xlsx workbook")}
    assert not Borrower.objects.exists()


def test_a_repayment_moved_to_another_loan_refreshes_both_loans(tmp_path):
    import_samples(*ALL)
    old = Loan.objects.get(account_number="6222900000000001")
    assert (old.dpd, old.bucket) == (52, "M2")
    # A file with only the moved repayment: nothing else in it points at the old loan.
    moved = "reference,account_number,paid_on,amount,channel\n" + (
        "RP202602100001,6222900000000003,2026-02-10,1065.00,auto_debit\n"
    )
    result = run("repayments", write(tmp_path, moved))
    assert (result.updated, result.affected_loans) == (1, 2)
    # Only the 500.00 of 12 March is left on the old loan: installment 1 is unpaid again.
    old.refresh_from_db()
    assert Installment.objects.get(loan=old, number=1).paid_amount == Decimal("500.00")
    assert (old.dpd, old.bucket) == (80, "M3")
    assert Case.objects.get(borrower=old.borrower, status="open").dpd == 80
    new = Loan.objects.get(account_number="6222900000000003")
    assert Installment.objects.get(loan=new, number=1).paid_amount == Decimal("1065.00")


def test_a_committed_import_is_audited_once(admin_user):
    from compliance.models import AuditEvent

    run("borrowers", SAMPLES / "borrowers.csv", dry_run=True)
    run("borrowers", SAMPLES / "borrowers_gbk.csv")  # an error: nothing committed
    assert not AuditEvent.objects.exists()
    run("borrowers", SAMPLES / "borrowers.csv", by=admin_user)
    run("borrowers", SAMPLES / "borrowers.csv")  # committed too, though nothing changed
    first, again = AuditEvent.objects.order_by("id")
    assert (first.action, first.actor_id, first.at) == ("core_import.committed", admin_user.pk, NOW)
    assert (first.object_type, first.object_id) == ("collections_app.import_file", "borrowers.csv")
    assert first.data == {
        "kind": "borrowers",
        "file": "borrowers.csv",
        "encoding": "utf-8",
        "rows": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert (again.actor_label, again.data["unchanged"]) == ("system", 3)


def test_a_nul_character_is_a_cell_error_not_a_crash(tmp_path):
    text = f"{BORROWER_HEAD},email\nC1,李\x00四,5301,138,a\x00@b.cn\n"
    result = run("borrowers", write(tmp_path, text))
    assert errors_of(result) == {
        (2, "name", "李\x00四", "contains a NUL character"),
        (2, "email", "a\x00@b.cn", "not an e-mail address"),
    }
    assert not Borrower.objects.exists()
