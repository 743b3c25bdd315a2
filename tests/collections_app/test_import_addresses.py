"""Address imports: keyed by customer number + the core system's address reference, with
one primary address per borrower (docs/import.md)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from collections_app.models import Address
from tests import factories as f

from .test_import import SAMPLES, errors_of, import_samples, run, write

pytestmark = pytest.mark.django_db

HEAD = "customer_number,address_ref,district,street,is_primary"
LATER = datetime(2026, 5, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def addresses(customer_number):
    return {
        a.external_ref: a for a in Address.objects.filter(borrower__customer_number=customer_number)
    }


def primary_refs(customer_number):
    return [a.external_ref for a in addresses(customer_number).values() if a.is_primary]


def test_sample_imports_with_defaults_and_coordinates():
    result = import_samples("borrowers", "addresses")["addresses"]
    assert (result.ok, result.inserted, result.updated) == (True, 5, 0), result.errors
    first = addresses("C90000001")
    assert first["A001"].is_primary and not first["A002"].is_primary
    assert (first["A001"].lat, first["A001"].lng) == (Decimal("25.046123"), Decimal("102.705456"))
    assert first["A002"].street == "春城路219号, 建材市场B区" and first["A002"].lat is None
    defaulted = addresses("C90000003")
    assert (defaulted["A001"].province, defaulted["A001"].city) == ("云南省", "昆明市")
    assert defaulted["A001"].postal_code == "" and defaulted["A002"].kind == "other"
    assert defaulted["A002"].is_primary is False
    assert result.affected_loans == 0 and result.refresh is None


def test_the_same_file_twice_changes_nothing():
    import_samples("borrowers", "addresses")
    before = list(Address.objects.order_by("pk").values())
    again = run("addresses", SAMPLES / "addresses.csv")
    assert (again.ok, again.inserted, again.updated, again.unchanged) == (True, 0, 0, 5)
    assert list(Address.objects.order_by("pk").values()) == before


def test_staff_addresses_and_other_borrowers_addresses_are_kept(tmp_path):
    borrower = f.make_borrower(customer_number="C1")
    mine = f.make_address(borrower=borrower, is_primary=False, street="staff entered")
    other = f.make_borrower(customer_number="C2")
    f.make_address(borrower=other, external_ref="A1", street="other borrower's")
    result = run("addresses", write(tmp_path, f"{HEAD}\nC1,A1,五华区,新街1号,0\n"))
    assert (result.inserted, result.updated) == (1, 0)
    assert Address.objects.get(pk=mine.pk).street == "staff entered"
    assert Address.objects.get(borrower=other).street == "other borrower's"


def test_a_changed_row_is_updated_and_only_that_one(tmp_path):
    f.make_borrower(customer_number="C1")
    first = f"{HEAD}\nC1,A1,五华区,旧街1号,0\nC1,A2,盘龙区,北京路1号,0\n"
    run("addresses", write(tmp_path, first))
    untouched = addresses("C1")["A2"].updated_at
    result = run("addresses", write(tmp_path, first.replace("旧街", "新街")), now=LATER)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    assert addresses("C1")["A1"].street == "新街1号"
    assert addresses("C1")["A2"].updated_at == untouched


def test_a_new_primary_clears_the_previous_one_in_the_same_import(tmp_path):
    borrower = f.make_borrower(customer_number="C1")
    staff = f.make_address(borrower=borrower, is_primary=True, street="staff primary")
    result = run("addresses", write(tmp_path, f"{HEAD}\nC1,A1,五华区,新街1号,1\n"), now=LATER)
    assert result.ok, result.errors
    staff.refresh_from_db()
    assert staff.is_primary is False and staff.updated_at == LATER
    assert primary_refs("C1") == ["A1"]


def test_the_primary_moves_between_imported_addresses(tmp_path):
    f.make_borrower(customer_number="C1")
    run("addresses", write(tmp_path, f"{HEAD}\nC1,A1,五华区,街1号,1\nC1,A2,盘龙区,街2号,0\n"))
    assert primary_refs("C1") == ["A1"]
    moved = f"{HEAD}\nC1,A1,五华区,街1号,0\nC1,A2,盘龙区,街2号,yes\nC1,A3,官渡区,街3号,0\n"
    result = run("addresses", write(tmp_path, moved), now=LATER)
    assert (result.ok, result.inserted, result.updated) == (True, 1, 2), result.errors
    assert primary_refs("C1") == ["A2"]
    again = run("addresses", write(tmp_path, moved), now=LATER)
    assert (again.inserted, again.updated) == (0, 0)


def test_the_primary_moves_to_an_existing_address_the_file_promotes(tmp_path):
    borrower = f.make_borrower(customer_number="C1")
    staff = f.make_address(borrower=borrower, is_primary=True)
    run("addresses", write(tmp_path, f"{HEAD}\nC1,A1,五华区,街1号,0\n"))
    assert not addresses("C1")["A1"].is_primary
    result = run("addresses", write(tmp_path, f"{HEAD}\nC1,A1,五华区,街1号,1\n"), now=LATER)
    assert (result.inserted, result.updated) == (0, 1)
    assert primary_refs("C1") == ["A1"]
    assert Address.objects.get(pk=staff.pk).is_primary is False


def test_two_primaries_for_one_borrower_in_the_file_is_an_error(tmp_path):
    borrower = f.make_borrower(customer_number="C1")
    staff = f.make_address(borrower=borrower, is_primary=True)
    f.make_borrower(customer_number="C2")
    text = f"{HEAD}\nC1,A1,五华区,街1号,1\nC2,A1,五华区,街1号,1\nC1,A2,盘龙区,街2号,true\n"
    result = run("addresses", write(tmp_path, text))
    assert errors_of(result) == {
        (4, "is_primary", "C1", "a second is_primary row for this customer_number (first in row 2)")
    }
    assert Address.objects.get() == staff and staff.is_primary


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        ("C1,A1,castle,五华区,街,,,", "kind", "castle", "not one of home, work, other"),
        ("C1,A1,home,,街,,,", "district", "", "required"),
        ("C1,,home,五华区,街,,,", "address_ref", "", "required"),
        (
            "C1," + "R" * 41 + ",home,五华区,街,,,",
            "address_ref",
            "R" * 41,
            "longer than 40 characters",
        ),
        ("C1,A1,home,五华区,街,91,100,", "lat", "91", "must be from -90 to 90"),
        ("C1,A1,home,五华区,街,25,-180.5,", "lng", "-180.5", "must be from -180 to 180"),
        (
            "C1,A1,home,五华区,街,25.1234567,102,",
            "lat",
            "25.1234567",
            "not a coordinate (degrees, at most 6 decimals)",
        ),
        ("C1,A1,home,五华区,街,25.1,,", "lng", "", "give both lat and lng, or neither"),
        (
            "C1,A1,home,五华区,街,,,maybe",
            "is_primary",
            "maybe",
            "not a yes/no value (1 or 0, true or false)",
        ),
        (
            "C9,A1,home,五华区,街,,,",
            "customer_number",
            "C9",
            "no borrower with this customer_number",
        ),
    ],
)
def test_each_error_names_row_column_value_and_reason(tmp_path, cells, column, value, reason):
    f.make_borrower(customer_number="C1")
    head = "customer_number,address_ref,kind,district,street,lat,lng,is_primary"
    result = run("addresses", write(tmp_path, f"{head}\n{cells}\n"))
    assert errors_of(result) == {(2, column, value, reason)}
    assert not Address.objects.exists()


def test_duplicate_keys_within_the_file(tmp_path):
    f.make_borrower(customer_number="C1")
    f.make_borrower(customer_number="C2")
    text = f"{HEAD}\nC1,A1,五华区,街,0\nC2,A1,五华区,街,0\nC1,A1,盘龙区,街,0\n"
    result = run("addresses", write(tmp_path, text))
    assert errors_of(result) == {
        (4, "customer_number+address_ref", "C1 / A1", "duplicate of row 2")
    }


def test_an_error_in_the_last_row_commits_nothing(tmp_path):
    f.make_borrower(customer_number="C1")
    rows = "".join(f"C1,A{n},五华区,街{n}号,0\n" for n in range(1, 300))
    result = run("addresses", write(tmp_path, f"{HEAD}\n{rows}C1,A300,,街,0\n"))
    assert (result.ok, result.rows, result.error_count) == (False, 300, 1)
    assert not Address.objects.exists()


def test_dry_run_writes_nothing():
    import_samples("borrowers")
    result = run("addresses", SAMPLES / "addresses.csv", dry_run=True)
    assert (result.ok, result.inserted) == (True, 5)
    assert not Address.objects.exists()


def test_gbk_and_xlsx(tmp_path):
    from openpyxl import Workbook

    f.make_borrower(customer_number="C1")
    gbk = write(tmp_path, f"{HEAD}\nC1,A1,五华区,翠湖南路1号,1\n", encoding="gbk")
    assert run("addresses", gbk, encoding="gbk").inserted == 1
    book = Workbook()
    book.active.append(
        ["customer_number", "address_ref", "district", "street", "is_primary", "lat", "lng"]
    )
    book.active.append(["C1", "A2", "盘龙区", "北京路2号", True, 25.5, 102.25])
    book.save(tmp_path / "a.xlsx")
    result = run("addresses", tmp_path / "a.xlsx")
    assert (result.ok, result.inserted, result.updated) == (True, 1, 0), result.errors
    assert primary_refs("C1") == ["A2"]
    assert addresses("C1")["A2"].lat == Decimal("25.5")
