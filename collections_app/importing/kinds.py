"""What each kind of core-banking file holds and where its rows go.

A kind names its file columns (with a parser and a staging type each), its natural key
(unique within the file and in the database), the references it must resolve, and how
staged rows map onto the target table's columns.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from collections_app.models import Address, Borrower, Installment, Loan, Repayment
from collections_app.models.borrowers import AddressKind, BorrowerGender, Jurisdiction
from collections_app.models.loans import LoanProduct, LoanStatus, RepaymentChannel

from . import parsing as p


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable
    sql_type: str  # text, date, numeric(14,2), numeric(6,3), numeric(9,6), integer, boolean
    required: bool = True  # must be in the header


@dataclass(frozen=True)
class Ref:
    column: str  # file column
    model: type  # the table it must exist in
    field: str  # that table's natural key


@dataclass(frozen=True)
class OnePrimary:
    """At most one row per parent may have `flag` set (a partial unique index): the file
    may name one per parent, and naming one clears the parent's previous one."""

    flag: str  # boolean column, same name in the file and the target
    per: str  # file column naming the parent
    parent: str  # the target's column for the parent


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # file columns unique within the file
    conflict: tuple[str, ...]  # target columns of the database's unique constraint
    targets: tuple[tuple[str, str], ...]  # (target column, SQL over staging `s` and joins)
    joins: str = ""
    refs: tuple[Ref, ...] = ()
    row_check: Callable[[dict], list[tuple[str, str]]] | None = None
    loan_join: str = ""  # SQL joining staging `s` to the affected loans `l`
    one_primary: OnePrimary | None = None

    @property
    def update(self) -> tuple[str, ...]:
        return tuple(col for col, _expr in self.targets if col not in self.conflict)


MAX_AMOUNT = Decimal("999999999999.99")  # what a money column (14 digits, 2 decimals) holds


def _loan_dates(row: dict) -> list[tuple[str, str]]:
    if row["maturity_on"] <= row["disbursed_on"]:
        return [("maturity_on", "must be after disbursed_on")]
    row["currency"] = row["currency"].upper() or "CNY"
    if len(row["currency"]) != 3 or not row["currency"].isalpha():
        return [("currency", "not a three-letter currency code")]
    return []


def _installment_sum(row: dict) -> list[tuple[str, str]]:
    total = row["principal_due"] + row["interest_due"] + row["fee_due"]
    if total > MAX_AMOUNT:
        return [("amount_due", f"principal_due + interest_due + fee_due over {MAX_AMOUNT}")]
    if row["amount_due"] is None:
        row["amount_due"] = total
    elif row["amount_due"] != total:
        return [("amount_due", f"must equal principal_due + interest_due + fee_due ({total})")]
    return []


def _lat_lng_together(row: dict) -> list[tuple[str, str]]:
    if (row["lat"] is None) != (row["lng"] is None):
        missing = "lng" if row["lng"] is None else "lat"
        return [(missing, "give both lat and lng, or neither")]
    return []


def _optional_amount(value: str):
    return None if value == "" else p.amount()(value)


BORROWERS = Kind(
    name="borrowers",
    model=Borrower,
    columns=(
        Column("customer_number", p.text(32), "text"),
        Column("name", p.text(100), "text"),
        Column("national_id", p.text(32), "text"),
        Column("gender", p.choice(BorrowerGender.values, default="U"), "text", False),
        Column("date_of_birth", p.day(required=False), "date", False),
        Column("mobile", p.text(32), "text"),
        Column("alt_phone", p.text(32, required=False), "text", False),
        Column("email", p.email, "text", False),
        Column("employer", p.text(200, required=False), "text", False),
        Column("occupation", p.text(100, required=False), "text", False),
        Column("jurisdiction", p.choice(Jurisdiction.values, default="CN"), "text", False),
    ),
    key=("customer_number",),
    conflict=("customer_number",),
    targets=tuple(
        (c, f"s.{c}")
        for c in (
            "customer_number",
            "name",
            "national_id",
            "gender",
            "date_of_birth",
            "mobile",
            "alt_phone",
            "email",
            "employer",
            "occupation",
            "jurisdiction",
        )
    ),
)

