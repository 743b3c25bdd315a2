"""Batch upserts for integrations, idempotent by natural key (customer number for borrowers,
reference for repayments, and the import kinds' keys for loans and installments). Any
error → nothing of the batch is written.

A borrower's details change over time, so a known customer number is updated with what the
core system sends (and left alone when nothing differs). A repayment is a fact of the core
banking system: a reference already recorded with the same values is left alone (so the
same batch twice changes nothing); one recorded with other values is an error rather than a
silent rewrite of the ledger.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.importing.items import ItemRejected, items_upsert
from collections_app.models import Borrower, Repayment
from collections_app.services.ledger import ledger_refresh

from .scope import loans_for_user

COMPARED = ("loan", "paid_on", "amount", "channel")


class ItemError(Exception):
    def __init__(self, index: int, field: str, error: str):
        super().__init__(f"[{index}].{field}: {error}")
        self.index, self.field, self.error = index, field, error


@dataclass(frozen=True)
class BatchResult:
    created: int
    unchanged: int
    updated: int = 0


def _unique(items: list[dict], key: str) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item[key] in seen:
            raise ItemError(index, key, _("Repeats item %(i)d.") % {"i": seen[item[key]]})
        seen[item[key]] = index


def _clean(index: int, row) -> None:
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ItemError(index, field, messages[0]) from None


@transaction.atomic
def borrowers_upsert(*, items: list[dict]) -> BatchResult:
    """`items` are validated BorrowerItemSerializer data."""
    _unique(items, "customer_number")
    existing = Borrower.objects.in_bulk(
        [i["customer_number"] for i in items], field_name="customer_number"
    )
    fields = [key for key in items[0] if key != "customer_number"] if items else []
    new, changed = [], []
    for index, item in enumerate(items):
        borrower = existing.get(item["customer_number"])
        if borrower is None:
            borrower = Borrower(**item)
            new.append(borrower)
        elif any(getattr(borrower, k) != v for k, v in item.items()):
            for key, value in item.items():
                setattr(borrower, key, value)
            changed.append(borrower)
        else:
            continue
        _clean(index, borrower)
    Borrower.objects.bulk_create(new)
    if changed:
        Borrower.objects.bulk_update(changed, fields)
    return BatchResult(
        created=len(new), updated=len(changed), unchanged=len(items) - len(new) - len(changed)
    )


@transaction.atomic
def repayments_upsert(*, items: list[dict], by, as_of: date) -> BatchResult:
    """`items` are validated RepaymentItemSerializer data; loans must be in `by`'s scope."""
    _unique(items, "reference")
    loans = {
        loan.account_number: loan
        for loan in loans_for_user(user=by).filter(account_number__in={i["loan"] for i in items})
    }
    existing = {
        r.reference: r
        for r in Repayment.objects.select_related("loan").filter(
            reference__in=[i["reference"] for i in items]
        )
    }
    new = []
    for index, item in enumerate(items):
        loan = loans.get(item["loan"])
        if loan is None:
            raise ItemError(index, "loan", _("No loan with this account number."))
        if (old := existing.get(item["reference"])) is not None:
            if differs := _first_difference(old, {**item, "loan": loan}):
                raise ItemError(index, differs, _("Already recorded with another value."))
            continue
        repayment = Repayment(
            loan=loan,
            reference=item["reference"],
            paid_on=item["paid_on"],
            amount=item["amount"],
            channel=item["channel"],
        )
        _clean(index, repayment)
        new.append(repayment)
    if new:
        Repayment.objects.bulk_create(new)
        ledger_refresh(as_of=as_of, loan_ids=sorted({r.loan_id for r in new}))
    return BatchResult(created=len(new), unchanged=len(items) - len(new))


def kind_upsert(*, kind: str, items: list[dict], now: datetime) -> BatchResult:
    """Rows of an import kind (loans, installments), validated and upserted by that kind's
    own definition, the same as a file of it (collections_app.importing)."""
    try:
        result = items_upsert(kind=kind, items=items, now=now)
    except ItemRejected as rejected:
        raise ItemError(rejected.error.row, rejected.error.column, rejected.error.reason) from None
    return BatchResult(created=result.inserted, updated=result.updated, unchanged=result.unchanged)


def _first_difference(old: Repayment, item: dict) -> str | None:
    for field in COMPARED:
        if getattr(old, field) != item[field]:
            return field
    return None