LOANS = Kind(
    name="loans",
    model=Loan,
    columns=(
        Column("account_number", p.text(32), "text"),
        Column("customer_number", p.text(32), "text"),
        Column("product", p.choice(LoanProduct.values), "text"),
        Column("principal", p.amount(), "numeric(14,2)"),
        Column("annual_rate", p.rate, "numeric(6,3)"),
        Column("disbursed_on", p.day(), "date"),
        Column("maturity_on", p.day(), "date"),
        Column("currency", p.text(3, required=False), "text", False),
        Column("status", p.choice(LoanStatus.values, default="active"), "text", False),
    ),
    key=("account_number",),
    conflict=("account_number",),
    targets=(
        ("account_number", "s.account_number"),
        ("borrower_id", "b.id"),
        ("product", "s.product"),
        ("principal", "s.principal"),
        ("annual_rate", "s.annual_rate"),
        ("disbursed_on", "s.disbursed_on"),
        ("maturity_on", "s.maturity_on"),
        ("currency", "s.currency"),
        ("status", "s.status"),
    ),
    joins="JOIN {borrower} b ON b.customer_number = s.customer_number",
    refs=(Ref("customer_number", Borrower, "customer_number"),),
    row_check=_loan_dates,
    loan_join="JOIN {loan} l ON l.account_number = s.account_number",
)

INSTALLMENTS = Kind(
    name="installments",
    model=Installment,
    columns=(
        Column("account_number", p.text(32), "text"),
        Column("number", p.small_int, "integer"),
        Column("due_on", p.day(), "date"),
        Column("principal_due", p.amount(), "numeric(14,2)"),
        Column("interest_due", p.amount(), "numeric(14,2)"),
        Column("fee_due", p.amount(default="0"), "numeric(14,2)", False),
        Column("amount_due", _optional_amount, "numeric(14,2)", False),
    ),
    key=("account_number", "number"),
    conflict=("loan_id", "number"),
    targets=(
        ("loan_id", "l.id"),
        ("number", "s.number"),
        ("due_on", "s.due_on"),
        ("principal_due", "s.principal_due"),
        ("interest_due", "s.interest_due"),
        ("fee_due", "s.fee_due"),
        ("amount_due", "s.amount_due"),
    ),
    joins="JOIN {loan} l ON l.account_number = s.account_number",
    refs=(Ref("account_number", Loan, "account_number"),),
    row_check=_installment_sum,
    loan_join="JOIN {loan} l ON l.account_number = s.account_number",
)

REPAYMENTS = Kind(
    name="repayments",
    model=Repayment,
    columns=(
        Column("reference", p.text(64), "text"),
        Column("account_number", p.text(32), "text"),
        Column("paid_on", p.day(), "date"),
        Column("amount", p.amount(positive=True), "numeric(14,2)"),
        Column("channel", p.choice(RepaymentChannel.values), "text"),
    ),
    key=("reference",),
    conflict=("reference",),
    targets=(
        ("reference", "s.reference"),
        ("loan_id", "l.id"),
        ("paid_on", "s.paid_on"),
        ("amount", "s.amount"),
        ("channel", "s.channel"),
    ),
    joins="JOIN {loan} l ON l.account_number = s.account_number",
    refs=(Ref("account_number", Loan, "account_number"),),
    loan_join="JOIN {loan} l ON l.account_number = s.account_number",
)

_ADDRESS_DEFAULT = {name: Address._meta.get_field(name).default for name in ("province", "city")}

ADDRESSES = Kind(
    name="addresses",
    model=Address,
    columns=(
        Column("customer_number", p.text(32), "text"),
        Column("address_ref", p.text(40), "text"),
        Column("kind", p.choice(AddressKind.values, default="home"), "text", False),
        Column("province", p.text(50, default=_ADDRESS_DEFAULT["province"]), "text", False),
        Column("city", p.text(50, default=_ADDRESS_DEFAULT["city"]), "text", False),
        Column("district", p.text(50), "text"),
        Column("street", p.text(200), "text"),
        Column("postal_code", p.text(10, required=False), "text", False),
        Column("lat", p.coordinate(90), "numeric(9,6)", False),
        Column("lng", p.coordinate(180), "numeric(9,6)", False),
        Column("is_primary", p.flag, "boolean", False),
    ),
    key=("customer_number", "address_ref"),
    conflict=("borrower_id", "external_ref"),
    targets=(
        ("borrower_id", "b.id"),
        ("external_ref", "s.address_ref"),
        ("kind", "s.kind"),
        ("province", "s.province"),
        ("city", "s.city"),
        ("district", "s.district"),
        ("street", "s.street"),
        ("postal_code", "s.postal_code"),
        ("lat", "s.lat"),
        ("lng", "s.lng"),
        ("is_primary", "s.is_primary"),
    ),
    joins="JOIN {borrower} b ON b.customer_number = s.customer_number",
    refs=(Ref("customer_number", Borrower, "customer_number"),),
    row_check=_lat_lng_together,
    one_primary=OnePrimary(flag="is_primary", per="customer_number", parent="borrower_id"),
)

KINDS = {k.name: k for k in (BORROWERS, ADDRESSES, LOANS, INSTALLMENTS, REPAYMENTS)}
